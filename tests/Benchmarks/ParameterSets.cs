using System.Collections.Generic;
using System.Linq;

namespace WdGen.Benchmarks
{
    /// <summary>A named list of tensor shapes; tensors of rank ≥ 2 get weight decay, the rest none.</summary>
    internal sealed record ParameterSet(string Name, IReadOnlyList<(string Name, long[] Shape)> Tensors)
    {
        public long TotalElements => Tensors.Sum(t => Length(t.Shape));

        public static long Length(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

        /// <summary>GPT-2 small (124,439,808 parameters, 148 tensors) in Hugging Face's Conv1D layout.</summary>
        public static ParameterSet Gpt2Small(int layers = 12, long vocab = 50257, long context = 1024, long d = 768)
        {
            var t = new List<(string, long[])> { ("wte", new[] { vocab, d }), ("wpe", new[] { context, d }) };
            for (var i = 0; i < layers; i++)
            {
                var h = $"h.{i}.";
                t.Add((h + "ln_1.weight", new[] { d }));
                t.Add((h + "ln_1.bias", new[] { d }));
                t.Add((h + "attn.c_attn.weight", new[] { d, 3 * d }));
                t.Add((h + "attn.c_attn.bias", new[] { 3 * d }));
                t.Add((h + "attn.c_proj.weight", new[] { d, d }));
                t.Add((h + "attn.c_proj.bias", new[] { d }));
                t.Add((h + "ln_2.weight", new[] { d }));
                t.Add((h + "ln_2.bias", new[] { d }));
                t.Add((h + "mlp.c_fc.weight", new[] { d, 4 * d }));
                t.Add((h + "mlp.c_fc.bias", new[] { 4 * d }));
                t.Add((h + "mlp.c_proj.weight", new[] { 4 * d, d }));
                t.Add((h + "mlp.c_proj.bias", new[] { d }));
            }

            t.Add(("ln_f.weight", new[] { d }));
            t.Add(("ln_f.bias", new[] { d }));
            return new ParameterSet(layers == 12 && vocab == 50257 ? "GPT-2 small" : $"GPT-2 mini ({layers} blocks, vocab {vocab})", t);
        }

        /// <summary>torchvision's resnet50() (25,557,032 parameters in 161 tensors), written out from the architecture.</summary>
        public static ParameterSet ResNet50()
        {
            var t = new List<(string, long[])>();
            void Bn(string n, long c)
            {
                t.Add((n + ".weight", new[] { c }));
                t.Add((n + ".bias", new[] { c }));
            }

            t.Add(("conv1.weight", new long[] { 64, 3, 7, 7 }));
            Bn("bn1", 64);
            long inplanes = 64;
            var blocks = new[] { 3, 4, 6, 3 };
            var planes = new long[] { 64, 128, 256, 512 };
            for (var l = 0; l < 4; l++)
            {
                for (var b = 0; b < blocks[l]; b++)
                {
                    var n = $"layer{l + 1}.{b}.";
                    var p = planes[l];
                    t.Add((n + "conv1.weight", new[] { p, inplanes, 1, 1 }));
                    Bn(n + "bn1", p);
                    t.Add((n + "conv2.weight", new[] { p, p, 3, 3 }));
                    Bn(n + "bn2", p);
                    t.Add((n + "conv3.weight", new[] { 4 * p, p, 1, 1 }));
                    Bn(n + "bn3", 4 * p);
                    if (b == 0)
                    {
                        t.Add((n + "downsample.0.weight", new[] { 4 * p, inplanes, 1, 1 }));
                        Bn(n + "downsample.1", 4 * p);
                    }

                    inplanes = 4 * p;
                }
            }

            t.Add(("fc.weight", new long[] { 1000, 2048 }));
            t.Add(("fc.bias", new long[] { 1000 }));
            return new ParameterSet("ResNet-50", t);
        }

        /// <summary>The small model's dimensions (here, not in its TorchSharp class, so tests/Cuda.Device links this file without TorchSharp).</summary>
        public const int SmallVocab = 24, SmallWidth = 16, SmallBlocks = 6;

        /// <summary>The shapes of the small model (tests/Benchmarks/SmallModel.cs: 26 tensors, 2,592 parameters), in its parameter order.</summary>
        public static ParameterSet SmallModel()
        {
            var t = new List<(string, long[])> { ("wte.weight", new long[] { SmallVocab, SmallWidth }) };
            for (var i = 0; i < SmallBlocks; i++)
            {
                t.Add(($"blocks.{i}.0.weight", new long[] { SmallWidth }));
                t.Add(($"blocks.{i}.0.bias", new long[] { SmallWidth }));
                t.Add(($"blocks.{i}.1.weight", new long[] { SmallWidth, SmallWidth }));
                t.Add(($"blocks.{i}.1.bias", new long[] { SmallWidth }));
            }

            t.Add(("head.weight", new long[] { SmallVocab, SmallWidth }));
            return new ParameterSet("small model", t);
        }

        /// <summary>Many small tensors: count tensors of 1,000 elements (shaped 40x25 so they take weight decay).</summary>
        public static ParameterSet SmallTensors(int count) =>
            new($"{count:N0} tensors x 1,000", Enumerable.Range(0, count).Select(i => ($"t{i}", new long[] { 40, 25 })).ToList());
    }
}
