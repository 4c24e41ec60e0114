using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using WdGen;
using WdGen.Samples;
using WdGen.Samples.Gpt;
using static TorchSharp.torch;

// samples/Gpt: a nanoGPT-style character model trained on Shakespeare's sonnets with WdGen.
//
//   dotnet run --project samples/Gpt -c Release                 train 400 steps, checkpoint to ./gpt-checkpoint
//   dotnet run --project samples/Gpt -c Release -- --resume     load the checkpoint (weights + optimizer state), go on
//
// Options: --steps N, --batch N, --lr X, --weight-decay X, --checkpoint DIR, --save-every N, --resume, --seed N,
//          --state float32|bfloat16|int8 (how the optimizer stores its moments),
//          --schedule-steps N (the warmup-cosine schedule's length, default 400, whatever --steps says: a run split
//          into two with --resume follows the same schedule as one run).
//
// The optimizer clips the gradients inside its step (maxGradNorm: 1.0, each tensor once: the tied head counts once),
// follows a warmup-cosine learning-rate schedule whose position is in the checkpoint, and keeps an exponential moving
// average of the weights (ema: 0.99), evaluated by swapping it in and out.

var options = GptOptions.Parse(args);
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var text = Corpus.Load();
var vocabulary = text.Distinct().OrderBy(c => c).ToArray();
var index = vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
var ids = text.Select(c => index[c]).ToArray();
Console.WriteLine($"WdGen · Gpt sample: {text.Length:N0} characters of Shakespeare's sonnets, {vocabulary.Length} distinct.");
Console.WriteLine();
Console.WriteLine("Plan from the declared fields (DecayPlan.Of<Gpt>()):");
Console.WriteLine(DecayPlan.Of<Gpt>());
Console.WriteLine();

return Train();

int Train()
{
    torch.manual_seed(options.Seed);
    var config = new GptConfig(vocabulary.Length);
    using var model = new Gpt(config);
    var groups = model.GetDecayGroups();
    Console.WriteLine("Run-time groups (model.GetDecayGroups()): the tied head is listed once, as an alias of wte.weight.");
    Console.WriteLine(groups);
    Console.WriteLine();

    using var optimizer = groups.ToFusedAdamW(
        lr: options.LearningRate,
        weightDecay: options.WeightDecay,
        beta2: 0.99,
        state: options.State,
        maxGradNorm: 1.0,
        schedule: LearningRateSchedule.WarmupCosine(warmupSteps: 20, totalSteps: options.ScheduleSteps, minLrFactor: 0.1),
        ema: 0.99);
    Console.WriteLine($"Optimizer: fused AdamW on {optimizer.Device}, {options.State} state, {optimizer.StateBytes:N0} bytes of state; "
        + $"clipping at gradient norm 1.0, warmup-cosine over {options.ScheduleSteps} steps, EMA of the weights (0.99).");
    var checkpoint = new Checkpoint(options.CheckpointDirectory);
    var start = 0;
    if (options.Resume)
    {
        start = checkpoint.Load(model, optimizer, groups.Fingerprint);
        Console.WriteLine($"Resumed from {checkpoint.Directory} at step {start} (weights, AdamW moments, step counts, the schedule's position and the EMA).");
    }

    var batchTokens = options.BatchSize * config.BlockSize;
    var progress = new ProgressBar("training", options.Steps);
    var clock = Stopwatch.StartNew();
    double smoothed = double.NaN, firstLoss = double.NaN, lastLoss = double.NaN;
    model.train();
    for (var i = 0; i < options.Steps; i++)
    {
        using var scope = torch.NewDisposeScope();
        // Each step's batch depends only on the seed and the step, so a resumed run sees the batches the
        // uninterrupted run would have seen, and ends with the same weights, bit for bit.
        var (inputs, targets) = Batch(new Random(unchecked(options.Seed * 1_000_003 + start + i)), options.BatchSize, config.BlockSize);
        var x = torch.tensor(inputs, new long[] { options.BatchSize, config.BlockSize });
        var y = torch.tensor(targets, new long[] { options.BatchSize * config.BlockSize });
        optimizer.zero_grad();
        var logits = model.call(x);
        var loss = nn.functional.cross_entropy(logits.view(-1, config.Vocabulary), y);
        loss.backward();
        optimizer.step();

        var value = loss.item<float>();
        firstLoss = double.IsNaN(firstLoss) ? value : firstLoss;
        lastLoss = value;
        smoothed = double.IsNaN(smoothed) ? value : 0.9 * smoothed + 0.1 * value;
        var tokensPerSecond = (i + 1) * batchTokens / clock.Elapsed.TotalSeconds;
        progress.Report(i + 1, $"step {start + i + 1}  loss {smoothed:0.000}  grad norm {optimizer.LastGradNorm:0.00}  lr {options.LearningRate * optimizer.LastLearningRateFactor:0.00e0}  {tokensPerSecond:N0} tokens/s");
        if ((i + 1) % options.SaveEvery == 0 || i + 1 == options.Steps)
        {
            checkpoint.Save(model, optimizer, groups.Fingerprint, start + i + 1);
        }
    }

    Console.WriteLine($"Checkpoint: {Path.GetFullPath(checkpoint.Directory)} (step {start + options.Steps}); continue with --resume.");
    Console.WriteLine($"Loss: first step {firstLoss:0.0000}, last step {lastLoss:0.0000}; weights after step {start + options.Steps}: SHA-256 {WeightsDigest(model)}");
    var evaluation = EvaluationLoss(model, config);
    optimizer.SwapEma(); // the moving average in place of the weights, for evaluation only
    var averaged = EvaluationLoss(model, config);
    optimizer.SwapEma(); // and the trained weights back
    Console.WriteLine($"Evaluation loss (16 fixed batches): {evaluation:0.0000} with the weights, {averaged:0.0000} with their EMA");
    Console.WriteLine();
    Console.WriteLine("Sample (temperature 0.8):");
    Console.WriteLine(Generate(model, config, 300, 0.8, new Random(options.Seed)));
    return 0;
}

