using System;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen.TorchSharp.Tests.Models;
using Xunit;
using static TorchSharp.torch;
using static WdGen.TorchSharp.Tests.Support;

namespace WdGen.TorchSharp.Tests.Optimizers
{
    /// <summary>
    /// The fused optimizers' state through TorchSharp's own API (save_state_dict/load_state_dict, state_dict()) as well as
    /// WdGen's SaveState/LoadState: every parameter's state travels under its name, a resumed run continues exactly, and
    /// state for other parameters is refused without changing anything.
    /// </summary>
    public sealed class StateTests : IDisposable
    {
        private readonly string directory = Directory.CreateTempSubdirectory("wdgen-torchsharp-state-").FullName;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        [Theory]
        [InlineData("torchsharp file")]
        [InlineData("torchsharp dictionary")]
        [InlineData("wdgen file")]
        public void A_resumed_optimizer_continues_exactly_like_the_uninterrupted_one(string route)
        {
            var model = new Net(tie: true);
            var twin = Twin(model, () => new Net(tie: true));
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var straight = groups.ToFusedAdamW(0.05, 0.1, amsgrad: true);
            var first = twinGroups.ToFusedAdamW(0.05, 0.1, amsgrad: true);
            var schedule = optim.lr_scheduler.StepLR(straight, step_size: 1, gamma: 0.5);
            var firstSchedule = optim.lr_scheduler.StepLR(first, step_size: 1, gamma: 0.5);
            for (var step = 1; step <= 3; step++)
            {
                SetGradients(groups, twinGroups, step);
                straight.step();
                first.step();
                schedule.step();
                firstSchedule.step();
            }

            // A new optimizer over the twin's groups (a restarted process) loads what the first one saved.
            var resumed = twinGroups.ToFusedAdamW(0.05, 0.1, amsgrad: true);
            var path = Path.Combine(directory, "state.bin");
            switch (route)
            {
                case "torchsharp file":
                    first.save_state_dict(path);
                    resumed.load_state_dict(path);
                    break;
                case "torchsharp dictionary":
                    resumed.load_state_dict(first.state_dict());
                    break;
                default:
                    first.SaveState(path);
                    resumed.LoadState(path);
                    resumed.ParamGroups.First().LearningRate = first.ParamGroups.First().LearningRate;
                    foreach (var (target, source) in resumed.ParamGroups.Zip(first.ParamGroups))
                    {
                        target.LearningRate = source.LearningRate;
                    }

                    break;
            }

            Assert.Equal(straight.ParamGroups.Select(g => g.LearningRate), resumed.ParamGroups.Select(g => g.LearningRate));
            StepInTurn(groups, straight, twinGroups, resumed, 4, 6, compare: true);
        }

        [Fact]
        public void TorchSharps_save_state_dict_stores_every_parameter_under_its_name()
        {
            var groups = new Net().GetDecayGroups();
            var optimizer = groups.ToFusedSgd(0.1, 0.1, momentum: 0.9);
            var path = Path.Combine(directory, "named.bin");

            optimizer.save_state_dict(path);

            var text = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path));
            Assert.All(groups.Entries, e => Assert.Contains(e.Name, text));
        }

        [Theory]
        [InlineData("torchsharp file")]
        [InlineData("wdgen file")]
        public void State_of_other_parameters_is_refused_and_changes_nothing(string route)
        {
            var renamed = new RenamedNet().GetDecayGroups();
            var source = renamed.ToFusedAdamW(0.05, 0.1);
            source.ParamGroups.First().LearningRate = 0.5;
            var model = new Net();
            var twin = Twin(model, () => new Net());
            var groups = model.GetDecayGroups();
            var twinGroups = twin.GetDecayGroups();
            var target = groups.ToFusedAdamW(0.05, 0.1);
            var untouched = twinGroups.ToFusedAdamW(0.05, 0.1);
            SetGradients(groups, twinGroups, 1);
            target.step();
            untouched.step();
            var path = Path.Combine(directory, "other.bin");

            var error = route == "wdgen file"
                ? Record.Exception(() => { source.SaveState(path); target.LoadState(path); })
                : Record.Exception(() => { source.save_state_dict(path); target.load_state_dict(path); });

            Assert.IsType<InvalidDataException>(error);
            Assert.Contains("fingerprint", error.Message);
            Assert.Equal(0.05, target.ParamGroups.First().LearningRate);
            SetGradients(groups, twinGroups, 2);
            target.step();
            untouched.step();
            foreach (var (a, b) in groups.Entries.Zip(twinGroups.Entries))
            {
                Assert.Equal(Values(b.Parameter), Values(a.Parameter));
            }
        }

        [Fact]
        public void A_failed_save_leaves_no_file()
        {
            var optimizer = new Net().GetDecayGroups().ToFusedAdamW(0.05, 0.1);
            var path = Path.Combine(directory, "missing-folder", "state.bin");

            Assert.ThrowsAny<IOException>(() => optimizer.SaveState(path));

            Assert.False(File.Exists(path));
            Assert.Empty(Directory.GetFiles(directory, "*", SearchOption.AllDirectories));
        }
    }
}
