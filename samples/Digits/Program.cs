// The mission's model: three Dense layers, the last one outputting logits, trained with a loss
// computed from those logits. Run with: dotnet run --project samples/Digits
using System.Diagnostics;
using LogitNet;
using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Metrics;
using LogitNet.Optimizers;

// 1,797 handwritten digits of 8x8 pixels, embedded in the library; 20% held out as the test set.
var (train, test) = Datasets.Digits(normalize: true).Split(testFraction: 0.2, seed: 0);
float digitsAccuracy = TrainAndTest("digits (8x8)", train, test, epochs: 60);

// The same architecture on 10,000 real MNIST digits of 28x28 (7,996 to train, 2,004 to test).
var (mnistTrain, mnistTest) = Datasets.Mnist();
float mnistAccuracy = TrainAndTest("MNIST (28x28)", mnistTrain, mnistTest, epochs: 20);

Console.WriteLine();
Console.WriteLine($"Test accuracy: digits {digitsAccuracy:P1}, MNIST {mnistAccuracy:P1}");
return digitsAccuracy >= 0.95f ? 0 : 1;

static float TrainAndTest(string name, Dataset train, Dataset test, int epochs)
{
    var model = new Sequential(
        new Dense(25, Activation.Relu),
        new Dense(15, Activation.Relu),
        new Dense(10, Activation.Linear));                       // logits, not probabilities
    model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.001f), [new SparseCategoricalAccuracy()]);

    Console.WriteLine($"== {name}: {train.Count} training and {test.Count} test images");
    var clock = Stopwatch.StartNew();
    model.Fit(train.Features, train.Labels, epochs: epochs, batchSize: 32, validationSplit: 0.1, verbose: 2);
    var result = model.Evaluate(test.Features, test.Labels);
    Console.WriteLine($"{name}: test loss {result["loss"]:0.0000}, test accuracy {result["sparse_categorical_accuracy"]:P1} ({clock.Elapsed.TotalSeconds:0.0} s)");

    // Probabilities only at inference: softmax of the logits.
    Tensor probabilities = Ops.Softmax(model.Predict(test.Features.Slice(0, 1)));
    int predicted = Enumerable.Range(0, 10).MaxBy(c => probabilities[0, c]);
    Console.WriteLine($"first test image: label {test.Labels[0]}, predicted {predicted} with probability {probabilities[0, predicted]:0.000}");
    return result["sparse_categorical_accuracy"];
}
