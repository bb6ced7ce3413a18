namespace LogitNet;

/// <summary>
/// Settings for <see cref="Sequential.Load(string, LoadOptions?)"/> that the file alone cannot decide.
/// </summary>
/// <example>
/// A Keras text classifier declared with <c>Input(shape=(None,))</c> takes sequences of any length;
/// LogitNet models take one fixed shape, so say which:
/// <code>
/// Sequential model = Sequential.Load("classifier.keras", new LoadOptions { InputShape = [250] });
/// </code>
/// </example>
public sealed class LoadOptions
{
    /// <summary>
    /// The per-sample input shape (no batch axis) to build the model for, where the file leaves axes
    /// open: a Keras <c>None</c> axis, such as the sequence length of a model that accepts sequences of
    /// any length, takes the size given here. Null (the default) loads only files whose input shape is
    /// fully known.
    /// </summary>
    /// <remarks>
    /// Only open axes may be filled: the shape must have the file's rank, and on every axis the file
    /// declares it must repeat the declared size, or <see cref="Sequential.Load(string, LoadOptions?)"/>
    /// throws <see cref="ArgumentException"/> naming both shapes. The weights load unchanged, so the
    /// sizes chosen must be ones the weights fit: layers that reduce over the open axis (an
    /// <c>Embedding</c>, <c>Conv1D</c>, pooling, then global pooling) fit any length, while a
    /// <c>Flatten</c> followed by <c>Dense</c> fits only the length it was trained with (another length
    /// is refused by the weight's shape). A file with a fully known shape loads as without the option
    /// when the shape given equals its own.
    /// </remarks>
    public IReadOnlyList<int>? InputShape { get; init; }
}
