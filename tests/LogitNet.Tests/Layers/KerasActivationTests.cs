using System.Text.Json;
using LogitNet.Layers;
using LogitNet.Serialization.Keras;

namespace LogitNet.Tests.Layers;

/// <summary>
/// The activations Keras files bring (swish, selu, softplus, softsign, both hard sigmoids,
/// exponential, relu6, mish, hard swish, tanh-GELU): forward against a double-precision reference
/// on adversarial inputs, backward against finite differences, and Keras's names.
/// </summary>
public sealed class KerasActivationTests
{
    public static readonly Activation[] NewActivations =
    [
        Activation.Swish, Activation.Selu, Activation.Softplus, Activation.Softsign, Activation.HardSigmoid, Activation.HardSigmoidKeras2,
        Activation.Exponential, Activation.Relu6, Activation.Mish, Activation.HardSwish, Activation.GeluTanh,
    ];

    public static TheoryData<Activation> All() => new(NewActivations);

    /// <summary>Inputs that break naive formulas: huge, tiny, subnormal, signed zeros, kinks and their neighbours.</summary>
    private static readonly float[] Adversarial =
    [
        0f, -0f, 1e-30f, -1e-30f, 1e-45f, -1e-45f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1f, -1f, 2.5f, -2.5f, 2.4999998f, -2.4999998f,
        3f, -3f, 2.9999998f, -2.9999998f, 3.0000002f, -3.0000002f, 6f, 5.9999995f, 6.0000005f, 20f, -20f, 40f, -40f, 88f, -88f,
        89f, -104f, 1e4f, -1e4f, 1e30f, -1e30f, float.MaxValue, -float.MaxValue,
    ];

