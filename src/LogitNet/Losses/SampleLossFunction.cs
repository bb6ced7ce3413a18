namespace LogitNet.Losses;

/// <summary>
/// One sample's loss for <see cref="CustomLoss.FromFunction"/>: returns the loss of the sample's
/// predictions against its targets and writes d(loss)/d(prediction) into <paramref name="gradient"/>.
/// </summary>
/// <param name="yTrue">The sample's targets, as many as predictions.</param>
/// <param name="yPred">The sample's predictions (the last axis of the model's output).</param>
/// <param name="gradient">Receives the derivative of the returned value with respect to each prediction; as long as <paramref name="yPred"/>, zeroed on entry.</param>
/// <returns>The sample's loss.</returns>
public delegate double SampleLossFunction(ReadOnlySpan<float> yTrue, ReadOnlySpan<float> yPred, Span<double> gradient);
