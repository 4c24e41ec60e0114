// WdGen's API-surface fixture of TorchSharp, written from shared/TORCHSHARP_API.md.
using System;
using static TorchSharp.torch;

namespace TorchSharp
{
    using Modules;

    public enum EmbeddingBagMode
    {
        Sum = 0,
        Mean = 1,
        Max = 2,
    }

    namespace Modules
    {
        /// <summary>Registers weight [num_embeddings, embedding_dims] (standard normal; the padding row zero).</summary>
        public sealed class Embedding : torch.nn.Module<Tensor, Tensor>
        {
            internal Embedding(Parameter weight)
                : base(nameof(Embedding))
            {
                register_parameter("weight", weight);
            }

            public override Tensor forward(Tensor input)
                => throw new NotImplementedException("The TorchSharp fixture does not run Embedding.forward.");

            public Parameter weight
            {
                get => FixtureParameter("weight");
                set => FixtureSetParameter("weight", value ?? throw new ArgumentNullException(nameof(weight)));
            }
        }

        /// <summary>Registers weight [num_embeddings, embedding_dims].</summary>
        public sealed class EmbeddingBag : torch.nn.Module<Tensor, Tensor, Tensor, Tensor>
        {
            internal EmbeddingBag(Parameter weight)
                : base(nameof(EmbeddingBag))
            {
                register_parameter("weight", weight);
            }

            public override Tensor forward(Tensor input, Tensor offsets, Tensor perSampleWeights)
                => throw new NotImplementedException("The TorchSharp fixture does not run EmbeddingBag.forward.");

            public Tensor call(Tensor input, Tensor offsets) => call(input, offsets, null);

            public Tensor call(Tensor input) => call(input, null, null);

            public Parameter weight
            {
                get => FixtureParameter("weight");
                set => FixtureSetParameter("weight", value);
            }
        }
    }

    public static partial class torch
    {
        public static partial class nn
        {
            private static Parameter EmbeddingTable(long num_embeddings, long embedding_dims, long? padding_idx, ScalarType? dtype)
            {
                var weight = FixtureInit.Normal(new[] { num_embeddings, embedding_dims }, 1.0, dtype);
                if (padding_idx is long row)
                {
                    if (row < 0) row += num_embeddings;
                    for (long j = 0; j < embedding_dims; j++) weight.fixture_set(row * embedding_dims + j, 0);
                }

                return weight;
            }

            public static Embedding Embedding(long num_embeddings, long embedding_dims, long? padding_idx = null, double? max_norm = null, double norm_type = 2.0, bool scale_grad_by_freq = false, bool sparse = false, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Embedding(EmbeddingTable(num_embeddings, embedding_dims, padding_idx, dtype));
            }

            /// <summary>An Embedding whose weight is (a new wrapper of) the given tensor; frozen unless freeze is false.</summary>
            public static Embedding Embedding_from_pretrained(Tensor embeddings, bool freeze = true, long? padding_idx = null, double? max_norm = null, double norm_type = 2.0, bool scale_grad_by_freq = false, bool sparse = false, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new Embedding(new Parameter(embeddings, !freeze));
            }

            public static EmbeddingBag EmbeddingBag(long num_embeddings, long embedding_dims, double? max_norm = null, double norm_type = 2.0, bool scale_grad_by_freq = false, EmbeddingBagMode mode = EmbeddingBagMode.Mean, bool sparse = false, bool include_last_offset = false, long padding_index = -1, Device device = null, ScalarType? dtype = null)
            {
                CheckDevice(device);
                return new EmbeddingBag(EmbeddingTable(num_embeddings, embedding_dims, null, dtype));
            }
        }
    }
}
