using System.Numerics.Tensors;
using LogitNet.Kernels;

namespace LogitNet.Layers;

/// <summary>Forward and backward passes of each <see cref="Activation"/> on spans of rows.</summary>
/// <remarks>
/// The backward pass takes both the input x and the output y, and uses whichever gives the
/// derivative without recomputation: y(1 − y) for the sigmoid, 1 − y² for tanh, x for GELU.
/// NaN in gives NaN out in both directions.
/// </remarks>
internal static class ActivationFunction
{
    /// <summary>The slope of <see cref="Activation.LeakyRelu"/> for negative inputs.</summary>
    public const float LeakySlope = 0.2f;

    /// <summary>Whether the backward pass reads the input x (otherwise only the output y).</summary>
    public static bool BackwardNeedsInput(Activation activation) => activation is Activation.Gelu;

    /// <summary>y = f(x); <paramref name="columns"/> is the row length (softmax works per row). In place is allowed.</summary>
    public static void Forward(Activation activation, ReadOnlySpan<float> x, Span<float> y, int columns)
    {
        switch (activation)
        {
            case Activation.Linear:
                x.CopyTo(y);
                break;
            case Activation.Relu:
                TensorPrimitives.Max(x, 0f, y);
                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x[i];
                    y[i] = v > 0 ? v : LeakySlope * v;
                }

                break;
            case Activation.Sigmoid:
                SigmoidKernel.Apply(x, y);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(x, y);
                break;
            case Activation.Softmax:
                SoftmaxKernel.Rows(x, y, columns);
                break;
            case Activation.Gelu:
                for (int i = 0; i < x.Length; i++)
                {
                    double v = x[i];
                    y[i] = (float)(v * SpecialFunctions.NormalCdf(v));
                }

                break;
            case Activation.Elu:
                for (int i = 0; i < x.Length; i++)
                {
                    float v = x[i];
                    y[i] = v > 0 ? v : (float)SpecialFunctions.ExpM1(v);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>dx = f'(x) ⊙ dy (for softmax, the Jacobian-vector product per row). In place on dy is allowed.</summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx, int columns)
    {
        switch (activation)
        {
            case Activation.Linear:
                dy.CopyTo(dx);
                break;
            case Activation.Relu:
                for (int i = 0; i < dx.Length; i++)
                {
                    float v = y[i];
                    dx[i] = v > 0 ? dy[i] : float.IsNaN(v) ? float.NaN : 0f;
                }

                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < dx.Length; i++)
                {
                    float v = y[i];
                    dx[i] = v > 0 ? dy[i] : float.IsNaN(v) ? float.NaN : LeakySlope * dy[i];
                }

                break;
            case Activation.Sigmoid:
                for (int i = 0; i < dx.Length; i++)
                {
                    float s = y[i];
                    dx[i] = dy[i] * s * (1 - s);
                }

                break;
            case Activation.Tanh:
                for (int i = 0; i < dx.Length; i++)
                {
                    float t = y[i];
                    dx[i] = dy[i] * (1 - t * t);
                }

                break;
            case Activation.Softmax:
                // dx_i = y_i (dy_i − Σ_j dy_j y_j), per row.
                for (int start = 0; start < dx.Length; start += columns)
                {
                    ReadOnlySpan<float> yRow = y.Slice(start, columns);
                    ReadOnlySpan<float> dyRow = dy.Slice(start, columns);
                    Span<float> dxRow = dx.Slice(start, columns);
                    double dot = 0;
                    for (int j = 0; j < columns; j++)
                    {
                        dot += (double)dyRow[j] * yRow[j];
                    }

                    for (int j = 0; j < columns; j++)
                    {
                        dxRow[j] = (float)(yRow[j] * (dyRow[j] - dot));
                    }
                }

                break;
            case Activation.Gelu:
                for (int i = 0; i < dx.Length; i++)
                {
                    double v = x[i];
                    dx[i] = (float)(dy[i] * (SpecialFunctions.NormalCdf(v) + v * SpecialFunctions.NormalPdf(v)));
                }

                break;
            case Activation.Elu:
                for (int i = 0; i < dx.Length; i++)
                {
                    float v = y[i];
                    dx[i] = v > 0 ? dy[i] : dy[i] * (v + 1);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
