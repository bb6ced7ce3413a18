using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LogitNet.Kernels;

/// <summary>
/// Binary cross-entropy per value, from a logit or from a probability, in double, rounded once by the caller.
/// </summary>
/// <remarks>
/// <para>
/// From a logit z with label y (after smoothing): L = y·softplus(-z) + (1-y)·softplus(z)
/// = [z &gt; 0 ? (1-y)·z : -y·z] + log1p(e^-|z|). Both terms are ≥ 0, so their sum never cancels;
/// each is computed with relative error below 2^-50, so L rounded to float32 is within
/// 0.5 + 2^-26 ulp of the exact value. (The textbook max(z, 0) - z·y + log1p(e^-|z|) cancels
/// when y is near 1 and z is large.)
/// </para>
/// <para>
/// The gradient σ(z) - y is formed as σ(z) - y for y ≤ 1/2 and (1-y) - σ(-z) for y &gt; 1/2, with
/// σ(|z|) = 1/(1 + e^-|z|) and σ(-|z|) = e^-|z|/(1 + e^-|z|): for hard labels (0 or 1) this is a single
/// well-conditioned value (σ(z) or -σ(-z)). For a soft label, when the result is below 2^-20·min(y, 1-y)
/// the double difference could have lost more than 2^-31 of its relative accuracy, and that value is
/// recomputed from a double-double σ(z) (relative error about 2^-100; see the Precise part).
/// </para>
/// <para>
/// From a probability p: L = -y·ln p - (1-y)·log1p(-p), both terms ≥ 0, with no clipping of ordinary
/// values; p = 0 (or 1) enters the logarithm that would be infinite as the nearest representable
/// probability, 2^-149 (or 1 - 2^-24), so a confident wrong prediction costs a large finite value
/// (about 103.28 for p = 0 against y = 1). The gradient (p - y)/(p(1 - p)) uses the same substitution.
/// </para>
/// </remarks>
internal static partial class BinaryCrossentropyKernel
{
    /// <summary>The smallest positive float32, 2^-149: where p = 0 is evaluated.</summary>
    private const double SmallestProbability = 1.4012984643248171e-45;

    /// <summary>The largest float32 below 1, 1 - 2^-24: where p = 1 is evaluated.</summary>
    private const double LargestProbability = 1.0 - 5.9604644775390625e-08;

    /// <summary>Below this fraction of min(y, 1-y) the double σ(z) - y may have lost digits.</summary>
    private const double CancellationThreshold = 9.5367431640625e-07; // 2^-20

    /// <summary>Binary cross-entropy from logits, with label smoothing y·(1 - ls) + ls/2.</summary>
    internal readonly struct Logits(double labelSmoothing) : IElementwiseLossKernel
    {
        private readonly double _keep = 1.0 - labelSmoothing;
        private readonly double _half = labelSmoothing / 2;

        public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
        {
            int n = yPred.Length;

            // e = exp(-|z|) into loss[], then log(1 + e) into gradient[]: the two vectorised transcendental passes.
            int i = 0;
            ref float z0 = ref MemoryMarshal.GetReference(yPred);
            ref double e0 = ref MemoryMarshal.GetReference(loss);
            if (Vector512.IsHardwareAccelerated)
            {
                for (; i <= n - 16; i += 16)
                {
                    (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref z0, (nuint)i));
                    (-Vector512.Abs(lower)).StoreUnsafe(ref e0, (nuint)i);
                    (-Vector512.Abs(upper)).StoreUnsafe(ref e0, (nuint)(i + 8));
                }
            }

            for (; i < n; i++)
            {
                loss[i] = -Math.Abs((double)yPred[i]);
            }

            // Our exponential and logarithm on every lane and tail alike (not AccurateExp on AVX-512 bodies with
            // Math.Exp tails, nor the platform's log, whose vector and scalar forms differ by an ulp): a value's loss
            // and gradient bits then depend on neither the instruction set nor its position in the batch.
            VectorExp.ExpNonPositiveAccurate(loss);
            TensorPrimitives.Add((ReadOnlySpan<double>)loss, 1.0, gradient);
            VectorLog.Log(gradient);

            i = 0;
            bool anyCancelled = false;
            ref float y0 = ref MemoryMarshal.GetReference(yTrue);
            ref double g0 = ref MemoryMarshal.GetReference(gradient);
            if (Vector512.IsHardwareAccelerated)
            {
                var cancelled = Vector512<double>.Zero;
                for (; i <= n - 16; i += 16)
                {
                    (Vector512<double> zLower, Vector512<double> zUpper) = Vector512.Widen(Vector512.LoadUnsafe(ref z0, (nuint)i));
                    (Vector512<double> yLower, Vector512<double> yUpper) = Vector512.Widen(Vector512.LoadUnsafe(ref y0, (nuint)i));
                    cancelled |= Combine(ref e0, ref g0, i, zLower, yLower);
                    cancelled |= Combine(ref e0, ref g0, i + 8, zUpper, yUpper);
                }

                anyCancelled = Vector512.ExtractMostSignificantBits(cancelled) != 0;
            }

            for (; i < n; i++)
            {
                anyCancelled |= CombineScalar(ref loss[i], ref gradient[i], yPred[i], yTrue[i]);
            }

            if (anyCancelled && wantGradient)
            {
                Repair(yTrue, yPred, gradient);
            }
        }