    /// <summary>Each function written from its definition in double, independently of LogitNet's code.</summary>
    private static double Reference(Activation activation, double x) => activation switch
    {
        Activation.Swish => x >= 0 ? x / (1 + Math.Exp(-x)) : x * Math.Exp(x) / (1 + Math.Exp(x)),
        Activation.Selu => x > 0 ? 1.0507009873554805 * x : 1.0507009873554805 * 1.6732632423543772 * (x > -1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1),
        Activation.Softplus => x > 30 ? x + Math.Exp(-x) : x < -30 ? Math.Exp(x) : Math.Log(1 + Math.Exp(x)) is var l && x > -1e-3 && x < 1e-3 ? Math.Log(2) + x / 2 + x * x / 8 : Math.Log(1 + Math.Exp(x)),
        Activation.Softsign => x / (1 + Math.Abs(x)),
        Activation.HardSigmoid => Math.Min(1, Math.Max(0, x / 6 + 0.5)),
        Activation.HardSigmoidKeras2 => Math.Min(1, Math.Max(0, 0.2 * x + 0.5)),
        Activation.Exponential => Math.Exp(x),
        Activation.Relu6 => Math.Min(6, Math.Max(0, x)),
        Activation.Mish => x > 30 ? x : x * Math.Tanh(x < -30 ? Math.Exp(x) : Math.Log(1 + Math.Exp(x))),
        Activation.HardSwish => x * Math.Min(1, Math.Max(0, x / 6 + 0.5)),
        Activation.GeluTanh => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_OnAdversarialInputs_IsWithinOneUlpOfTheDoubleReference(Activation activation)
    {
        float[] y = new ActivationLayer(activation).Forward(Tensor.FromArray(Adversarial, 1, Adversarial.Length)).ToArray();
        for (int i = 0; i < Adversarial.Length; i++)
        {
            double expected = Reference(activation, Adversarial[i]);
            float nearest = (float)expected;
            if (float.IsInfinity(nearest) || float.IsNaN(nearest))
            {
                Assert.Equal(nearest, y[i]);
                continue;
            }

            // One ulp of the expected value (the reference itself is a few double ulps off the exact value).
            float ulp = MathF.BitIncrement(MathF.Abs(nearest)) - MathF.Abs(nearest);
            Assert.True(Math.Abs(y[i] - expected) <= ulp, $"{activation}({Adversarial[i]:R}) = {y[i]:R}; reference {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Backward_MatchesFiniteDifferences(Activation activation)
    {
        // Spread over [-6, 6] to cross every piece of the piecewise functions, away from the kinks by the check's step.
        float[] values = Enumerable.Range(0, 48).Select(i => -5.83f + i * 0.2471f).ToArray();
        GradientCheckResult result = GradientCheck.Run(new ActivationLayer(activation), Tensor.FromArray(values, 4, 12), maxChecksPerTensor: 48);
        Assert.True(result.MaxError < 1e-2, $"{activation}: {result}");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Derivative_MatchesADoubleCentralDifferenceOfTheFunction(Activation activation)
    {
        foreach (double x in (double[])[-7.3, -2.7, -1.1, -0.3, 0.2, 0.9, 1.7, 2.2, 4.4, 5.5, 9.1])
        {
            const double h = 1e-6;
            double numeric = (ActivationFunction.Value(activation, x + h) - ActivationFunction.Value(activation, x - h)) / (2 * h);
            double analytic = ActivationFunction.Derivative(activation, x);
            Assert.True(Math.Abs(numeric - analytic) <= 1e-7 * Math.Max(1, Math.Abs(analytic)), $"{activation}'({x}) = {analytic}, numeric {numeric}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void NaN_PropagatesThroughForwardAndBackward(Activation activation)
    {
        var layer = new ActivationLayer(activation);
        float[] y = layer.Forward(Tensor.FromArray([float.NaN, 1f], 1, 2), training: true).ToArray();
        Assert.True(float.IsNaN(y[0]));
        float[] dx = layer.Backward(Tensor.FromArray([1f, 1f], 1, 2)).ToArray();
        Assert.True(float.IsNaN(dx[0]), $"{activation}' hid a NaN");
        Assert.False(float.IsNaN(dx[1]));
    }

    [Fact]
    public void HardSigmoid_Keras2AndKeras3_AreTheTwoDocumentedFunctions()
    {
        // tf_keras/activations.py's docstring: [-3, -1, 0, 1, 3] -> [0, 0.3, 0.5, 0.7, 1].
        Tensor x = Tensor.FromArray([-3f, -1f, 0f, 1f, 3f], 1, 5);
        Assert.Equal([0f, 0.3f, 0.5f, 0.7f, 1f], new ActivationLayer(Activation.HardSigmoidKeras2).Forward(x).ToArray());
        // Keras 3: relu6(x + 3) / 6.
        Assert.Equal([0f, 1f / 3, 0.5f, 2f / 3, 1f], new ActivationLayer(Activation.HardSigmoid).Forward(x).ToArray());
    }

    [Theory]
    [InlineData("\"hard_sigmoid\"", true, Activation.HardSigmoidKeras2)]
    [InlineData("\"hard_sigmoid\"", false, Activation.HardSigmoid)]
    [InlineData("\"swish\"", true, Activation.Swish)]
    [InlineData("\"silu\"", false, Activation.Swish)]
    [InlineData("\"hard_swish\"", false, Activation.HardSwish)]
    [InlineData("\"hard_silu\"", false, Activation.HardSwish)]
    [InlineData("\"gelu\"", false, Activation.Gelu)]
    [InlineData("{\"module\": \"keras.activations\", \"class_name\": \"function\", \"config\": \"relu6\", \"registered_name\": \"function\"}", false, Activation.Relu6)]
    public void KerasNames_MapToTheirFunctions(string json, bool keras2, Activation expected)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        Assert.Equal(expected, KerasActivations.Parse(document.RootElement, keras2, out _));
    }

    [Fact]
    public void EveryActivation_ThatKeras3NamesRoundTripsThroughItsName()
    {
        foreach (Activation activation in Enum.GetValues<Activation>())
        {
            if (KerasActivations.Keras3Name(activation) is { } name)
            {
                using JsonDocument document = JsonDocument.Parse($"\"{name}\"");
                Assert.Equal(activation, KerasActivations.Parse(document.RootElement, keras2: false, out _));
            }
        }
    }
}
