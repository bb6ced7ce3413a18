using LogitNet.Callbacks;
using LogitNet.Layers;
using LogitNet.Losses;
using LogitNet.Optimizers;
using LogitNet.Tests.Models;

namespace LogitNet.Tests.Callbacks;

/// <summary>
/// ModelCheckpoint's path placeholders, against Python: every expected string below is what Python 3.11's
/// <c>str.format</c> printed for Keras's logs (a float32 value widened to a Python float) and a 1-based epoch.
/// </summary>
public sealed class PathTemplateTests
{
    [Theory]
    [InlineData("ckpt-{epoch:02d}-{val_loss:.2f}.keras", 2, "val_loss", 0.123456789f, "ckpt-03-0.12.keras")]
    [InlineData("m{epoch:03d}.keras", 6, "loss", 1f, "m007.keras")]
    [InlineData("m{epoch}.keras", 11, "loss", 1f, "m12.keras")]
    [InlineData("{epoch:5d}|{epoch:.2f}|{epoch:e}", 6, "loss", 1f, "    7|7.00|7.000000e+00")]
    [InlineData("{loss:.4f}", 0, "loss", 0.625f, "0.6250")]
    [InlineData("{accuracy:.2f}", 0, "accuracy", 0.625f, "0.62")] // a tie: half to even, as Python
    [InlineData("{accuracy:.2f}", 0, "accuracy", 0.375f, "0.38")]
    [InlineData("{x:.0f}", 0, "x", 2.5f, "2")]
    [InlineData("{x:.0f}", 0, "x", 3.5f, "4")]
    [InlineData("{x:.0f}", 0, "x", 0.5f, "0")]
    [InlineData("{x:.3e}", 0, "x", 0.000123456f, "1.235e-04")]
    [InlineData("{x:.2e}", 0, "x", 12345.678f, "1.23e+04")]
    [InlineData("{x:.3e}", 0, "x", 9.9996f, "1.000e+01")] // the carry moves the exponent
    [InlineData("{x:e}", 0, "x", 1.5f, "1.500000e+00")]
    [InlineData("{x:e}", 0, "x", 0f, "0.000000e+00")]
    [InlineData("{x:.0e}", 0, "x", 1f, "1e+00")]
    [InlineData("{x}", 0, "x", 0.1f, "0.10000000149011612")]
    [InlineData("{x}", 0, "x", 2f, "2.0")]
    [InlineData("{x}", 0, "x", 1e-5f, "9.999999747378752e-06")]
    [InlineData("{x}", 0, "x", 1.5e-7f, "1.500000053056283e-07")]
    [InlineData("{x}", 0, "x", 1e16f, "1.0000000272564224e+16")]
    [InlineData("{x}", 0, "x", 123456789012345f, "123456788103168.0")]
    [InlineData("{x}", 0, "x", float.NaN, "nan")]
    [InlineData("{x}", 0, "x", float.PositiveInfinity, "inf")]
    [InlineData("{x:.2f}", 0, "x", float.NegativeInfinity, "-inf")]
    [InlineData("{x:08.3f}", 0, "x", float.NaN, "00000nan")]
    [InlineData("{x:08.3f}", 0, "x", float.NegativeInfinity, "-0000inf")]
    [InlineData("{x:08.3f}", 0, "x", 3.14159f, "0003.142")]
    [InlineData("{x:08.3f}", 0, "x", -1.5f, "-001.500")]
    [InlineData("{x:5.1f}", 0, "x", 123f, "123.0")]
    [InlineData("{x:f}", 0, "x", 0.5f, "0.500000")]
    [InlineData("{x:f}", 0, "x", 1e22f, "9999999778196308361216.000000")]
    [InlineData("{x:.2f}", 0, "x", -0f, "-0.00")]
    [InlineData("{x:.2f}", 0, "x", -0.001f, "-0.00")]
    [InlineData("{x}", 0, "x", -0f, "-0.0")]
    [InlineData("{x:.3e}", 0, "x", float.Epsilon, "1.401e-45")]
    [InlineData("{{literal}}-{epoch}", 0, "x", 0f, "{literal}-1")]
    public void Format_GivesWhatPythonGives(string template, int epoch, string key, float value, string expected)
    {
        var path = new PathTemplate(template, "path");
        Assert.Equal(expected, path.Format(epoch, new Dictionary<string, float> { [key] = value }, "ModelCheckpoint"));
    }

