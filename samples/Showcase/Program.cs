using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using WdGen;
using WdGen.Benchmarks;
using WdGen.Samples;
using WdGen.Showcase;
using static TorchSharp.torch;

// The main job: WdGen on a real TorchSharp model with GPT-2 small's layout (124M parameters).
//   dotnet run --project samples/Showcase -c Release [-- --steps N]     N timed steps of each optimizer (default 5)
const double LearningRate = 6e-4, WeightDecay = 0.1, BytesPerParameter = 28;
const int CheckedSteps = 3;
var timedSteps = args.Length == 2 && args[0] == "--steps" && int.TryParse(args[1], out var n) && n > 0 ? n : 5;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine($"WdGen showcase: weight decay by construction and a fused AdamW, on TorchSharp {typeof(torch).Assembly.GetName().Version!.ToString(3)}");
Console.WriteLine();
Console.WriteLine("1. A tied embedding/output head without a decision: WdGen refuses to guess and says how to fix it");
try
{
    new TiedWithoutDecision().GetDecayGroups();
}
catch (DecayGroupsException error)
{
    Console.WriteLine(Indent(error.Message));
}

Console.WriteLine();
Console.WriteLine("2. GPT-2 small in TorchSharp, with [NoDecay] on the tied head: model.GetDecayGroups()");
torch.manual_seed(1);
var clock = Stopwatch.StartNew();
using var model = new Gpt2(Gpt2Config.Small);
var groups = model.GetDecayGroups();
var registered = model.named_parameters().Count();
Console.WriteLine(Indent(Condense(groups.ToString())));
Console.WriteLine(
    $"  {groups.Entries.Count} tensors for the {registered} that named_parameters() lists ('lm_head.weight' is 'wte.weight': a plain optimizer would update it twice);"
    + $" {groups.Entries.Sum(e => e.ElementCount):N0} parameters; param groups: "
    + string.Join(", ", groups.ScaledGroups.Select(g => $"{g.Entries.Count} tensors {(g.Scale == 0 ? "without decay" : "with decay")}"))
    + $". Built in {clock.Elapsed.TotalSeconds:F1} s.");

Console.WriteLine();
Console.WriteLine($"3. WdGen's fused AdamW against TorchSharp's own AdamW, both over these groups (lr {LearningRate}, weight decay {WeightDecay}), on identical gradients");
using var twin = new Gpt2(Gpt2Config.Small);
var twinGroups = twin.GetDecayGroups();
using (torch.no_grad())
{
    foreach (var (entry, copy) in groups.Entries.Zip(twinGroups.Entries))
    {
        copy.Parameter.copy_(entry.Parameter);
    }
}

using var fused = groups.ToFusedAdamW(LearningRate, WeightDecay);
using var reference = twinGroups.ToAdamW(LearningRate, WeightDecay);
var check = new ProgressBar("steps from a common point", CheckedSteps);
var agreement = new List<string>();
for (var step = 1; step <= CheckedSteps; step++)
{
    SetGradients(step);
    fused.step();
    reference.step();
    var (maxRelative, identical, total) = Compare();
    agreement.Add($"  after step {step}: max relative difference {maxRelative:G2} (per tensor, max|Δ| / max|p|); {identical * 100.0 / total:F2}% of elements bit-identical");
    check.Report(step, string.Empty);
}

agreement.ForEach(Console.WriteLine);

// Timing: the two optimizers and a bandwidth-floor pass interleaved, step after step, so all three see the same machine load.
var elements = groups.Entries.Sum(e => e.ElementCount);
var floor = new Floor(Math.Min(elements, 64L << 20), Environment.ProcessorCount);
var fusedTimes = new List<double>();
var referenceTimes = new List<double>();
var floorRates = new List<double>();
var allocated = 0L;

// The same fused AdamW with smaller state (StateFormat): timed in the same loop, over the same tensors.
using var bfloat16State = groups.ToFusedAdamW(LearningRate, WeightDecay, state: StateFormat.BFloat16);
using var int8State = groups.ToFusedAdamW(LearningRate, WeightDecay, state: StateFormat.Int8);
var bfloat16Times = new List<double>();
var int8Times = new List<double>();
var timing = new ProgressBar("timing", timedSteps);
for (var i = 0; i < timedSteps; i++)
{
    var start = Stopwatch.GetTimestamp();
    reference.step();
    referenceTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    floorRates.Add(floor.Pass());

    // The three fused optimizers take turns at stepping first: the first one after TorchSharp's step shares the cores
    // with the finalizers of TorchSharp's temporaries.
    for (var turn = 0; turn < 3; turn++)
    {
        switch ((turn + i) % 3)
        {
            case 0:
                var before = GC.GetAllocatedBytesForCurrentThread();
                start = Stopwatch.GetTimestamp();
                fused.step();
                fusedTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                break;
            case 1:
                start = Stopwatch.GetTimestamp();
                bfloat16State.step();
                bfloat16Times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                break;
            default:
                start = Stopwatch.GetTimestamp();
                int8State.step();
                int8Times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                break;
        }
    }

    timing.Report(i + 1, $"fused {fusedTimes[^1]:F0} ms, TorchSharp {referenceTimes[^1]:F0} ms");
}

