// Two classes: one logit per sample, BinaryCrossentropy from logits, and the sigmoid applied only
// at inference. Run with: dotnet run --project samples/BinaryClassification
using LogitNet;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

// 1,000 points around (-2, -2) (class 0) and (2, 2) (class 1), overlapping a little.
var (train, test) = Datasets.TwoBlobs(count: 1000, standardDeviation: 1.5, seed: 2).Split(testFraction: 0.2, seed: 2);

var model = new Sequential(
    new Dense(8, Activation.Relu),
    new Dense(1, Activation.Linear));                            // one logit: log(p / (1 - p))
model.Compile(new BinaryCrossentropy(fromLogits: true), new Adam(0.01f), [new BinaryAccuracy()]);

// BinaryCrossentropy takes one target per output: labels [n] become [n, 1].
model.Fit(train.Features, train.Labels.Reshape(-1, 1), epochs: 20, batchSize: 32, verbose: 2);
var result = model.Evaluate(test.Features, test.Labels.Reshape(-1, 1));
Console.WriteLine($"test loss {result["loss"]:0.0000}, test accuracy {result["binary_accuracy"]:P1}");

// Probabilities at inference: the sigmoid of the logit.
Tensor x = Tensor.FromArray([-3f, -3f, 0f, 0f, 0.5f, 0.5f, 3f, 3f], 4, 2);
Tensor logits = model.Predict(x);
Tensor probabilities = Ops.Sigmoid(logits);
for (int i = 0; i < 4; i++)
{
    Console.WriteLine($"x = ({x[i, 0],4:0.0}, {x[i, 1],4:0.0}): logit {logits[i, 0],7:0.000} -> P(class 1) = {probabilities[i, 0]:0.0000}");
}
