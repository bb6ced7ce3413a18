namespace LogitNet;

/// <summary>
/// A trainable tensor and the gradient the backward pass accumulates for it: what a layer owns
/// and an optimizer updates.
/// </summary>
/// <remarks>
/// <see cref="Value"/> and <see cref="Gradient"/> have the same shape for the parameter's whole
/// life; updates write into them in place, so a training step allocates nothing.
/// </remarks>
/// <example>
/// <code>
/// var bias = new Parameter("bias", Tensor.Zeros(10));
/// bias.Gradient.AsSpan().Fill(0.5f);
/// new SGD(learningRate: 0.1f).Apply([bias]);   // bias is now -0.05 everywhere
/// </code>
/// </example>
public sealed class Parameter
{
    /// <summary>Creates a parameter holding <paramref name="value"/> (not copied) and a zero gradient of its shape.</summary>
    /// <param name="name">A name for summaries and saved files, such as <c>"dense/kernel"</c>.</param>
    /// <param name="value">The initial value; the parameter keeps this tensor and updates it in place.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public Parameter(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Gradient = Tensor.ZerosAligned(value.ShapeSpan);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The current value, updated in place by optimizers.</summary>
    public Tensor Value { get; }

    /// <summary>The gradient of the loss with respect to <see cref="Value"/>, written by the backward pass.</summary>
    public Tensor Gradient { get; }

    /// <summary>Whether optimizers update this parameter; a frozen parameter keeps its value.</summary>
    public bool Trainable { get; set; } = true;

    /// <summary>
    /// Whether the parameter is a layer's state rather than a weight (Keras's <c>add_weight(trainable=False)</c>, such as
    /// BatchNormalization's moving statistics): created frozen, and left frozen when the layer's
    /// <see cref="Layers.Layer.Trainable"/> is set, as Keras's <c>layer.trainable</c> leaves such variables alone.
    /// </summary>
    public bool IsState { get; init; }

    /// <summary>
    /// A penalty on the values (such as <c>Regularizers.L2(0.01f)</c>), or null. While the parameter is
    /// trainable, <c>Fit</c> adds the penalty to the loss it reports and minimises, and its gradient to
    /// <see cref="Gradient"/> before each step; <c>Evaluate</c> adds it to the loss, as Keras does.
    /// A built layer's regularizer properties (such as <c>Dense.KernelRegularizer</c>) read this one, so
    /// setting it changes what the layer reports and what <c>Save</c> writes too.
    /// </summary>
    public LogitNet.Regularizers.Regularizer? Regularizer { get; set; }

    /// <summary>The name and shape, for messages.</summary>
    /// <returns>For example <c>dense/kernel [784, 25]</c>.</returns>
    public override string ToString() => $"{Name} {ShapeText.Format(Value.ShapeSpan)}";
}
