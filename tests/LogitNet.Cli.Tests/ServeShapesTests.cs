using System.Globalization;
using System.Net;
using System.Text;
using LogitNet.Layers;

namespace LogitNet.Cli.Tests;

/// <summary>
/// <c>logitnet serve</c> with models other than a Dense MLP: an image model whose input is <c>[8, 8, 1]</c> and a sequence
/// tagger whose output per instance is <c>[5, 3]</c> (an Embedding of integer ids, then a Dense per time step).
/// </summary>
public sealed class ServeShapesTests(ServeShapesTests.Models models) : IClassFixture<ServeShapesTests.Models>
{
    [Fact]
    public async Task ImageModel_NestedInstancesOfRank3_AndColumns_ArePredictBitForBit()
    {
        Tensor x = Images(2);
        float[] expected = models.Image.Predict(x).ToArray();

        (HttpStatusCode status, string body) = await PostAsync(models.ImageServer, "image", $"{{\"instances\": {Nested(x)}}}");
        Assert.True(status == HttpStatusCode.OK, body);
        ServeTests.AssertBitwise(expected, ServeTests.ParsePredictions(body, "predictions", 2, 3));

        (status, body) = await PostAsync(models.ImageServer, "image", $"{{\"inputs\": {{\"input\": {Nested(x)}}}}}");
        Assert.True(status == HttpStatusCode.OK, body);
        ServeTests.AssertBitwise(expected, ServeTests.ParsePredictions(body, "outputs", 2, 3));
    }

