namespace LogitNet.Cli.Audit;

/// <summary>The adversarial inputs: huge, tiny, subnormal, exact ties, −∞ (masked), and seeded random floats over the whole range.</summary>
internal static class AuditInputs
{
    private static readonly float[] s_special =
    [
        0f, float.Epsilon, 1e-40f, 1.17549435e-38f, 1e-30f, 1e-8f, 1e-3f, 0.1f, 0.5f, 0.6931472f, 1f, 2f, 10f, 15.9f, 16f, 16.7f, 17f,
        20f, 30f, 36.7f, 40f, 50f, 80f, 87.3f, 88.72f, 89f, 100f, 103.9f, 104f, 1000f, 1e4f, 1e30f, float.MaxValue,
    ];

    /// <summary>Finite scalars: the specials with both signs, every float bit pattern at random, and uniform values in ±120.</summary>
    public static float[] Scalars(int seed)
    {
        var random = new Random(seed);
        var values = new List<float>();
        foreach (float v in s_special)
        {
            values.Add(v);
            values.Add(-v);
        }

        while (values.Count < 4000)
        {
            float v = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsFinite(v)) values.Add(v);
        }

        for (int i = 0; i < 2000; i++)
        {
            values.Add((float)(random.NextDouble() * 240 - 120));
        }

        return values.ToArray();
    }

    /// <summary>Probabilities in (0, 1): tiny, subnormal, near 1, and random.</summary>
    public static float[] Probabilities(int seed)
    {
        var random = new Random(seed);
        var values = new List<float> { float.Epsilon, 1e-40f, 1e-30f, 1e-10f, 1e-7f, 0.5f, 0.99f, 1 - 1e-7f, 1 - 5.9604645e-8f };
        for (int i = 0; i < 1000; i++)
        {
            values.Add((float)Math.Pow(2, -random.NextDouble() * 149));
            values.Add(1 - (float)Math.Pow(2, -random.NextDouble() * 24));
        }

        return values.Where(p => p > 0 && p < 1).ToArray();
    }

    /// <summary>Rows for the softmax family, grouped by width (one tensor per width).</summary>
    public static Dictionary<int, List<float[]>> Rows(int seed)
    {
        var random = new Random(seed);
        var rows = new Dictionary<int, List<float[]>>();
        void Add(params float[] row)
        {
            if (!rows.TryGetValue(row.Length, out List<float[]>? list)) rows[row.Length] = list = [];
            list.Add(row);
        }

        foreach (float v in s_special)
        {
            Add(v, 0f, 0f);
            Add(-v, 0f, 0f);
            Add(0f, v);
            Add(v, v, v, v);
            Add(-v, -v, -v, -v);
        }

        Add(1f, MathF.BitIncrement(1f), MathF.BitDecrement(1f));
        Add(float.NegativeInfinity, 0f, 1f);
        Add(float.NegativeInfinity, float.NegativeInfinity, 3f);
        Add(float.NegativeInfinity, 1e30f, -1e30f);
        Add(1e4f, -1e4f, 0f);
        Add(float.MaxValue, -float.MaxValue, 0f);
        foreach (int width in new[] { 2, 3, 5, 10, 17 })
        {
            for (int r = 0; r < 300; r++)
            {
                double scale = Math.Pow(10, random.NextDouble() * 7 - 3);
                var row = new float[width];
                for (int j = 0; j < width; j++)
                {
                    row[j] = (float)(scale * (random.NextDouble() * 2 - 1));
                }

                Add(row);
            }
        }

        return rows;
    }
}
