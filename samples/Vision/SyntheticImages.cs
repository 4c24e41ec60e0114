using System;

namespace WdGen.Samples.Vision
{
    /// <summary>
    /// Synthetic 3×16×16 images in four classes, each a faint pattern under noise: a horizontal bar, a vertical bar,
    /// a diagonal, or a bright centre, in a colour channel that depends on the class. Made with a seeded
    /// <see cref="Random"/>, so every run sees the same data.
    /// </summary>
    internal sealed class SyntheticImages
    {
        public const int Classes = 4;
        public const int Channels = 3;
        public const int Size = 16;

        public SyntheticImages(int count, int seed)
        {
            Count = count;
            Pixels = new float[count * Channels * Size * Size];
            Labels = new long[count];
            var random = new Random(seed);
            for (var n = 0; n < count; n++)
            {
                var label = random.Next(Classes);
                Labels[n] = label;
                var offset = random.Next(4, Size - 4);
                for (var c = 0; c < Channels; c++)
                {
                    for (var y = 0; y < Size; y++)
                    {
                        for (var x = 0; x < Size; x++)
                        {
                            var signal = label switch
                            {
                                0 => Math.Abs(y - offset) <= 1,
                                1 => Math.Abs(x - offset) <= 1,
                                2 => Math.Abs(x - y) <= 1,
                                _ => Math.Abs(x - Size / 2) + Math.Abs(y - Size / 2) <= 3,
                            };
                            var noise = (float)(random.NextDouble() * 2 - 1);
                            var strength = c == label % Channels ? 1.5f : 0.75f;
                            Pixels[((n * Channels + c) * Size + y) * Size + x] = noise + (signal ? strength : 0f);
                        }
                    }
                }
            }
        }

        public int Count { get; }

        /// <summary>[Count, 3, 16, 16], row-major.</summary>
        public float[] Pixels { get; }

        public long[] Labels { get; }

        /// <summary>The images and labels of batch <paramref name="index"/> (wrapping around).</summary>
        public (float[] Pixels, long[] Labels) Batch(int index, int batchSize)
        {
            var pixels = new float[batchSize * Channels * Size * Size];
            var labels = new long[batchSize];
            var image = Channels * Size * Size;
            for (var i = 0; i < batchSize; i++)
            {
                var n = (index * batchSize + i) % Count;
                Array.Copy(Pixels, n * image, pixels, i * image, image);
                labels[i] = Labels[n];
            }

            return (pixels, labels);
        }
    }
}
