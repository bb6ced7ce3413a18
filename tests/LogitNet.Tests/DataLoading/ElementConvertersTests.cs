using System.Numerics;
using System.Runtime.InteropServices;
using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class ElementConvertersTests
{
    /// <summary>Every converter must equal the scalar C# cast, element by element, on every length (vector bodies and tails).</summary>
    private static void AssertMatchesCast<T>(Func<System.Random, T> next, Func<T, float> cast) where T : unmanaged, INumberBase<T>
    {
        var random = new System.Random(11);
        foreach (int length in new[] { 0, 1, 7, 31, 64, 257, 1001 })
        {
            T[] values = Enumerable.Range(0, length).Select(_ => next(random)).ToArray();
            byte[] bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            float[] converted = new float[length];
            ElementConverters.For<T>(bigEndian: !BitConverter.IsLittleEndian)(bytes, converted);
            Assert.Equal(values.Select(cast).ToArray(), converted);
        }
    }

    [Fact]
    public void For_EachType_EqualsScalarCast()
    {
        AssertMatchesCast(r => (byte)r.Next(256), v => v);
        AssertMatchesCast(r => (sbyte)r.Next(-128, 128), v => v);
        AssertMatchesCast(r => (short)r.Next(short.MinValue, short.MaxValue + 1), v => v);
        AssertMatchesCast(r => (ushort)r.Next(ushort.MaxValue + 1), v => v);
        // Large integers exercise rounding to nearest (above 2^24) in the vector path.
        AssertMatchesCast(r => r.Next(int.MinValue, int.MaxValue), v => v);
        AssertMatchesCast(r => (uint)r.NextInt64(uint.MaxValue + 1L), v => v);
        AssertMatchesCast(r => r.NextInt64(long.MinValue, long.MaxValue), v => v);
        AssertMatchesCast(r => (ulong)r.NextInt64(long.MinValue, long.MaxValue), v => v);
        AssertMatchesCast(r => BitConverter.Int32BitsToSingle(r.Next()), v => v);
        // Doubles halfway between floats and beyond float's range round as the cast does.
        AssertMatchesCast(r => BitConverter.Int64BitsToDouble(r.NextInt64()), v => (float)v);
        AssertMatchesCast(r => 1.0 + (2 * r.Next(1 << 20) + 1) * Math.Pow(2, -24), v => (float)v);
    }

    [Fact]
    public void For_BigEndian_SwapsBytes()
    {
        float[] result = new float[2];
        ElementConverters.For<int>(bigEndian: true)(new byte[] { 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE }, result);
        Assert.Equal([256f, -2f], result);
        ElementConverters.For<double>(bigEndian: false)(BitConverter.GetBytes(0.1).Concat(BitConverter.GetBytes(-3.0)).ToArray(), result);
        Assert.Equal([0.1f, -3f], result);
    }
}
