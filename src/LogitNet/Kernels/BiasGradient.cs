using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LogitNet.Kernels;

/// <summary>
/// The backward-pass steps every layer with a bias shares (Dense, Conv1D, Conv2D): the bias gradient
/// as column sums of dz, fused with the ReLU's backward pass when there is one, so dz is read once.
/// </summary>
internal static class BiasGradient
{
    /// <summary>
    /// The ReLU's backward pass fused with the bias gradient: dz = dy where y &gt; 0, NaN where y is NaN, else 0;
    /// sums[j] = Σ_r dz[r, j], rows added in order (bitwise <see cref="ColumnSums"/> of dz, on any vector width).
    /// </summary>
    /// <param name="output">y, the ReLU's output, [rows, columns].</param>
    /// <param name="outputGradient">dy, [rows, columns].</param>
    /// <param name="gradient">dz, [rows, columns]; may be dy itself.</param>
    /// <param name="rows">The rows.</param>
    /// <param name="columns">The columns.</param>
    /// <param name="sums">Σ_r dz[r, ·], or empty to skip.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, Span<float> gradient,
        int rows, int columns, Span<float> sums)
    {
        bool summing = !sums.IsEmpty;
        if (summing)
        {
            sums[..columns].Clear();
        }

        int width = Vector<float>.Count;
        var nan = new Vector<float>(float.NaN);
        for (int r = 0; r < rows; r++)
        {
            int start = r * columns;
            int j = 0;
            for (; j <= columns - width; j += width)
            {
                var y = new Vector<float>(output.Slice(start + j, width));
                var dy = new Vector<float>(outputGradient.Slice(start + j, width));
                var dz = Vector.ConditionalSelect(Vector.GreaterThan(y, Vector<float>.Zero), dy,
                    Vector.ConditionalSelect(Vector.Equals(y, y), Vector<float>.Zero, nan));
                dz.CopyTo(gradient.Slice(start + j, width));
                if (summing)
                {
                    (new Vector<float>(sums.Slice(j, width)) + dz).CopyTo(sums.Slice(j, width));
                }
            }

            for (; j < columns; j++)
            {
                float y = output[start + j];
                float dz = y > 0 ? outputGradient[start + j] : float.IsNaN(y) ? float.NaN : 0f;
                gradient[start + j] = dz;
                if (summing)
                {
                    sums[j] += dz;
                }
            }
        }
    }

    /// <summary>sums[j] = Σ_r matrix[r, j], rows added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnSums(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> sums)
    {
        sums[..columns].Clear();
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sums[..columns], matrix.Slice(r * columns, columns), sums[..columns]);
        }
    }

}
