namespace LogitNet.Tests;

public class OpsMatMulTests
{
    private static readonly Tensor s_x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);

    [Fact]
    public void MatMul_DocumentedExample_GivesDocumentedValues()
    {
        Tensor w = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 1f], 3, 2);
        Tensor y = Ops.MatMul(s_x, w);
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([4f, 5f, 10f, 11f], y.ToArray());

        Tensor g = Ops.MatMul(s_x, s_x, transposeB: true);
        Assert.Equal([14f, 32f, 32f, 77f], g.ToArray());
    }

    [Fact]
    public void MatMul_Transposes_EqualProductOfExplicitTransposes()
    {
        Tensor a = Tensor.RandomUniform([7, 5], -1f, 1f, seed: 1);
        Tensor b = Tensor.RandomUniform([5, 9], -1f, 1f, seed: 2);
        Tensor expected = Ops.MatMul(a, b);
        Tensor aT = Transpose(a);
        Tensor bT = Transpose(b);

        // Transposing an operand only changes where the values are read: the same products in the
        // same order, so the results are bitwise equal.
        Assert.Equal(expected.ToArray(), Ops.MatMul(aT, b, transposeA: true).ToArray());
        Assert.Equal(expected.ToArray(), Ops.MatMul(a, bT, transposeB: true).ToArray());
        Assert.Equal(expected.ToArray(), Ops.MatMul(aT, bT, transposeA: true, transposeB: true).ToArray());
        Assert.Equal([7, 9], Ops.MatMul(aT, bT, true, true).Shape);
    }

    [Fact]
    public void MatMul_ViewsFromSlice_UseOnlyTheirRows()
    {
        Tensor all = Tensor.FromArray([9f, 9f, 9f, 1f, 2f, 3f, 4f, 5f, 6f], 3, 3);
        Tensor rows = all.Slice(1, 2);
        Tensor ones = Tensor.Ones(3, 1);
        Assert.Equal([6f, 15f], Ops.MatMul(rows, ones).ToArray());
    }

    [Fact]
    public void MatMul_InnerDimensionZero_GivesZeros()
    {
        Tensor result = Ops.MatMul(Tensor.Zeros(2, 0), Tensor.Zeros(0, 3));
        Assert.Equal([2, 3], result.Shape);
        Assert.All(result.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void MatMul_EmptyResult_HasEmptyShape()
    {
        Assert.Equal([0, 4], Ops.MatMul(Tensor.Zeros(0, 3), Tensor.Zeros(3, 4)).Shape);
    }

    [Fact]
    public void MatMul_DoesNotChangeItsInputs()
    {
        Tensor a = s_x.Clone();
        _ = Ops.MatMul(a, a, transposeA: true);
        Assert.Equal(s_x.ToArray(), a.ToArray());
    }

    [Fact]
    public void MatMul_Null_ThrowsNamingTheArgument()
    {
        Assert.Equal("a", Assert.Throws<ArgumentNullException>(() => Ops.MatMul(null!, s_x)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentNullException>(() => Ops.MatMul(s_x, null!)).ParamName);
    }

    [Fact]
    public void MatMul_RankNotTwo_ThrowsWithShapeAndFix()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(3), s_x));
        Assert.Equal("a", error.ParamName);
        Assert.Contains("rank 2", error.Message);
        Assert.Contains("[3] (rank 1)", error.Message);
        Assert.Contains("Reshape", error.Message);

        error = Assert.Throws<ArgumentException>(() => Ops.MatMul(s_x, Tensor.Zeros(3, 2, 1)));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("[3, 2, 1] (rank 3)", error.Message);
    }

    [Fact]
    public void MatMul_InnerMismatch_NamesBothShapesAndSuggestsTranspose()
    {
        // x·x with x = [2, 3]: 3 columns against 2 rows; x·xᵀ or xᵀ·x would work.
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(s_x, s_x));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("a[2, 3] has 3 columns (axis 1 of a)", error.Message);
        Assert.Contains("b[2, 3] has 2 rows (axis 0 of b)", error.Message);
        Assert.Contains("Did you mean transposeA: false, transposeB: true", error.Message);
        Assert.Contains("transposeA: true, transposeB: false", error.Message);
    }

    [Fact]
    public void MatMul_InnerMismatchWithNoFix_SaysWhatIsExpected()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5), transposeB: true));
        Assert.Contains("b[4, 5] with transposeB: true has 5 rows (axis 1 of b)", error.Message);
        Assert.Contains("a is [m, k] and b is [k, n]", error.Message);
    }

    private static Tensor Transpose(Tensor t)
    {
        int rows = t.Shape[0], cols = t.Shape[1];
        Tensor result = Tensor.Zeros(cols, rows);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                result[j, i] = t[i, j];
            }
        }

        return result;
    }
}
