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

    /// <summary>SELU's α and λ (scale), as Keras writes them (Klambauer et al. 2017, to double precision).</summary>
    public const double SeluAlpha = 1.6732632423543772848170429916717;

    /// <inheritdoc cref="SeluAlpha"/>
    public const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>√(2/π), in the tanh approximation of GELU.</summary>
    public const double SqrtTwoOverPi = 0.79788456080286535587989211986876;

    /// <summary>The cubic coefficient of the tanh approximation of GELU.</summary>
    public const double GeluCubic = 0.044715;

    /// <summary>Whether the backward pass reads the input x (otherwise only the output y).</summary>
    public static bool BackwardNeedsInput(Activation activation) => activation is Activation.Gelu or Activation.Swish or Activation.Selu
        or Activation.Softplus or Activation.Softsign or Activation.HardSigmoid or Activation.HardSigmoidKeras2 or Activation.Relu6
        or Activation.Mish or Activation.HardSwish or Activation.GeluTanh;

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
                LeakyForward(x, y, LeakySlope);
                break;
            case Activation.Sigmoid:
                SigmoidKernel.Apply(x, y);
                break;
            case Activation.Tanh:
                TanhKernel.Apply(x, y);
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
                ForwardElementwise(activation, x, y);
                break;
        }
    }

    /// <summary>Leaky ReLU, y = x above 0 and slope·x at and below (±0 stay as they are); for the activation and the <see cref="LeakyReLU"/> layer.</summary>
    public static void LeakyForward(ReadOnlySpan<float> x, Span<float> y, float slope)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0 ? v : slope * v;
        }
    }

    /// <summary>
    /// Leaky ReLU's dx = f'·dy: dy above 0, slope·dy at and below, NaN where the sign is NaN. The sign may come from
    /// the input or the output: with a non-negative slope they are positive, or NaN, at the same places.
    /// </summary>
    public static void LeakyBackward(ReadOnlySpan<float> sign, ReadOnlySpan<float> dy, Span<float> dx, float slope)
    {
        for (int i = 0; i < dx.Length; i++)
        {
            float v = sign[i];
            dx[i] = v > 0 ? dy[i] : float.IsNaN(v) ? float.NaN : slope * dy[i];
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
                LeakyBackward(y, dy, dx, LeakySlope);
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
                BackwardElementwise(activation, x, y, dy, dx);
                break;
        }
    }

    /// <summary>
    /// The elementwise activations Keras files bring, each evaluated in double and rounded once, so
    /// every output is the float32 nearest the exact value of the function at the float32 input
    /// (within the few double ulps of Math.Exp, Math.Tanh and StableMath).
    /// </summary>
    private static void ForwardElementwise(Activation activation, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)Value(activation, x[i]);
        }
    }

    /// <summary>f(v) in double; NaN in gives NaN out (every branch below passes NaN through).</summary>
    internal static double Value(Activation activation, double v) => activation switch
    {
        Activation.Swish => v * StableMath.Sigmoid(v),
        Activation.Selu => v > 0 ? SeluScale * v : SeluScale * SeluAlpha * SpecialFunctions.ExpM1(v),
        Activation.Softplus => StableMath.Softplus(v),
        Activation.Softsign => v / (1 + Math.Abs(v)),
        Activation.HardSigmoid => Clip01(v / 6 + 0.5),
        Activation.HardSigmoidKeras2 => Clip01(0.2 * v + 0.5),
        Activation.Exponential => Math.Exp(v),
        Activation.Relu6 => v <= 0 ? 0 : v >= 6 ? 6 : v,
        Activation.Mish => v * Math.Tanh(StableMath.Softplus(v)),
        Activation.HardSwish => v * Clip01(v / 6 + 0.5),
        Activation.GeluTanh => 0.5 * v * (1 + Math.Tanh(SqrtTwoOverPi * (v + GeluCubic * v * v * v))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>f'(v) in double. At the kinks of the piecewise functions the derivative is taken as 0, as Keras's backends do.</summary>
    internal static double Derivative(Activation activation, double v)
    {
        switch (activation)
        {
            case Activation.Swish:
            {
                double s = StableMath.Sigmoid(v);
                return s * (1 + v * (1 - s));
            }

            case Activation.Selu:
                return v > 0 ? SeluScale : SeluScale * SeluAlpha * Math.Exp(v);
            case Activation.Softplus:
                return StableMath.Sigmoid(v);
            case Activation.Softsign:
            {
                double d = 1 + Math.Abs(v);
                return 1 / (d * d);
            }

            case Activation.HardSigmoid:
                return v > -3 && v < 3 ? 1.0 / 6 : double.IsNaN(v) ? double.NaN : 0;
            case Activation.HardSigmoidKeras2:
                return v > -2.5 && v < 2.5 ? 0.2 : double.IsNaN(v) ? double.NaN : 0;
            case Activation.Exponential:
                return Math.Exp(v);
            case Activation.Relu6:
                return v > 0 && v < 6 ? 1 : double.IsNaN(v) ? double.NaN : 0;
            case Activation.Mish:
            {
                // d/dx x·tanh(sp(x)) = tanh(sp) + x·(1 − tanh²(sp))·σ(x).
                double t = Math.Tanh(StableMath.Softplus(v));
                return t + v * (1 - t * t) * StableMath.Sigmoid(v);
            }

            case Activation.HardSwish:
                return v <= -3 ? 0 : v >= 3 ? 1 : (2 * v + 3) / 6;
            case Activation.GeluTanh:
            {
                double u = SqrtTwoOverPi * (v + GeluCubic * v * v * v);
                double t = Math.Tanh(u);
                return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SqrtTwoOverPi * (1 + 3 * GeluCubic * v * v);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    private static void BackwardElementwise(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (activation == Activation.Exponential)
        {
            // f' = f: the output is the derivative already.
            for (int i = 0; i < dx.Length; i++)
            {
                dx[i] = dy[i] * y[i];
            }

            return;
        }

        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] = (float)(dy[i] * Derivative(activation, x[i]));
        }
    }

    private static double Clip01(double v) => v <= 0 ? 0 : v >= 1 ? 1 : v;
}
