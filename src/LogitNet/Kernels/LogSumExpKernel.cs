namespace LogitNet.Kernels;

/// <summary>Log-sum-exp over rows: r = log Σ_j e^(z_j), computed as m + log Σ_j e^(z_j - m).</summary>
/// <remarks>
/// Within 0.5 + 1/8 float32 ulps of the exact value: the fast double result is used only when its
/// error bound is below 2^-27 of the result; rows where m + log S cancels are redone in
/// double-double (see <see cref="SoftmaxRow.LogSumExp"/>).
/// </remarks>
internal static class LogSumExpKernel
{
    /// <summary>
    /// Writes log Σ e^(z_j) of each row of <paramref name="x"/> (rows of <paramref name="columns"/>
    /// values) to <paramref name="result"/>, one value per row. An empty row (columns = 0) gives
    /// -inf, a row of -inf gives -inf, a +inf entry +inf, a NaN entry NaN.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not hold result.Length rows of <paramref name="columns"/> values.</exception>
    public static void Rows(ReadOnlySpan<float> x, Span<float> result, int columns)
    {
        if (columns < 0 || (long)result.Length * columns != x.Length)
        {
            throw new ArgumentException(
                $"Expected {result.Length} rows of {columns} values ({(long)result.Length * columns}); received {x.Length} values.", nameof(x));
        }

        if (columns == 0)
        {
            result.Fill(float.NegativeInfinity);
            return;
        }

        // Blocks of 8 rows: maxima and sums row by row, then the 8 logarithms in one vector.
        const int Block = SoftmaxRow.Block;
        Span<float> maxima = stackalloc float[Block];
        Span<double> logSums = stackalloc double[Block];
        for (int first = 0; first < result.Length; first += Block)
        {
            int count = Math.Min(Block, result.Length - first);
            logSums.Clear();
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<float> row = x.Slice((first + r) * columns, columns);
                maxima[r] = SoftmaxRow.Max(row);
                if (float.IsFinite(maxima[r]))
                {
                    SoftmaxRow.SumExp(row, maxima[r], [], out double ties, out double rest);
                    logSums[r] = (ties - 1) + rest;
                }
            }

            SoftmaxRow.Log1pBlock(logSums);
            for (int r = 0; r < count; r++)
            {
                result[first + r] = (float)SoftmaxRow.FinishLogSumExp(x.Slice((first + r) * columns, columns), maxima[r], logSums[r]);
            }
        }
    }
}
