// Keras's "simple MNIST convnet" (keras.io/examples/vision/mnist_convnet), layer for layer, on the
// 10,000 MNIST images embedded in LogitNet. The last layer outputs logits; the loss takes them.
// Run with: dotnet run -c Release --project samples/MnistConvnet [-- --epochs 15] [--seed 0]
// (3 epochs by default, about a minute on two cores; Keras's example trains 15.)
using System.Diagnostics;
using System.Globalization;
using LogitNet;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

int epochs = Option("--epochs", 3);
int seed = Option("--seed", 0);

// 7,996 training and 2,004 test images of 28 x 28 grey pixels in [0, 1], as [n, 28, 28, 1] (channels last).
var (train, test) = Datasets.Mnist();
Tensor xTrain = train.Features.Reshape(train.Count, 28, 28, 1);
Tensor xTest = test.Features.Reshape(test.Count, 28, 28, 1);

var model = new Sequential(
    new Input(28, 28, 1),
    new Conv2D(32, kernelSize: 3, activation: Activation.Relu),
    new MaxPooling2D(poolSize: 2),
    new Conv2D(64, kernelSize: 3, activation: Activation.Relu),
    new MaxPooling2D(poolSize: 2),
    new Flatten(),
    new Dropout(0.5f),
    new Dense(10)) { Seed = seed };                 // logits, not probabilities
model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f), [new Accuracy()]);
model.Summary();

var clock = Stopwatch.StartNew();
model.Fit(xTrain, train.Labels, epochs: epochs, batchSize: 128, validationSplit: 0.1, verbose: 2);
double seconds = clock.Elapsed.TotalSeconds;
var result = model.Evaluate(xTest, test.Labels);

int trained = (int)(train.Count * 0.9) * epochs;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Test loss {result["loss"]:0.0000}, test accuracy {result["accuracy"]:0.0000} after {epochs} epochs ({seconds:0.0} s of training, about {trained / seconds:0} samples/s including validation)"));

// Probabilities only at inference.
Tensor probabilities = model.PredictProba(xTest.Slice(0, 1));
int predicted = Ops.ArgMax(probabilities).ToArray().Select(v => (int)v).Single();
Console.WriteLine($"First test image: label {test.Labels[0]}, predicted {predicted} with probability {probabilities[0, predicted]:0.000}");
return 0;

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    if (at < 0)
    {
        return fallback;
    }

    if (at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out int value) && value >= 0)
    {
        return value;
    }

    Console.Error.WriteLine($"{name} takes a non-negative whole number, such as {name} {fallback}.");
    Environment.Exit(2);
    return fallback;
}
