using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using TorchSharp;

namespace WdGen.Samples.Gpt
{
    /// <summary>The embedded training text.</summary>
    internal static class Corpus
    {
        public static string Load()
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("sonnets.txt")
                ?? throw new InvalidOperationException("The embedded resource sonnets.txt is missing.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Replace("\r\n", "\n");
        }
    }

    /// <summary>
    /// The model's weights (TorchSharp's <c>save</c>/<c>load</c>), the fused optimizer's state (WdGen's
    /// <c>SaveState</c>/<c>LoadState</c>: moments and step counts by parameter name, checked against the groups'
    /// fingerprint) and the step reached, in one folder.
    /// </summary>
    internal sealed class Checkpoint
    {
        public Checkpoint(string directory) => Directory = directory;

        public string Directory { get; }

        private string ModelPath => Path.Combine(Directory, "model.bin");

        private string OptimizerPath => Path.Combine(Directory, "optimizer.state");

        private string StepPath => Path.Combine(Directory, "step.txt");

        public void Save(torch.nn.Module model, FusedTorchSharpOptimizer optimizer, string fingerprint, int step)
        {
            System.IO.Directory.CreateDirectory(Directory);
            model.save(ModelPath);
            optimizer.SaveState(OptimizerPath);
            File.WriteAllText(StepPath, step.ToString(CultureInfo.InvariantCulture) + " " + fingerprint + "\n");
        }

        /// <summary>Loads a checkpoint into the model and optimizer; returns the step it was saved at.</summary>
        public int Load(torch.nn.Module model, FusedTorchSharpOptimizer optimizer, string fingerprint)
        {
            if (!File.Exists(StepPath)) throw new FileNotFoundException($"No checkpoint in {Path.GetFullPath(Directory)}: run without --resume first.", StepPath);
            var parts = File.ReadAllText(StepPath).Trim().Split(' ');
            if (parts.Length != 2 || parts[1] != fingerprint)
                throw new InvalidOperationException($"The checkpoint in {Directory} was saved for other decay groups (fingerprint {(parts.Length > 1 ? parts[1] : "?")}, this model's {fingerprint}).");
            model.load(ModelPath);
            optimizer.LoadState(OptimizerPath);
            return int.Parse(parts[0], CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Command-line options of the sample.</summary>
    internal sealed record GptOptions(int Steps, int BatchSize, double LearningRate, double WeightDecay, string CheckpointDirectory, int SaveEvery, bool Resume, int Seed, StateFormat State = StateFormat.Float32, int ScheduleSteps = 400)
    {
        public static GptOptions Parse(string[] args)
        {
            var options = new GptOptions(Steps: 400, BatchSize: 16, LearningRate: 3e-3, WeightDecay: 0.1, CheckpointDirectory: "gpt-checkpoint", SaveEvery: 100, Resume: false, Seed: 1);
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--resume")
                {
                    options = options with { Resume = true };
                    continue;
                }

                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
                var value = args[++i];
                options = args[i - 1] switch
                {
                    "--steps" => options with { Steps = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--batch" => options with { BatchSize = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--lr" => options with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--weight-decay" => options with { WeightDecay = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--checkpoint" => options with { CheckpointDirectory = value },
                    "--save-every" => options with { SaveEvery = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--schedule-steps" => options with { ScheduleSteps = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--state" => options with { State = Enum.TryParse<StateFormat>(value, ignoreCase: true, out var state) && Enum.IsDefined(state) ? state : throw new ArgumentException($"--state {value}: use float32, bfloat16 or int8.") },
                    _ => throw new ArgumentException($"Unknown option {args[i - 1]}; known: --steps, --batch, --lr, --weight-decay, --checkpoint, --save-every, --resume, --seed, --state, --schedule-steps."),
                };
            }

            if (options.Steps < 1 || options.SaveEvery < 1 || options.ScheduleSteps < 20) throw new ArgumentException("--steps and --save-every must be at least 1, --schedule-steps at least 20.");
            return options;
        }
    }
}
