using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using WdGen.Samples;
using WdGen.Samples.Vision;
using static TorchSharp.torch;

// samples/Vision: what WdGen decides for a ResNet-style CNN, and what weight decay does to the weights.
//
//   dotnet run --project samples/Vision -c Release [-- --steps 200 --weight-decay 0.5 --out weight-norm.svg]
//
// Trains the same model from the same initialization twice with WdGen's fused AdamW, once with weight decay 0 and
// once with weight decay > 0, and reports the L2 norm of the decaying weights (Conv2d and Linear weights) over the
// steps: with decay the weights end up smaller (seed 000's check), while BatchNorm parameters and biases, which
// WdGen keeps out of decay, are not pulled towards zero. The curves are written to an SVG file. (Each convolution
// is followed by BatchNorm, so the loss hardly depends on the scale of its weights: without decay nothing holds
// their norm down, with decay it shrinks while the loss stays about the same.)

var options = Options.Parse(args);
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine("WdGen · Vision sample: ResNet-style CNN on synthetic 3×16×16 images");
Console.WriteLine();
Console.WriteLine("Plan (DecayPlan.Of<ResNetLite>()): what the declared types and attributes decide before the model exists.");
Console.WriteLine(DecayPlan.Of<ResNetLite>());
Console.WriteLine();

var data = new SyntheticImages(count: 1024, seed: 7);
var runs = new List<(double WeightDecay, List<double> Norms, List<double> Losses)>();
foreach (var weightDecay in new[] { 0.0, options.WeightDecay })
{
    runs.Add(Train(weightDecay, runs.Count == 0));
}

Console.WriteLine();
Console.WriteLine("L2 norm of the decaying weights (Conv2d + Linear):");
Console.WriteLine($"  {"step",6}  {"wd = 0",10}  {"wd = " + options.WeightDecay.ToString(CultureInfo.InvariantCulture),10}");
for (var step = 0; step <= options.Steps; step += Math.Max(1, options.Steps / 8))
{
    Console.WriteLine($"  {step,6}  {runs[0].Norms[step],10:0.0000}  {runs[1].Norms[step],10:0.0000}");
}

var without = runs[0].Norms[^1];
var with = runs[1].Norms[^1];
Console.WriteLine();
Console.WriteLine($"Final loss: {runs[0].Losses.TakeLast(20).Average():0.000} without decay, {runs[1].Losses.TakeLast(20).Average():0.000} with decay (mean of the last 20 steps).");
Console.WriteLine(with < without
    ? $"Weights are smaller with weight decay: {with:0.000} vs {without:0.000} ({(1 - with / without) * 100:0.0}% smaller)."
    : $"Unexpected: weights are not smaller with weight decay ({with:0.000} vs {without:0.000}).");

var svg = SvgPlot.LineChart(
    "L2 norm of the decaying weights (Conv2d + Linear) during training",
    "step",
    "‖w‖₂",
    new (string, string, IReadOnlyList<double>)[]
    {
        ("weight decay 0", "#1f77b4", runs[0].Norms),
        ("weight decay " + options.WeightDecay.ToString(CultureInfo.InvariantCulture), "#d62728", runs[1].Norms),
    });
File.WriteAllText(options.Output, svg);
Console.WriteLine($"Plot: {Path.GetFullPath(options.Output)}");
return with < without ? 0 : 1;

// One training run from the same initialization (seeded), recording the decaying weights' norm after every step.
(double WeightDecay, List<double> Norms, List<double> Losses) Train(double weightDecay, bool printGroups)
{
    torch.manual_seed(options.Seed);
    using var model = new ResNetLite(SyntheticImages.Classes);
    var groups = model.GetDecayGroups();
    if (printGroups)
    {
        Console.WriteLine("Run-time groups (model.GetDecayGroups()): every parameter once, in the model's order.");
        Console.WriteLine(groups);
        Console.WriteLine($"Decaying: {groups.Decay.Count} tensors, {groups.Decay.Sum(e => e.ElementCount):N0} elements; " +
                          $"not decaying: {groups.NoDecay.Count} tensors, {groups.NoDecay.Sum(e => e.ElementCount):N0} elements.");
        Console.WriteLine();
    }

    var decaying = groups.Decay.Select(e => e.Parameter).ToArray();
    using var optimizer = groups.ToFusedAdamW(lr: options.LearningRate, weightDecay: weightDecay);
    var norms = new List<double> { L2Norm(decaying) };
    var losses = new List<double>();
    var progress = new ProgressBar($"weight decay {weightDecay,-4}", options.Steps);
    var clock = Stopwatch.StartNew();
    model.train();
    for (var step = 0; step < options.Steps; step++)
    {
        using var scope = torch.NewDisposeScope();
        var (pixels, labels) = data.Batch(step, options.BatchSize);
        var x = torch.tensor(pixels, new long[] { options.BatchSize, SyntheticImages.Channels, SyntheticImages.Size, SyntheticImages.Size });
        var y = torch.tensor(labels, new long[] { options.BatchSize });
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        optimizer.step();
        losses.Add(loss.item<float>());
        norms.Add(L2Norm(decaying));
        progress.Report(step + 1, $"loss {losses[^1]:0.000}  |w| {norms[^1]:0.000}  {(step + 1) / clock.Elapsed.TotalSeconds:0.0} steps/s");
    }

    return (weightDecay, norms, losses);
}

// The L2 norm over all elements of the given parameters (CPU float32, read through data<float>()).
static double L2Norm(IEnumerable<Parameter> parameters)
{
    double sum = 0;
    foreach (var parameter in parameters)
    {
        using var values = parameter.data<float>();
        foreach (var v in values)
        {
            sum += (double)v * v;
        }
    }

    return Math.Sqrt(sum);
}

/// <summary>Command-line options of the sample.</summary>
internal sealed record Options(int Steps, int BatchSize, double LearningRate, double WeightDecay, long Seed, string Output)
{
    public static Options Parse(string[] args)
    {
        // Defaults: a short run (a minute or so on two cores). The weight decay is larger than the usual 0.01–0.1 so
        // that its pull, lr · wd per step, shows within a few hundred steps.
        var options = new Options(Steps: 200, BatchSize: 32, LearningRate: 5e-3, WeightDecay: 0.5, Seed: 1, Output: "weight-norm.svg");
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            options = args[i] switch
            {
                "--steps" => options with { Steps = int.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { BatchSize = int.Parse(value, CultureInfo.InvariantCulture) },
                "--lr" => options with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--weight-decay" => options with { WeightDecay = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = long.Parse(value, CultureInfo.InvariantCulture) },
                "--out" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}; known: --steps, --batch, --lr, --weight-decay, --seed, --out."),
            };
        }

        if (options.WeightDecay <= 0) throw new ArgumentException("--weight-decay must be > 0 (the other run uses 0).");
        return options;
    }
}
