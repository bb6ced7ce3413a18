using LogitNet.Data;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;

namespace LogitNet.Tests.Models;

/// <summary>docs/coffee-lab.md, run as written: the course's lab on its own data (docs/data/coffee.csv).</summary>
public class CoffeeLabTests
{
    [Fact]
    public void TheLab_AsTheDocWritesIt_GivesTheLabsNumbers()
    {
        Dataset coffee = Csv.ReadDataset(Path.Combine(AppContext.BaseDirectory, "Data", "coffee", "coffee.csv"), labelColumn: "good");
        Tensor x = coffee.Features;
        Tensor y = coffee.Labels.Reshape(-1, 1);
        Assert.Equal([200, 2], x.Shape);
        Assert.Equal(43f, y.ToArray().Sum());                 // the lab's 43 good roasts

        var norm = new Normalization();
        norm.Adapt(x);
        Tensor xt = Tile(x, 1000), yt = Tile(y, 1000);
        var model = new Sequential(
            new Input(2),
            norm,
            new Dense(3, Activation.Sigmoid, name: "layer1"),
            new Dense(1, Activation.Sigmoid, name: "layer2")) { Seed = 1234, Log = TextWriter.Null };
        model.Summary();
        model.Compile(new BinaryCrossentropy(), new Adam(learningRate: 0.01f));
        History history = model.Fit(xt, yt, epochs: 1, verbose: 0);
        Assert.True(history["loss"][0] < 0.2f, history.ToString());

        model.GetLayer("layer1").SetWeights(
            Tensor.FromArray(new float[,] { { -8.94f, 0.29f, 12.89f }, { -0.17f, -7.34f, 10.79f } }),
            Tensor.FromArray([-9.87f, -9.28f, 1.01f], 3));
        model.GetLayer("layer2").SetWeights(
            Tensor.FromArray(new float[,] { { -31.38f }, { -27.86f }, { -32.79f } }),
            Tensor.FromArray([15.54f], 1));
        Tensor xTest = Tensor.FromArray(new float[,] { { 200f, 13.9f }, { 200f, 17f } });
        float[] predictions = model.Predict(xTest).ToArray();
        // The lab prints [[9.63e-01], [3.03e-08]]; numpy on its data gives 0.962511 and 3.03160e-08.
        Assert.Equal(0.962511, predictions[0], 2e-5);
        Assert.Equal(3.0316e-8, predictions[1], 0.0005e-8);
        Assert.Equal([1, 0], model.PredictClasses(xTest));
    }

    private static Tensor Tile(Tensor t, int times)
    {
        int rows = t.Shape[0], width = t.Length / rows;
        var data = new float[t.Length * times];
        for (int i = 0; i < times; i++)
        {
            t.AsSpan().CopyTo(data.AsSpan(i * t.Length));
        }

        return Tensor.FromArray(data, rows * times, width);
    }
}
