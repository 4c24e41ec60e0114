using System.Collections.Generic;

namespace WdGen.Showcase
{
    /// <summary>
    /// GPT-2 small (124M parameters) as a TorchSharp port registers it: names, shapes and the module type that owns
    /// each parameter. The showcase has no TorchSharp, so tensors are plain float arrays described by these slots.
    /// </summary>
    internal static class Gpt2Layout
    {
        public const int Layers = 12;
        public const int Width = 768;
        public const int Vocabulary = 50257;
        public const int Context = 1024;

        private const string Linear = "TorchSharp.Modules.Linear";
        private const string LayerNorm = "TorchSharp.Modules.LayerNorm";
        private const string Embedding = "TorchSharp.Modules.Embedding";

        /// <summary>Every registered parameter in TorchSharp's order; the output head shares the token embedding.</summary>
        public static IReadOnlyList<Slot> Slots()
        {
            var slots = new List<Slot>
            {
                new("wte.weight", Embedding, "weight", Vocabulary, Width),
                new("wpe.weight", Embedding, "weight", Context, Width),
            };
            for (var i = 0; i < Layers; i++)
            {
                var block = "h." + i + ".";
                slots.Add(new(block + "ln_1.weight", LayerNorm, "weight", Width));
                slots.Add(new(block + "ln_1.bias", LayerNorm, "bias", Width));
                slots.Add(new(block + "attn.c_attn.weight", Linear, "weight", 3 * Width, Width));
                slots.Add(new(block + "attn.c_attn.bias", Linear, "bias", 3 * Width));
                slots.Add(new(block + "attn.c_proj.weight", Linear, "weight", Width, Width));
                slots.Add(new(block + "attn.c_proj.bias", Linear, "bias", Width));
                slots.Add(new(block + "ln_2.weight", LayerNorm, "weight", Width));
                slots.Add(new(block + "ln_2.bias", LayerNorm, "bias", Width));
                slots.Add(new(block + "mlp.c_fc.weight", Linear, "weight", 4 * Width, Width));
                slots.Add(new(block + "mlp.c_fc.bias", Linear, "bias", 4 * Width));
                slots.Add(new(block + "mlp.c_proj.weight", Linear, "weight", Width, 4 * Width));
                slots.Add(new(block + "mlp.c_proj.bias", Linear, "bias", Width));
            }

            slots.Add(new("ln_f.weight", LayerNorm, "weight", Width));
            slots.Add(new("ln_f.bias", LayerNorm, "bias", Width));
            slots.Add(new("lm_head.weight", Linear, "weight", Vocabulary, Width) { TiedTo = "wte.weight" });
            return slots;
        }

        /// <summary>One registered parameter: its name, the metadata name of its module type, and its shape.</summary>
        internal sealed record Slot(string Name, string Owner, string LocalName, params long[] Shape)
        {
            /// <summary>The parameter whose tensor this one shares (a tied weight), or null.</summary>
            public string? TiedTo { get; init; }

            public long Elements
            {
                get
                {
                    long count = 1;
                    foreach (var size in Shape)
                    {
                        count *= size;
                    }

                    return count;
                }
            }
        }
    }
}
