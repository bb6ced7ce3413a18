namespace LogitNet.Regularizers;

/// <summary>
/// A penalty on a parameter's values, added to the loss that training minimises and reports, as
/// Keras's <c>Regularizer</c>. Attach one to a layer's weights (<c>kernelRegularizer:</c>).
/// </summary>
/// <remarks>
/// Subclass it for a penalty of your own: <see cref="Penalty"/> gives the value, <see cref="AddGradient"/>
/// adds its derivative. The penalty of a batch is added to that batch's loss as is (not divided by the
/// batch size), as in Keras.
/// </remarks>
public abstract class Regularizer
{
    /// <summary>The penalty of a parameter's values.</summary>
    /// <param name="values">The parameter's values.</param>
    /// <returns>The penalty, computed in double.</returns>
    public abstract double Penalty(ReadOnlySpan<float> values);

    /// <summary>Adds d(penalty)/d(value) to each entry of <paramref name="gradient"/>.</summary>
    /// <param name="values">The parameter's values.</param>
    /// <param name="gradient">The parameter's gradient, as long as <paramref name="values"/>; each entry rounded once after the addition.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public abstract void AddGradient(ReadOnlySpan<float> values, Span<float> gradient);
}
