using System;

namespace WdGen.Runtime.Tests.Optimization
{
    /// <summary>
    /// numpy's legacy <c>np.random.seed(int)</c> + <c>np.random.random()</c>: MT19937 seeded with init_genrand, each
    /// double built from two 32-bit draws as ((a &gt;&gt; 5)·2^26 + (b &gt;&gt; 6)) / 2^53. Reproduces numpy exactly
    /// (checked against numpy by <see cref="FusedSeedExampleTests"/> when python3 is present).
    /// </summary>
    public sealed class NumpyMt19937
    {
        private readonly uint[] _mt = new uint[624];
        private int _index;

        public NumpyMt19937(uint seed)
        {
            _mt[0] = seed;
            for (var i = 1; i < 624; i++)
            {
                _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
            }

            _index = 624;
        }

        public uint NextUInt32()
        {
            if (_index >= 624)
            {
                for (var i = 0; i < 624; i++)
                {
                    var y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % 624] & 0x7fffffffu);
                    _mt[i] = _mt[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
                }

                _index = 0;
            }

            var x = _mt[_index++];
            x ^= x >> 11;
            x ^= (x << 7) & 0x9d2c5680u;
            x ^= (x << 15) & 0xefc60000u;
            x ^= x >> 18;
            return x;
        }

        public double NextDouble()
        {
            var a = NextUInt32() >> 5;
            var b = NextUInt32() >> 6;
            return (a * 67108864.0 + b) / 9007199254740992.0;
        }

        public double[,] Random(int rows, int columns)
        {
            var values = new double[rows, columns];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    values[r, c] = NextDouble();
                }
            }

            return values;
        }
    }
}