    /// <summary>
    /// A flat row of 64 pixels, or an 8×8 image without its channel axis, is refused (as TF Serving refuses it), with the
    /// model's shape and the reshape that fixes it; it named only the spot ("instance 0 at [0]: expected an array of 8 values").
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ImageModel_InstanceWithFewerAxes_IsRefusedNamingTheModelsShape(bool flat)
    {
        float[] pixels = Images(1).ToArray();
        string instance = flat
            ? Row(pixels)
            : "[" + string.Join(", ", Enumerable.Range(0, 8).Select(r => Row(pixels.AsSpan(r * 8, 8).ToArray()))) + "]";

        (HttpStatusCode status, string body) = await PostAsync(models.ImageServer, "image", $"{{\"instances\": [{instance}]}}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(flat ? "instance 0 at [0]: expected an array of 8 values; got the number" : "instance 0 at [0][0]: expected an array of 1 value; got the number", body);
        Assert.Contains("the instance has fewer axes than the model's input: send each instance as nested arrays of shape [8, 8, 1] (numpy: x.reshape(-1, 8, 8, 1).tolist())", body);
    }

    [Fact]
    public async Task SequenceModel_IntegerIds_AnswerNestedPredictions_OfTheOutputsShape()
    {
        Tensor ids = Tensor.FromArray([1, 2, 3, 4, 5, 0, 0, 0, 0, 9], 2, 5);
        float[] expected = models.Tagger.Predict(ids).ToArray();

        (HttpStatusCode status, string body) = await PostAsync(models.TaggerServer, "tagger", "{\"instances\": [[1, 2, 3, 4, 5], [0, 0, 0, 0, 9]]}");

        Assert.True(status == HttpStatusCode.OK, body);
        using System.Text.Json.JsonDocument document = System.Text.Json.JsonDocument.Parse(body);
        System.Text.Json.JsonElement[] rows = [.. document.RootElement.GetProperty("predictions").EnumerateArray()];
        Assert.Equal(2, rows.Length);
        Assert.All(rows, row => Assert.Equal([3, 3, 3, 3, 3], row.EnumerateArray().Select(step => step.GetArrayLength())));
        float[] served = [.. rows.SelectMany(row => row.EnumerateArray()).SelectMany(step => step.EnumerateArray()).Select(v => v.GetSingle())];
        ServeTests.AssertBitwise(expected, served);
    }

    /// <summary>The banner gave a [5, 3] output per instance as "3 outputs".</summary>
    [Fact]
    public void SequenceModel_Banner_GivesTheOutputsShape()
    {
        Assert.Contains("(tagger.logitnet: 5 features -> output [5, 3]) on http://127.0.0.1:", models.TaggerServer.Output);
        Assert.Contains("(image.logitnet: input [8, 8, 1] -> 3 outputs) on http://127.0.0.1:", models.ImageServer.Output);
    }

    /// <summary>A binary classifier of one feature: the banner said "1 features -> 1 outputs", errors "an array of 1 numbers".</summary>
    [Fact]
    public async Task OneFeatureOneOutput_AreCountedInTheSingular()
    {
        Assert.Contains("(binary.logitnet: 1 feature -> 1 output) on http://127.0.0.1:", models.BinaryServer.Output);

        (HttpStatusCode status, string body) = await PostAsync(models.BinaryServer, "binary", "{\"instances\": [0.5]}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("instance 0: each instance is an array of 1 number; got the number 0.5", body);

        (status, body) = await PostAsync(models.BinaryServer, "binary", "{\"instances\": [[0.5, 1]]}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("instance 0: expected 1 feature, got 2", body);
    }

    private static Tensor Images(int count)
    {
        var values = new float[count * 64];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i * 37 % 17) / 16f;
        }

        return Tensor.FromArray(values, count, 8, 8, 1);
    }

    private static string Row(float[] values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>Images <c>[n, 8, 8, 1]</c> as TF Serving's nested lists.</summary>
    private static string Nested(Tensor x)
    {
        float[] v = x.ToArray();
        var text = new StringBuilder("[");
        for (int n = 0; n < x.Shape[0]; n++)
        {
            text.Append(n == 0 ? "[" : ", [");
            for (int r = 0; r < 8; r++)
            {
                text.Append(r == 0 ? "" : ", ").Append('[');
                text.Append(string.Join(", ", Enumerable.Range(0, 8).Select(c => "[" + v[n * 64 + r * 8 + c].ToString("R", CultureInfo.InvariantCulture) + "]")));
                text.Append(']');
            }

            text.Append(']');
        }

        return text.Append(']').ToString();
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(ServerProcess server, string name, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await server.Client.PostAsync($"/v1/models/{name}:predict", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The two models, saved, loaded in-process and served.</summary>
    public sealed class Models : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-serve-shapes-").FullName;

        public Models()
        {
            var image = new Sequential(new Input(8, 8, 1), new Conv2D(2, 3, activation: Activation.Relu), new MaxPooling2D(), new Flatten(), new Dense(3))
            {
                Seed = 3,
                Log = TextWriter.Null,
            };
            image.Build(8, 8, 1);
            image.Save(Path.Combine(_directory, "image.logitnet"));
            var tagger = new Sequential(new Input(5), new Embedding(10, 4), new Dense(3)) { Seed = 1, Log = TextWriter.Null };
            tagger.Build(5);
            tagger.Save(Path.Combine(_directory, "tagger.logitnet"));

            var binary = new Sequential(new Input(1), new Dense(1)) { Seed = 1, Log = TextWriter.Null };
            binary.Build(1);
            binary.Save(Path.Combine(_directory, "binary.logitnet"));

            Image = Sequential.Load(Path.Combine(_directory, "image.logitnet"));
            Tagger = Sequential.Load(Path.Combine(_directory, "tagger.logitnet"));
            ImageServer = ServerProcess.Start(_directory, "image.logitnet");
            TaggerServer = ServerProcess.Start(_directory, "tagger.logitnet");
            BinaryServer = ServerProcess.Start(_directory, "binary.logitnet");
        }

        public Sequential Image { get; }

        public Sequential Tagger { get; }

        public ServerProcess ImageServer { get; }

        public ServerProcess TaggerServer { get; }

        /// <summary>One feature in, one logit out: a binary classifier of one measurement.</summary>
        public ServerProcess BinaryServer { get; }

        public void Dispose()
        {
            ImageServer.Dispose();
            TaggerServer.Dispose();
            BinaryServer.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