// The mean loss over 16 batches that depend only on a fixed seed: comparable between runs and state formats.
double EvaluationLoss(Gpt model, GptConfig config)
{
    using var scope = torch.NewDisposeScope();
    using var _ = torch.no_grad();
    model.eval();
    var random = new Random(20_261_203);
    double total = 0;
    for (var b = 0; b < 16; b++)
    {
        var (inputs, targets) = Batch(random, options.BatchSize, config.BlockSize);
        var logits = model.call(torch.tensor(inputs, new long[] { options.BatchSize, config.BlockSize }));
        total += nn.functional.cross_entropy(logits.view(-1, config.Vocabulary), torch.tensor(targets, new long[] { options.BatchSize * config.BlockSize })).item<float>();
    }

    model.train();
    return total / 16;
}

// A digest of every parameter's bytes in named_parameters() order: equal digests, equal weights.
string WeightsDigest(Gpt model)
{
    using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    foreach (var (_, parameter) in model.named_parameters())
    {
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(parameter.data<float>().ToArray().AsSpan()));
    }

    return Convert.ToHexString(sha.GetHashAndReset()).Substring(0, 16);
}

// A batch of random windows: inputs [batch · block] and, shifted by one character, the targets.
(long[] Inputs, long[] Targets) Batch(Random random, int batchSize, int blockSize)
{
    var inputs = new long[batchSize * blockSize];
    var targets = new long[batchSize * blockSize];
    for (var b = 0; b < batchSize; b++)
    {
        var offset = random.Next(ids.Length - blockSize - 1);
        Array.Copy(ids, offset, inputs, b * blockSize, blockSize);
        Array.Copy(ids, offset + 1, targets, b * blockSize, blockSize);
    }

    return (inputs, targets);
}

// Samples characters one at a time from the model, reading windows of BlockSize characters.
string Generate(Gpt model, GptConfig config, int count, double temperature, Random random)
{
    model.eval();
    using var noGrad = torch.no_grad();
    var window = ids.Take(config.BlockSize).ToList();
    var output = new StringBuilder(new string(window.Select(i => vocabulary[i]).ToArray()));
    for (var n = 0; n < count; n++)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(window.Skip(window.Count - config.BlockSize).ToArray(), new long[] { 1, config.BlockSize });
        var logits = model.call(x);
        using var values = logits.data<float>();
        var all = values.ToArray();
        var last = new double[config.Vocabulary];
        var max = double.NegativeInfinity;
        for (var v = 0; v < last.Length; v++)
        {
            last[v] = all[all.Length - config.Vocabulary + v] / temperature;
            max = Math.Max(max, last[v]);
        }

        var total = 0.0;
        for (var v = 0; v < last.Length; v++)
        {
            last[v] = Math.Exp(last[v] - max);
            total += last[v];
        }

        var pick = random.NextDouble() * total;
        var next = 0;
        while (next < last.Length - 1 && (pick -= last[next]) > 0)
        {
            next++;
        }

        window.Add(next);
        output.Append(vocabulary[next]);
    }

    model.train();
    return output.ToString();
}