var floorMs = elements * BytesPerParameter / (floorRates.Max() * 1e9) * 1e3;
var fusedMs = Median(fusedTimes);
var referenceMs = Median(referenceTimes);
Console.WriteLine();
Console.WriteLine($"  | per AdamW step ({timedSteps} steps, {Environment.ProcessorCount} cores) | ms (median) | GB/s at 28 B/param | % of floor | × fused |");
Console.WriteLine("  |-----------------------------------|------------:|-------------------:|-----------:|--------:|");
Row("memory-bandwidth floor (measured)", floorMs);
Row("WdGen fused AdamW", fusedMs);
Row("TorchSharp's AdamW", referenceMs);
Console.WriteLine($"  TorchSharp's AdamW takes {referenceMs / fusedMs:F1}× as long as WdGen's; managed bytes the fused steps allocated (calling thread): {allocated:N0}.");
Console.WriteLine();
Console.WriteLine("  | the same fused AdamW, state stored as | ms (median) | state held | × float32 state |");
Console.WriteLine("  |---------------------------------------|------------:|-----------:|----------------:|");
StateRow("StateFormat.Float32 (default)", fusedMs, fused.StateBytes);
StateRow("StateFormat.BFloat16", Median(bfloat16Times), bfloat16State.StateBytes);
StateRow("StateFormat.Int8 (blocks of 256)", Median(int8Times), int8State.StateBytes);
Console.WriteLine("  (a shared machine: compare the ratios, measured side by side, rather than the absolute times)");
return 0;

void StateRow(string name, double ms, long bytes)
    => Console.WriteLine($"  | {name,-37} | {ms,11:F1} | {bytes / 1e6,7:N0} MB | {ms / fusedMs,15:F2} |");

// The same standard-normal gradient, drawn per step, for each tensor of both models (a tied tensor once).
void SetGradients(int step)
{
    torch.manual_seed(1000 + step);
    foreach (var (entry, copy) in groups.Entries.Zip(twinGroups.Entries))
    {
        var gradient = torch.randn_like(entry.Parameter);
        entry.Parameter.grad = gradient;
        copy.Parameter.grad = gradient;
    }
}

(double MaxRelative, long Identical, long Total) Compare()
{
    using var scope = torch.NewDisposeScope();
    double maxRelative = 0;
    long identical = 0, total = 0;
    foreach (var (entry, copy) in groups.Entries.Zip(twinGroups.Entries))
    {
        var a = entry.Parameter.detach();
        var b = copy.Parameter.detach();
        maxRelative = Math.Max(maxRelative, (a - b).abs().max().item<float>() / Math.Max(b.abs().max().item<float>(), 1e-30));
        identical += a.eq(b).sum().item<long>();
        total += a.numel();
    }

    return (maxRelative, identical, total);
}

void Row(string name, double ms)
    => Console.WriteLine(
        $"  | {name,-33} | {ms,11:F1} | {elements * BytesPerParameter / (ms / 1e3) / 1e9,18:F1} | {floorMs / ms * 100,9:F0}% | {ms / fusedMs,7:F2} |");

static double Median(List<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

// Keeps the header, block h.0 and the tail of the 148-row table.
static string Condense(string table)
{
    var kept = new List<string>();
    var elided = 0;
    foreach (var line in table.TrimEnd('\n').Split('\n'))
    {
        if (line.StartsWith("h.", StringComparison.Ordinal) && !line.StartsWith("h.0.", StringComparison.Ordinal))
        {
            elided++;
            continue;
        }

        if (elided > 0)
        {
            kept.Add($"… {elided} rows of blocks h.1 to h.11, decided like h.0 …");
            elided = 0;
        }

        kept.Add(line);
    }

    return string.Join("\n", kept);
}

static string Indent(string text) => "  " + text.Replace("\n", "\n  ");
