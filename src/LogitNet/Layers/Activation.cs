namespace LogitNet.Layers;

/// <summary>The activation a <see cref="Dense"/> layer (or an <see cref="ActivationLayer"/>) applies to its output.</summary>
/// <remarks>
/// For a classifier's last layer use <see cref="Linear"/> with a <c>fromLogits: true</c> loss: the
/// loss then sees the logits and computes exactly. A <see cref="Softmax"/> or <see cref="Sigmoid"/>
/// last layer compiled with a <c>fromLogits: false</c> loss is trained on its pre-activation logits
/// anyway (the model fuses the two), and still predicts probabilities.
/// </remarks>
public enum Activation
{
    /// <summary>The identity: the layer outputs logits.</summary>
    Linear,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>x for x &gt; 0, else 0.2·x (Keras 3's default negative slope).</summary>
    LeakyRelu,

    /// <summary>1 / (1 + e^-x), elementwise.</summary>
    Sigmoid,

    /// <summary>The hyperbolic tangent.</summary>
    Tanh,

    /// <summary>e^x_i / Σ_j e^x_j over the last axis.</summary>
    Softmax,

    /// <summary>The exact Gaussian error linear unit x·Φ(x) = x/2·(1 + erf(x/√2)) (Keras's default, not the tanh approximation).</summary>
    Gelu,

    /// <summary>x for x &gt; 0, else e^x − 1 (α = 1).</summary>
    Elu,

    /// <summary>x·σ(x), Keras's <c>silu</c> (alias <c>swish</c>).</summary>
    Swish,

    /// <summary>λ·x for x &gt; 0, else λ·α·(e^x − 1), with α ≈ 1.6732632 and λ ≈ 1.0507010 (Klambauer et al. 2017; Keras's <c>selu</c>).</summary>
    Selu,

    /// <summary>log(1 + e^x), computed without overflow.</summary>
    Softplus,

    /// <summary>x / (1 + |x|).</summary>
    Softsign,

    /// <summary>Keras 3's <c>hard_sigmoid</c>: clip(x/6 + 1/2, 0, 1), 0 below −3 and 1 above 3.</summary>
    /// <remarks>Keras 2 (tf.keras) defines <c>hard_sigmoid</c> otherwise: see <see cref="HardSigmoidKeras2"/>. Files are read by their Keras version.</remarks>
    HardSigmoid,

    /// <summary>tf.keras 2.x's <c>hard_sigmoid</c>: clip(0.2·x + 0.5, 0, 1), 0 below −2.5 and 1 above 2.5.</summary>
    HardSigmoidKeras2,

    /// <summary>e^x.</summary>
    Exponential,

    /// <summary>min(max(x, 0), 6).</summary>
    Relu6,

    /// <summary>x·tanh(softplus(x)) (Misra 2019).</summary>
    Mish,

    /// <summary>x·clip(x/6 + 1/2, 0, 1): Keras 3's <c>hard_silu</c> (alias <c>hard_swish</c>).</summary>
    HardSwish,

    /// <summary>The tanh approximation of GELU, x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))): Keras's <c>gelu(x, approximate=True)</c>.</summary>
    GeluTanh,
}
