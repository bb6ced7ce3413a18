using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class NpyTests
{
    private static Tensor ReadBytes(byte[] bytes, long maxElements = Npy.DefaultMaxElements) =>
        Npy.Read(new MemoryStream(bytes), "test.npy", maxElements);

    private static readonly float[] s_halves = [0f, 0.5f, 1f, 1.5f, 2f, 2.5f];

    [Fact]
    public void Read_NumpyFloat32_KeepsShapeAndValues()
    {
        Tensor t = Npy.Read(TestFiles.Fixture("f4_le.npy"));
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(s_halves, t.ToArray());
    }

    [Fact]
    public void Read_NumpyBigEndianFloat64_RoundsToNearestFloat()
    {
        Tensor t = Npy.Read(TestFiles.Fixture("f8_be.npy"));
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (float)(i * 0.1)).ToArray(), t.ToArray());
    }

    [Fact]
    public void Read_NumpyIntegerTypes_ConvertExactly()
    {
        Assert.Equal([0f, 1, 127, 128, 255], Npy.Read(TestFiles.Fixture("u1.npy")).ToArray());
        Assert.Equal([-2f, 0, 2_000_000], Npy.Read(TestFiles.Fixture("i4_be.npy")).ToArray());
        Tensor i8 = Npy.Read(TestFiles.Fixture("i8_le.npy"));
        Assert.Equal([2, 2], i8.Shape);
        Assert.Equal([-1f, 0, 1, 16_777_216], i8.ToArray());
    }

    [Theory]
    [InlineData("v2.npy")]
    [InlineData("v3.npy")]
    public void Read_HeaderVersions2And3_Read(string file)
    {
        Tensor t = Npy.Read(TestFiles.Fixture(file));
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([0f, 1, 2, 3, 4, 5], t.ToArray());
    }

    [Fact]
    public void Read_ScalarAndEmpty_KeepTheirShapes()
    {
        Tensor scalar = Npy.Read(TestFiles.Fixture("scalar.npy"));
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(7.25f, scalar.ToScalar());
        Tensor empty = Npy.Read(TestFiles.Fixture("empty.npy"));
        Assert.Equal([0, 3], empty.Shape);
    }

    [Fact]
    public void Read_FortranOrder_ThrowsWithFix()
    {
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(TestFiles.Fixture("fortran.npy")));
        Assert.Contains("np.ascontiguousarray", e.Message);
        Assert.Equal("header 'fortran_order'", e.Entry);
        Assert.EndsWith("fortran.npy", e.FilePath);
    }

    [Fact]
    public void Read_FortranOrderOneAxis_IsTheSameAsCOrder()
    {
        byte[] file = TestFiles.Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", TestFiles.Floats(1f, 2f));
        Assert.Equal([1f, 2f], ReadBytes(file).ToArray());
    }

    [Fact]
    public void Read_StructuredAndRank5_ThrowWithFix()
    {
        var structured = Assert.Throws<DataFormatException>(() => Npy.Read(TestFiles.Fixture("structured.npy")));
        Assert.Contains("structured", structured.Message);
        var rank5 = Assert.Throws<DataFormatException>(() => Npy.Read(TestFiles.Fixture("rank5.npy")));
        Assert.Contains("5 axes", rank5.Message);
    }

    [Fact]
    public void Write_Tensor_IsByteIdenticalToNumpy()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, Tensor.FromArray(s_halves, 2, 3));
        Assert.Equal(File.ReadAllBytes(TestFiles.Fixture("f4_le.npy")), stream.ToArray());
    }

    [Fact]
    public void Write_ThenRead_RoundTripsEveryRank()
    {
        using var dir = new TempDirectory();
        Tensor[] tensors =
        [
            Tensor.Scalar(-3.5f),
            Tensor.FromArray([1f, float.NaN, float.NegativeInfinity], 3),
            Tensor.RandomUniform([3, 4, 5], -1f, 1f, seed: 1),
            Tensor.RandomUniform([2, 1, 3, 2], -1f, 1f, seed: 2),
            Tensor.Zeros(0, 7),
        ];
        foreach (Tensor t in tensors)
        {
            string path = Path.Combine(dir.Path, "t.npy");
            Npy.Write(path, t);
            Tensor back = Npy.Read(path);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(t.ToArray(), back.ToArray());
            Assert.Equal(0, (new FileInfo(path).Length - t.Length * 4) % 64);
        }
    }

    [Fact]
    public void Read_StreamWithTwoArrays_ReadsOneAfterTheOther()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, Tensor.FromArray([1f, 2f], 2));
        Npy.Write(stream, Tensor.FromArray([3f], 1));
        stream.Position = 0;
        Assert.Equal([1f, 2f], Npy.Read(stream).ToArray());
        Assert.Equal([3f], Npy.Read(stream).ToArray());
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Read_FileWithTwoArrays_ThrowsPointingToStreamOverload()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, Tensor.FromArray([1f], 1));
        Npy.Write(stream, Tensor.FromArray([2f], 1));
        using var dir = new TempDirectory();
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(dir.File("two.npy", stream.ToArray())));
        Assert.Contains("Npy.Read(Stream)", e.Message);
    }

    [Fact]
    public void Read_GzipAndNonSeekable_Read()
    {
        byte[] file = File.ReadAllBytes(TestFiles.Fixture("f4_le.npy"));
        Assert.Equal(s_halves, ReadBytes(TestFiles.Gzip(file)).ToArray());
        Assert.Equal(s_halves, Npy.Read(new NonSeekableStream(file)).ToArray());
    }

    [Fact]
    public void Read_LargeFloat32_EveryPathKeepsEveryBit()
    {
        // Float32 is read straight into the result. 600,000 values exceed the first allocation for
        // content of unknown length (2^18 elements), so the pipe and gzip paths must grow the result
        // part-way through; the odd count leaves a partial last read. Negative zero, NaN payloads and
        // subnormals must come through as bits, not as values.
        var values = new float[600_001];
        for (int i = 0; i < values.Length; i++) values[i] = (i % 1000) * 0.25f - 100f;
        values[7] = -0f;
        values[8] = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        values[9] = float.Epsilon;
        using var npy = new MemoryStream();
        Npy.Write(npy, Tensor.FromArray(values, 600_001));
        byte[] file = npy.ToArray();
        using var dir = new TempDirectory();

        Tensor[] reads =
        [
            Npy.Read(dir.File("large.npy", file)),
            ReadBytes(file),
            Npy.Read(new NonSeekableStream(file)),
            ReadBytes(TestFiles.Gzip(file)),
        ];

        foreach (Tensor read in reads)
        {
            Assert.Equal([600_001], read.Shape);
            Assert.Equal(Bits(values), Bits(read.ToArray()));
        }

        static int[] Bits(float[] floats) => Array.ConvertAll(floats, BitConverter.SingleToInt32Bits);
    }

    [Fact]
    public void Read_GzipFloat32ClaimingMoreThanItHolds_AllocatesOnlyWhatArrives()
    {
        // 200 million float32 claimed (800 MB), 1,000 bytes delivered: read in place, the result may
        // grow only as data arrives, so the claim must fail without its allocation.
        byte[] gz = TestFiles.Gzip(TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (200000000,), }", new byte[1000]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(gz));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "the loader allocated for the claim, not the content");
        Assert.Equal("data", e.Entry);
        Assert.Contains("after 250 of 200000000 elements", e.Message);
    }

    [Theory]
    [InlineData("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}")]
    [InlineData("{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2L,)}")]
    [InlineData("{'descr': 'f4', 'fortran_order': False, 'shape': (2,)}")]
    [InlineData("{'descr': '=f4', 'fortran_order': False, 'shape': (2,),}")]
    public void Read_HeaderVariants_Parse(string dict)
    {
        Assert.Equal([1f, 2f], ReadBytes(TestFiles.Npy(dict, TestFiles.Floats(1f, 2f))).ToArray());
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "lacks the key 'shape'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "appears twice")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", "unexpected key")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", "'<c8' is not supported")]
    [InlineData("{'descr': '|f4', 'fortran_order': False, 'shape': (2,)}", "no byte order")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", "non-negative whole number")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}", "at most")]
    [InlineData("__import__('os').system('echo pwned')", "dict literal")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "after the header")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "expected")]
    public void Read_BadHeader_ThrowsNamingTheFault(string dict, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(TestFiles.Npy(dict, TestFiles.Floats(1f, 2f))));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("header", e.Entry);
        Assert.True(e.Offset >= 10, $"offset {e.Offset} should point into the header");
    }

    [Fact]
    public void Read_BadMagicOrVersion_Throws()
    {
        byte[] good = File.ReadAllBytes(TestFiles.Fixture("f4_le.npy"));
        byte[] magic = (byte[])good.Clone();
        magic[1] = (byte)'X';
        Assert.Equal("magic string", Assert.Throws<DataFormatException>(() => ReadBytes(magic)).Entry);
        byte[] version = (byte[])good.Clone();
        version[6] = 4;
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(version));
        Assert.Equal(6, e.Offset);
        Assert.Contains("4.0", e.Message);
    }

    [Fact]
    public void Read_HugeHeaderLength_RefusedBeforeAllocation()
    {
        byte[] file = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'{'];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(file));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal("header length", e.Entry);
    }

    [Fact]
    public void Read_HugeShape_RefusedBeforeAllocation()
    {
        byte[] file = TestFiles.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647, 4), }", TestFiles.Floats(1f));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<DataFormatException>(() => ReadBytes(file));
        byte[] withinCap = TestFiles.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000,), }", TestFiles.Floats(1f));
        var e = Assert.Throws<DataFormatException>(() => ReadBytes(withinCap));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("only 4 bytes follow", e.Message);
    }

    [Fact]
    public void Read_TruncatedData_ThrowsWithOffset()
    {
        byte[] good = File.ReadAllBytes(TestFiles.Fixture("f4_le.npy"));
        var e = Assert.Throws<DataFormatException>(() => Npy.Read(new NonSeekableStream(good[..^3]), "cut.npy"));
        Assert.Equal("data", e.Entry);
        Assert.Equal(good.Length - 3, e.Offset);
        Assert.Contains("truncated", e.Message);
    }
}
