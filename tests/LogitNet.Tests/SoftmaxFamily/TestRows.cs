using LogitNet.Tests.Accuracy;

namespace LogitNet.Tests.SoftmaxFamily;

/// <summary>Random rows for the tests, seeded, so a failure reproduces.</summary>
internal static class TestRows
{
    /// <summary>Rows of normal values with the given scale and an offset.</summary>
    public static float[] Normal(Random random, int length, double scale, double offset = 0)
    {
        var row = new float[length];
        for (int i = 0; i < length; i++)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            row[i] = (float)(offset + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return row;
    }

    /// <summary>Adds every component of a row to a tally.</summary>
    public static void AddRow(AccuracyTally tally, string id, ReadOnlySpan<float> computed, double[] exact)
    {
        for (int i = 0; i < exact.Length; i++)
        {
            tally.Add($"{id}[{i}]", computed[i], exact[i]);
        }
    }
}
