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
}