    [Theory]
    [InlineData("ckpt-{val_loss:g}.keras", "the spec 'g' of {val_loss}")]
    [InlineData("ckpt-{loss:d}.keras", "d formats whole numbers and only the epoch is one")]
    [InlineData("ckpt-{epoch:.2d}.keras", "a whole number takes no precision")]
    [InlineData("ckpt-{epoch:>5}.keras", "the spec '>5' of {epoch}")]
    [InlineData("ckpt-{epoch.real}.keras", "a field is a plain name")]
    [InlineData("ckpt-{}.keras", "a field is a plain name")]
    [InlineData("ckpt-{epoch.keras", "has no closing '}'")]
    [InlineData("ckpt-epoch}.keras", "a single '}' at index 10")]
    [InlineData("ckpt-{val_loss:.}.keras", "with a '.' but no precision")]
    [InlineData("ckpt-{val_loss:.4}.keras", "a precision needs a type here")]
    [InlineData("ckpt-{epoch:99999999999d}.keras", "a width or precision above 100")]
    [InlineData("ckpt-{loss:.1000000f}.keras", "a width or precision above 100")]
    public void MalformedOrUnsupportedPlaceholders_AreRefusedWhenTheCallbackIsMade(string path, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new ModelCheckpoint(path));
        Assert.Equal("path", error.ParamName);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Checkpoint_WritesOneFilePerEpoch_NamedByTheEpochAndTheLoss()
    {
        // Only "{epoch}" was replaced: Keras's usual "{epoch:02d}-{loss:.3f}" wrote one file, literally named so, every epoch.
        string directory = Directory.CreateTempSubdirectory("logitnet-ckpt-").FullName;
        try
        {
            (Tensor x, Tensor y) = SequentialTests.Blobs(4);
            var model = new Sequential(new Dense(4)) { Seed = 2, Log = TextWriter.Null };
            model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.05f));
            History history = model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0,
                callbacks: [new ModelCheckpoint(Path.Combine(directory, "ckpt-{epoch:02d}-{loss:.3f}.logitnet"), monitor: "loss")]);

            string[] names = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
            Assert.Equal(3, names.Length);
            for (int epoch = 0; epoch < 3; epoch++)
            {
                Assert.StartsWith($"ckpt-{epoch + 1:00}-", names[epoch], StringComparison.Ordinal);
                double shown = double.Parse(names[epoch]["ckpt-01-".Length..^".logitnet".Length], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(history["loss"][epoch], shown, 0.0005);
                Assert.Equal(5, names[epoch]["ckpt-01-".Length..^".logitnet".Length].Length);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Checkpoint_NamingAQuantityTrainingNeverLogs_IsRefusedBeforeTraining()
    {
        // A path with literal braces ("out/{exp1}/m.logitnet") trained a whole epoch before failing.
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        var model = new Sequential(new Dense(4)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.05f));
        model.Build(2);
        float[] before = model.Parameters[0].Value.ToArray();
        var error = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 1, verbose: 0,
            callbacks: [new ModelCheckpoint(Path.Combine(Path.GetTempPath(), "out-{exp1}", "m.logitnet"))]));
        Assert.Contains("names {exp1}, which this training never logs", error.Message);
        Assert.Contains("{{ and }}", error.Message);
        Assert.Equal(before, model.Parameters[0].Value.ToArray());
    }

    [Fact]
    public void Checkpoint_NamingAQuantityTheLogsLack_SaysWhichAndWhatTheyHold()
    {
        (Tensor x, Tensor y) = SequentialTests.Blobs(2);
        var model = new Sequential(new Dense(4)) { Seed = 2, Log = TextWriter.Null };
        model.Compile(new SparseCategoricalCrossentropy(fromLogits: true), new Adam(0.05f));
        var error = Assert.Throws<InvalidOperationException>(() => model.Fit(x, y, epochs: 1, verbose: 0,
            callbacks: [new ModelCheckpoint(Path.Combine(Path.GetTempPath(), "never-{val_loss:.2f}.logitnet"), monitor: "loss")]));
        Assert.Contains("names {val_loss}, which this epoch's logs lack (they hold epoch, loss", error.Message);
    }
}
