using System.Globalization;
using LogitNet.Kernels;

namespace LogitNet.Losses;

/// <summary>
/// Huber loss, as Keras's <c>Huber</c>: quadratic for small errors and linear for large ones, so
/// outliers pull less than under squared error. Per sample, the mean over the last axis of
/// <c>½e²</c> where <c>|e| ≤ delta</c> and <c>delta·|e| − ½delta²</c> beyond, with <c>e = yPred − yTrue</c>.
/// </summary>
/// <remarks>
/// <para>
/// Targets have the shape of the predictions (<c>[n]</c> targets are accepted for <c>[n, 1]</c>
/// predictions). The gradient is <c>e/k</c>, or <c>delta·sign(e)/k</c> beyond delta, for <c>k</c> values on
/// the last axis. Computed in double and rounded once: within 1 float32 ulp. NaN in gives NaN out.
/// </para>
/// <example>
/// <code>
/// var huber = new Huber();                    // delta 1.0, Keras's default
/// Tensor yTrue = Tensor.FromArray([0f, 1f, 0f, 0f], 2, 2);
/// Tensor yPred = Tensor.FromArray([0.6f, 0.4f, 0.4f, 0.6f], 2, 2);
/// huber.Call(yTrue, yPred).ToScalar();        // 0.155 (Keras's docstring example)
/// </code>
/// </example>
/// </remarks>
public sealed class Huber : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="delta">Where the loss turns from quadratic to linear; positive and finite (Keras's default 1.0).</param>
    /// <param name="reduction">How per-sample values are reduced; by default their mean.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not positive and finite, or <paramref name="reduction"/> is not defined.</exception>
    public Huber(float delta = 1.0f, Reduction reduction = Reduction.SumOverBatchSize)
        : base(reduction)
    {
        if (!(delta > 0 && float.IsFinite(delta)))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Expected a positive, finite delta (the error where the loss turns linear), such as 1.0.");
        }

        Delta = delta;
    }

    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public float Delta { get; }

    /// <inheritdoc/>
    public override string Name => "huber_loss";

    private protected override string Options => string.Create(CultureInfo.InvariantCulture, $"delta: {Delta}");

    internal override double Evaluate(in LossBatch batch) => ElementwiseLossDriver.Run(new HuberKernel(Delta), batch);
}
