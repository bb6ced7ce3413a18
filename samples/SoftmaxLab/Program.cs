// The softmax lab: four Gaussian blobs, classified with a softmax output and then with a linear
// output whose logits go to a loss computed from logits. Run with: dotnet run --project samples/SoftmaxLab
using LogitNet;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

// 2,000 points around (-5, 2), (-2, -2), (1, 2) and (5, -2), one class per center.
var (train, test) = Datasets.Blobs(count: 2000, standardDeviation: 1.0, seed: 1).Split(testFraction: 0.2, seed: 1);

// 1. The textbook form: the model outputs probabilities, the loss takes probabilities.
//    (LogitNet notices the softmax and trains on the logits before it anyway: exact and stable.)
var softmaxModel = new Sequential(new Dense(25, Activation.Relu), new Dense(15, Activation.Relu), new Dense(4, Activation.Softmax));
softmaxModel.Compile(new SparseCategoricalCrossentropy(fromLogits: false), new Adam(0.001f), [new SparseCategoricalAccuracy()]);
softmaxModel.Fit(train.Features, train.Labels, epochs: 20, batchSize: 32, verbose: 0);
float softmaxAccuracy = softmaxModel.Evaluate(test.Features, test.Labels)["sparse_categorical_accuracy"];

// 2. The preferred form: the model outputs logits, the loss works from them.
var logitsModel = new Sequential(new Dense(25, Activation.Relu), new Dense(15, Activation.Relu), new Dense(4, Activation.Linear));
logitsModel.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f), [new SparseCategoricalAccuracy()]);
logitsModel.Fit(train.Features, train.Labels, epochs: 20, batchSize: 32, verbose: 0);
float logitsAccuracy = logitsModel.Evaluate(test.Features, test.Labels)["sparse_categorical_accuracy"];

Console.WriteLine($"softmax output, fromLogits: false -> test accuracy {softmaxAccuracy:P1}");
Console.WriteLine($"linear output,  fromLogits: true  -> test accuracy {logitsAccuracy:P1}");

// At inference the linear model gives logits; Ops.Softmax turns them into probabilities.
Tensor x = test.Features.Slice(0, 4);
Tensor logits = logitsModel.Predict(x);
Tensor probabilities = Ops.Softmax(logits);
for (int i = 0; i < 4; i++)
{
    string z = string.Join(", ", Enumerable.Range(0, 4).Select(c => $"{logits[i, c],6:0.00}"));
    string p = string.Join(", ", Enumerable.Range(0, 4).Select(c => $"{probabilities[i, c]:0.000}"));
    Console.WriteLine($"x = ({x[i, 0],5:0.00}, {x[i, 1],5:0.00}), class {test.Labels[i]}: logits [{z}] -> probabilities [{p}]");
}
