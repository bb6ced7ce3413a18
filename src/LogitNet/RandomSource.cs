namespace LogitNet;

/// <summary>
/// A small seeded generator (xoshiro256** seeded by SplitMix64, Blackman and Vigna 2018).
/// </summary>
/// <remarks>
/// Ours rather than <see cref="Random"/> because reproducibility is a promise: the same seed must
/// give the same weights on every runtime version, and <see cref="Random"/>'s seeded sequence is
/// an implementation detail of the runtime.
/// </remarks>
internal sealed class RandomSource
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    public RandomSource(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The number of words in <see cref="GetState"/>.</summary>
    public const int StateWords = 6;

    private RandomSource()
    {
    }

    /// <summary>
    /// The generator's whole state, so a saved model can continue its random sequence exactly: the
    /// four xoshiro words, whether a spare normal is cached (0 or 1), and its bits.
    /// </summary>
    public ulong[] GetState() =>
        [_s0, _s1, _s2, _s3, _hasSpareNormal ? 1UL : 0UL, BitConverter.DoubleToUInt64Bits(_spareNormal)];

    /// <summary>A generator continuing from a state given by <see cref="GetState"/>, or null if the state is not one it can have.</summary>
    public static RandomSource? FromState(ReadOnlySpan<ulong> state)
    {
        // xoshiro256** never reaches the all-zero state (it would stay there), so it marks a damaged file.
        if (state.Length != StateWords || (state[0] | state[1] | state[2] | state[3]) == 0 || state[4] > 1)
        {
            return null;
        }

        return new RandomSource
        {
            _s0 = state[0],
            _s1 = state[1],
            _s2 = state[2],
            _s3 = state[3],
            _hasSpareNormal = state[4] == 1,
            _spareNormal = BitConverter.UInt64BitsToDouble(state[5]),
        };
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public ulong NextUInt64() => Step(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>One xoshiro256** step on the given state words (fields, or locals held in registers by a loop).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = unchecked(ulong.RotateLeft(s1 * 5, 7) * 9);
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A dropout mask: mask[i] = 0 when the i-th <see cref="NextDouble"/> is below <paramref name="rate"/>,
    /// else <paramref name="keep"/>; the same draws, in the same order, as calling it per element, with the
    /// state held in registers for the loop (a convnet's dropout spent 3–4% of a training step per call).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void FillKeepMask(Span<float> mask, double rate, float keep)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (int i = 0; i < mask.Length; i++)
        {
            ulong result = Step(ref s0, ref s1, ref s2, ref s3);
            mask[i] = (result >> 11) * (1.0 / (1UL << 53)) < rate ? 0f : keep;
        }

        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// Fills <paramref name="values"/> uniform in [low, high), one <see cref="NextDouble"/> per value in order:
    /// the draws of <see cref="Tensor.RandomUniform"/> and of the uniform initializers (Glorot-uniform's default start).
    /// </summary>
    public void FillUniform(Span<float> values, float low, float high)
    {
        double width = (double)high - low;
        for (int i = 0; i < values.Length; i++)
        {
            float v = (float)(low + width * NextDouble());
            // Rounding to float32 can land on the excluded upper bound; keep the interval half-open.
            values[i] = v < high ? v : MathF.BitDecrement(high);
        }
    }

    /// <summary>
    /// Fills <paramref name="values"/> normal with <paramref name="mean"/> and <paramref name="stddev"/>, one
    /// <see cref="NextNormal"/> per value in order: the draws of <see cref="Tensor.RandomNormal"/> and of the RandomNormal initializer.
    /// </summary>
    public void FillNormal(Span<float> values, double mean, double stddev)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(mean + stddev * NextNormal());
        }
    }

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Expected a positive bound.");
        }

        ulong bound = (ulong)maxExclusive;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * bound;
            ulong low = (ulong)product;
            if (low >= bound || low >= (0UL - bound) % bound)
            {
                return (int)(product >> 64);
            }
        }
    }

    /// <summary>Standard normal, by the Box-Muller transform in double precision.</summary>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        // 1 - NextDouble() lies in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * u2);
        _spareNormal = radius * sin;
        _hasSpareNormal = true;
        return radius * cos;
    }
}
