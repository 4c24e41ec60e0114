using System;
using System.IO;
using System.Linq;
using WdGen.Optimization;
using WdGen.Optimization.Engine;
using Xunit;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>Save/load: resume equals uninterrupted, name keying, and rejection of files that do not fit or are damaged.</summary>
    public sealed class FusedStateFileTests : IDisposable
    {
        private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("wdgen-state-");

        public void Dispose() => _dir.Delete(recursive: true);

        [Theory]
        [InlineData(FusedAlgorithm.AdamW)]
        [InlineData(FusedAlgorithm.Adam)]
        [InlineData(FusedAlgorithm.Sgd)]
        [InlineData(FusedAlgorithm.Lion)]
        public void Resuming_from_a_saved_state_equals_uninterrupted_training(FusedAlgorithm algorithm)
        {
            var model = new FusedTestModel(algorithm);
            using var straight = model.Create(2);
            var a = model.Clone();
            model.Run(straight, a, 0, 10);

            using var first = model.Create(2);
            var b = model.Clone();
            model.Run(first, b, 0, 5);
            var path = Path.Combine(_dir.FullName, "state.bin");
            first.SaveState(path);
            Assert.Single(_dir.GetFiles()); // the temporary file was renamed, not left behind

            // The resumed process lists the parameters in another order: state is matched by name.
            var order = Enumerable.Range(0, model.Specs.Length).Reverse().ToArray();
            using var resumed = model.Create(1, chunk: 777, specs: order.Select(i => model.Specs[i]).ToArray());
            resumed.LoadState(path);
            var reordered = order.Select(i => b[i]).ToArray();
            for (var s = 5; s < 10; s++)
            {
                resumed.Groups[0].LearningRate = 1e-2 * (1 + s % 3);
                resumed.Step(reordered, order.Select(i => model.Gradients[s][i]).ToArray());
            }

            for (var k = 0; k < order.Length; k++)
            {
                var p = order[k];
                Assert.Equal(a[p], reordered[k]);
                Assert.Equal(straight.StepCount(p), resumed.StepCount(k));
                foreach (var kind in straight.Algorithm.States.Select(s => s.Name))
                {
                    Assert.Equal(FusedTestModel.State(straight, p, kind), FusedTestModel.State(resumed, k, kind));
                }
            }
        }

        [Fact]
        public void Renamed_parameters_are_rejected_naming_them_and_nothing_changes()
        {
            var (model, opt, values, path) = Trained();
            var renamed = model.Specs.Select(s => s.Name == "p5" ? s with { Name = "p5_renamed" } : s).ToArray();
            using var other = model.Create(2, specs: renamed);
            other.Step(model.Clone(), model.Gradients[0]);
            var before = FusedTestModel.Snapshot(other, model.Initial);
            var e = Assert.Throws<InvalidDataException>(() => other.LoadState(path));
            Assert.Contains("'p5'", e.Message);
            Assert.Contains("'p5_renamed'", e.Message);
            Assert.True(before.SequenceEqual(FusedTestModel.Snapshot(other, model.Initial)));
            opt.Dispose();
        }

        [Fact]
        public void Moved_or_resized_parameters_are_rejected_naming_them()
        {
            var (model, opt, _, path) = Trained();
            var moved = model.Specs.Select(s => s.Name == "p7" ? s with { GroupIndex = 2 } : s).ToArray();
            using var other = model.Create(2, specs: moved);
            var e = Assert.Throws<InvalidDataException>(() => other.LoadState(path));
            Assert.Contains("'p7' (saved: group 1", e.Message);
            opt.Dispose();
        }

        [Fact]
        public void A_different_fingerprint_is_rejected()
        {
            var (model, opt, _, path) = Trained();
            using var other = model.Create(2, fingerprint: "decay:[a,b] no_decay:[c]");
            var e = Assert.Throws<InvalidDataException>(() => other.LoadState(path));
            Assert.Contains("\"fp\"", e.Message);
            Assert.Contains("\"decay:[a,b] no_decay:[c]\"", e.Message);
            opt.Dispose();
        }

        [Fact]
        public void Truncated_or_corrupted_files_are_rejected_and_nothing_changes()
        {
            var (model, opt, values, path) = Trained();
            var before = FusedTestModel.Snapshot(opt, values);
            var bytes = File.ReadAllBytes(path);

            var truncated = Path.Combine(_dir.FullName, "truncated.bin");
            File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());
            Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => opt.LoadState(truncated)).Message);

            var tiny = Path.Combine(_dir.FullName, "tiny.bin");
            File.WriteAllBytes(tiny, bytes.AsSpan(0, 5).ToArray());
            Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => opt.LoadState(tiny)).Message);

            foreach (var offset in new[] { 3, 40, bytes.Length / 2, bytes.Length - 3 })
            {
                var corrupted = (byte[])bytes.Clone();
                corrupted[offset] ^= 0x10;
                var file = Path.Combine(_dir.FullName, $"corrupted{offset}.bin");
                File.WriteAllBytes(file, corrupted);
                Assert.Contains("corrupted", Assert.Throws<InvalidDataException>(() => opt.LoadState(file)).Message);
            }

            Assert.True(before.SequenceEqual(FusedTestModel.Snapshot(opt, values)), "a failed load changed the live state");
            opt.LoadState(path); // the intact file still loads
            Assert.True(before.SequenceEqual(FusedTestModel.Snapshot(opt, values)));
            opt.Dispose();
        }

        [Theory]
        [InlineData(FusedAlgorithm.AdamW)]
        [InlineData(FusedAlgorithm.Sgd)]
        public unsafe void Files_of_format_version_1_still_load(FusedAlgorithm algorithm)
        {
            var model = new FusedTestModel(algorithm);
            using var trained = model.Create(2);
            var values = model.Clone();
            model.Run(trained, values, 0, 3);

            // Version 1, as WdGen 0.1 wrote it: an int32 algorithm code and a bit set of four fixed state kinds.
            var kinds = new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer" };
            var path = Path.Combine(_dir.FullName, "v1.bin");
            using (var stream = File.Create(path))
            {
                var writer = new StateFile.Writer(stream);
                writer.Bytes(StateFile.Magic);
                writer.Int32(1);
                writer.Int32((int)algorithm);
                writer.String("fp");
                writer.Int32(model.Specs.Length);
                var present = new int[model.Specs.Length];
                for (var p = 0; p < model.Specs.Length; p++)
                {
                    for (var k = 0; k < kinds.Length; k++)
                    {
                        present[p] |= trained.Algorithm.StateIndex(kinds[k]) >= 0 && trained.ReadState(p, kinds[k], new float[model.Specs[p].Length]) ? 1 << k : 0;
                    }

                    writer.String(model.Specs[p].Name);
                    writer.Int32(model.Specs[p].GroupIndex);
                    writer.Int64(model.Specs[p].Length);
                    writer.Int64(trained.StepCount(p));
                    writer.Int32(present[p]);
                }

                for (var p = 0; p < model.Specs.Length; p++)
                {
                    for (var k = 0; k < kinds.Length; k++)
                    {
                        if ((present[p] & (1 << k)) != 0)
                        {
                            var buffer = new float[model.Specs[p].Length];
                            trained.ReadState(p, kinds[k], buffer);
                            fixed (float* b = buffer)
                            {
                                writer.Bytes(new ReadOnlySpan<byte>(b, buffer.Length * sizeof(float)));
                            }
                        }
                    }
                }

                writer.Finish();
            }

            using var loaded = model.Create(1);
            loaded.LoadState(path);

            Assert.Equal(FusedTestModel.Snapshot(trained, values), FusedTestModel.Snapshot(loaded, values));
        }

        [Fact]
        public void A_file_of_a_newer_format_is_refused_naming_its_version()
        {
            var (_, opt, _, path) = Trained();
            var bytes = File.ReadAllBytes(path);
            BitConverter.TryWriteBytes(bytes.AsSpan(StateFile.Magic.Length), StateFile.Version3 + 1);
            var checksum = new StateFile.Checksum();
            checksum.Add(bytes.AsSpan(0, bytes.Length - 8));
            BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), checksum.Value);
            var newer = Path.Combine(_dir.FullName, "v4.bin");
            File.WriteAllBytes(newer, bytes);

            var error = Assert.Throws<InvalidDataException>(() => opt.LoadState(newer));

            Assert.Contains("version 4", error.Message);
            Assert.Contains("newer WdGen", error.Message);
            opt.Dispose();
        }

        private (FusedTestModel Model, OptimizerEngine Opt, float[][] Values, string Path) Trained()
        {
            var model = new FusedTestModel(FusedAlgorithm.AdamW);
            var opt = model.Create(2);
            var values = model.Clone();
            model.Run(opt, values, 0, 3);
            var path = Path.Combine(_dir.FullName, "trained.bin");
            opt.SaveState(path);
            return (model, opt, values, path);
        }
    }
}
