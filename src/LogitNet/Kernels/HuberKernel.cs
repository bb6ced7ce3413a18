namespace LogitNet.Kernels;

/// <summary>
/// Huber's loss per value, as Keras's <c>huber</c>: e = p - y; ½e² where |e| ≤ δ, δ·|e| − ½δ² beyond;
/// gradient e, or δ·sign(e) beyond δ.
/// </summary>
/// <remarks>
/// In double: e is exact or correctly rounded, ½e² adds one rounding; beyond δ, δ|e| ≥ δ² so the
/// subtraction of ½δ² loses at most one bit of double precision, far below the float32 rounding.
/// </remarks>
internal readonly struct HuberKernel(double delta) : IElementwiseLossKernel
{
    public void Evaluate(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> loss, Span<double> gradient, bool wantGradient)
    {
        double halfDeltaSquared = 0.5 * delta * delta;
        for (int i = 0; i < yPred.Length; i++)
        {
            double error = (double)yPred[i] - yTrue[i];
            double magnitude = Math.Abs(error);
            if (magnitude <= delta)
            {
                loss[i] = 0.5 * error * error;
                gradient[i] = error;
            }
            else
            {
                // NaN also lands here (the comparison is false) and stays NaN in both outputs.
                loss[i] = delta * magnitude - halfDeltaSquared;
                gradient[i] = double.IsNaN(error) ? double.NaN : delta * Math.Sign(error);
            }
        }
    }
}
