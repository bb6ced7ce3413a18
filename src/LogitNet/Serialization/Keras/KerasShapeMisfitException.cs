using LogitNet.Data;

namespace LogitNet.Serialization.Keras;

/// <summary>
/// A refusal whose fault depends on who chose the input shape: a "valid" window longer than the input
/// reaching it (thrown while the model is built), or a weight whose shape is not the one the built
/// architecture needs (thrown while the weights are filled). When the file fixes the input shape, the
/// file is at fault and <see cref="KerasModelLoader"/> throws <see cref="Refusal"/> as it is; when the
/// caller filled open axes through <see cref="LoadOptions.InputShape"/>, the caller's sizes are, and the
/// loader throws an <see cref="ArgumentException"/> around it.
/// </summary>
/// <remarks>
/// The loader recognises these cases by this type, never by a message's words, so rewording a refusal
/// cannot change whose fault it is reported as. It never leaves the loader: every place that can
/// throw it sits inside one of the loader's two <c>try</c> blocks, which turn it into one of the two public
/// exceptions above.
/// </remarks>
internal sealed class KerasShapeMisfitException(DataFormatException refusal) : Exception(refusal.Message, refusal)
{
    /// <summary>The format error to report when the file, not the caller, chose the input shape.</summary>
    public DataFormatException Refusal => refusal;
}
