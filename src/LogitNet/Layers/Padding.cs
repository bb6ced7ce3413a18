namespace LogitNet.Layers;

/// <summary>How a convolution or pooling window treats the image border, as Keras's <c>padding</c> argument.</summary>
public enum Padding
{
    /// <summary>
    /// No padding (<c>"valid"</c>, Keras's default): only windows that lie inside the input, so the output is
    /// ⌊(size − span) / stride⌋ + 1 along each axis, where span = (kernel − 1)·dilation + 1.
    /// </summary>
    Valid,

    /// <summary>
    /// Zero padding (<c>"same"</c>): the output is ⌈size / stride⌉ along each axis; the padding is split as
    /// TensorFlow and Keras split it, the extra row and column at the bottom and right. Pooling ignores the
    /// padded positions (they count neither in a maximum nor in a mean).
    /// </summary>
    Same,

    /// <summary>
    /// Causal zero padding (<c>"causal"</c>), for <see cref="Conv1D"/> only: dilation·(kernel − 1) zeros before
    /// the sequence and none after, so output step t depends on input steps ≤ t alone (WaveNet's dilated causal
    /// convolution). The output has ⌈steps / stride⌉ steps.
    /// </summary>
    Causal,
}