        /// <summary>Turns (e, log(1+e)) into (loss, gradient) for 8 lanes; returns the lanes whose gradient cancelled.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector512<double> Combine(ref double e0, ref double g0, int i, Vector512<double> z, Vector512<double> yRaw)
        {
            Vector512<double> one = Vector512<double>.One;
            Vector512<double> zero = Vector512<double>.Zero;
            Vector512<double> e = Vector512.LoadUnsafe(ref e0, (nuint)i);
            Vector512<double> logU = Vector512.LoadUnsafe(ref g0, (nuint)i);
            Vector512<double> u = one + e;

            // log1p(e) by Goldberg's correction log(u)·e/(u-1); u == 1 means e < 2^-53, where log1p(e) = e.
            Vector512<double> log1p = Vector512.ConditionalSelect(Vector512.Equals(u, one), e, logU * (e / (u - one)));

            Vector512<double> y = yRaw * Vector512.Create(_keep) + Vector512.Create(_half);
            Vector512<double> notY = one - y;
            Vector512<double> linear = Vector512.ConditionalSelect(
                Vector512.GreaterThan(z, zero),
                Vector512.ConditionalSelect(Vector512.Equals(notY, zero), zero, notY * z),
                Vector512.ConditionalSelect(Vector512.Equals(y, zero), zero, -(y * z)));
            (linear + log1p).StoreUnsafe(ref e0, (nuint)i);

            Vector512<double> big = one / u;          // σ(|z|)
            Vector512<double> small = e * big;       // σ(-|z|)
            Vector512<double> nonNegative = Vector512.GreaterThanOrEqual(z, zero);
            Vector512<double> sigmoid = Vector512.ConditionalSelect(nonNegative, big, small);
            Vector512<double> complement = Vector512.ConditionalSelect(nonNegative, small, big);
            Vector512<double> g = Vector512.ConditionalSelect(
                Vector512.LessThanOrEqual(y, Vector512.Create(0.5)), sigmoid - y, notY - complement);
            g.StoreUnsafe(ref g0, (nuint)i);
            return Vector512.LessThan(Vector512.Abs(g), Vector512.Min(y, notY) * Vector512.Create(CancellationThreshold)).AsDouble();
        }

        /// <summary>The scalar form of <see cref="Combine"/>, for tails and machines without Vector512.</summary>
        private bool CombineScalar(ref double lossSlot, ref double gradientSlot, double z, double yRaw)
        {
            double e = lossSlot;
            double u = 1.0 + e;
            double log1p = u == 1.0 ? e : gradientSlot * (e / (u - 1.0));
            double y = yRaw * _keep + _half;
            double notY = 1.0 - y;
            double linear = z > 0 ? (notY == 0 ? 0 : notY * z) : (y == 0 ? 0 : -(y * z));
            lossSlot = linear + log1p;
            double big = 1.0 / u;
            double small = e * big;
            double sigmoid = z >= 0 ? big : small;
            double complement = z >= 0 ? small : big;
            double g = y <= 0.5 ? sigmoid - y : notY - complement;
            gradientSlot = g;
            return Math.Abs(g) < Math.Min(y, notY) * CancellationThreshold;
        }

        /// <summary>Recomputes, in double-double, the gradients whose double difference cancelled.</summary>
        private void Repair(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> gradient)
        {
            for (int i = 0; i < yPred.Length; i++)
            {
                double y = yTrue[i] * _keep + _half;
                if (Math.Abs(gradient[i]) < Math.Min(y, 1.0 - y) * CancellationThreshold)
                {
                    gradient[i] = SigmoidMinus(yPred[i], y);
                }
            }
        }
    }

    /// <summary>Binary cross-entropy from probabilities, with label smoothing y·(1 - ls) + ls/2.</summary>
    internal readonly struct Probabilities(double labelSmoothing) : IElementwiseLossKernel
    {
        private readonly double _keep = 1.0 - labelSmoothing;
        private readonly double _half = labelSmoothing / 2;

        public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
        {
            for (int i = 0; i < yPred.Length; i++)
            {
                double y = yTrue[i] * _keep + _half;
                double p = yPred[i];
                loss[i] = Loss(p, y);
                gradient[i] = Slope(p, y);
            }
        }
    }

    /// <summary>
    /// The scalar form of the from-logits kernel for one value: loss, gradient σ(z) - y (repaired in
    /// double-double when it cancels), and σ(z), σ(-z) for the focal loss.
    /// </summary>
    internal static double LogitsScalar(double z, double y, out double gradient, out double sigmoid, out double complement)
    {
        double e = Math.Exp(-Math.Abs(z));
        double u = 1.0 + e;
        double log1p = u == 1.0 ? e : Math.Log(u) * (e / (u - 1.0));
        double notY = 1.0 - y;
        double linear = z > 0 ? (notY == 0 ? 0 : notY * z) : (y == 0 ? 0 : -(y * z));
        double big = 1.0 / u;
        double small = e * big;
        sigmoid = z >= 0 ? big : small;
        complement = z >= 0 ? small : big;
        gradient = y <= 0.5 ? sigmoid - y : notY - complement;
        if (Math.Abs(gradient) < Math.Min(y, notY) * CancellationThreshold)
        {
            gradient = SigmoidMinus(z, y);
        }

        return linear + log1p;
    }

    /// <summary>-y·ln p - (1-y)·log1p(-p), with p = 0 and p = 1 moved to the nearest representable probability.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Loss(double p, double y)
    {
        // Terms with a zero coefficient contribute 0 (never 0·∞); Math.Max/Min keep a NaN p.
        double positive = y != 0 ? -y * Math.Log(Math.Max(p, SmallestProbability)) : 0.0;
        double negative = y != 1 ? -(1.0 - y) * StableMath.Log1p(-Math.Min(p, LargestProbability)) : 0.0;
        return positive + negative;
    }

    /// <summary>∂L/∂p = (p - y)/(p(1 - p)); p - y is one rounding of an exact difference, so no digits are lost.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Slope(double p, double y)
    {
        double q = Math.Min(Math.Max(p, SmallestProbability), LargestProbability);
        return (q - y) / (q * (1.0 - q));
    }
}
