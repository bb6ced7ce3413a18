using System.Diagnostics;
using LogitNet.Data;

namespace LogitNet.Tests.Serialization.Keras;

/// <summary>
/// Damaged Keras files (bits flipped, bytes cut) either load or fail with <see cref="DataFormatException"/>
/// or <see cref="NotSupportedException"/>: never another exception, never a hang.
/// </summary>
public sealed class KerasFuzzTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logitnet-keras-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("091", 250)]   // Keras 2.1 HDF5, config as a bare list
    [InlineData("074", 250)]   // Keras 3.12 HDF5
    [InlineData("058", 250)]   // tf.keras 2.14 .keras (zip)
    [InlineData("066", 250)]   // Keras 3.13 .keras
    [InlineData("078", 100)]   // Keras 3.14 .keras convnet with BatchNormalization
    public void DamagedFiles_FailOnlyWithFormatOrSupportErrors(string number, int trials)
    {
        byte[] bytes = File.ReadAllBytes(KerasCorpus.Numbered(number));
        var random = new Random(int.Parse(number) * 7919);
        string path = Path.Combine(_directory, "damaged" + Path.GetExtension(KerasCorpus.Numbered(number)));
        int loaded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (int trial = 0; trial < trials; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            int flips = 1 + random.Next(6);
            for (int f = 0; f < flips; f++)
            {
                damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (trial % 7 == 0)
            {
                damaged = damaged[..random.Next(damaged.Length)];
            }

            File.WriteAllBytes(path, damaged);
            try
            {
                Sequential.Load(path);
                loaded++;
            }
            catch (Exception e) when (e is DataFormatException or NotSupportedException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"keras-fuzz-{number}-{trial}{Path.GetExtension(path)}"), damaged);
                Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }

        Assert.Equal(trials, loaded + rejected);
        Assert.True(rejected > trials / 10, $"only {rejected} of {trials} damaged files were rejected");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{trials} loads took {clock.Elapsed}");
    }
}
