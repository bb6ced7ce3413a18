using LogitNet.Data;

namespace LogitNet.Tests.DataLoading;

public class CsvTests
{
    private static Tensor Read(string text, bool hasHeader = false, char delimiter = ',') =>
        Csv.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "test.csv", hasHeader, delimiter);

    [Fact]
    public void Read_NumbersWithHeader_GivesRowsByColumns()
    {
        Tensor t = Read("a,b,c\n1,2.5,-3e2\n4,5,6\n", hasHeader: true);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal([1f, 2.5f, -300f, 4, 5, 6], t.ToArray());
    }

    [Fact]
    public void Read_LineEndsQuotesBlankLinesAndBom_AreHandled()
    {
        Tensor t = Read("\uFEFF1;\"2\"\r\n\r\n  \n3 ; 4\r5;6", delimiter: ';');
        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ToArray());
    }

    [Fact]
    public void Read_NaNAndInfinity_AreRead()
    {
        float[] values = Read("NaN,Infinity,-Infinity\n").ToArray();
        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(float.PositiveInfinity, values[1]);
        Assert.Equal(float.NegativeInfinity, values[2]);
    }

    /// <summary>numpy's <c>np.savetxt</c> writes infinities as <c>inf</c> and <c>-inf</c> (and NaN as <c>nan</c>), in any case.</summary>
    [Fact]
    public void Read_NumpysInfAndNan_AreRead()
    {
        float[] values = Read("inf,-inf,+inf,nan\nINF,-Inf, +iNf ,NAN\n").ToArray();
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity], values[..3]);
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity, float.PositiveInfinity], values[4..7]);
        Assert.True(float.IsNaN(values[3]) && float.IsNaN(values[7]));
    }

    [Theory]
    [InlineData("infin")]
    [InlineData("in")]
    [InlineData("--inf")]
    [InlineData("inf1")]
    [InlineData("1inf")]
    [InlineData("i nf")]
    public void Read_NearMissesOfInf_AreRefused(string field)
    {
        var e = Assert.Throws<DataFormatException>(() => Read($"1,{field}\n"));
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public void Read_BadNumber_NamesFileLineAndColumn()
    {
        var e = Assert.Throws<DataFormatException>(() => Read("1,2\n3,x4\n"));
        Assert.Equal("test.csv", e.FilePath);
        Assert.Equal(2, e.Line);
        Assert.Equal(2, e.Column);
        Assert.Contains("'x4'", e.Message);
        Assert.StartsWith("test.csv, line 2, column 2:", e.Message);
    }

    [Fact]
    public void Read_HeaderWithoutFlag_SuggestsHasHeader()
    {
        var e = Assert.Throws<DataFormatException>(() => Read("width,height\n1,2\n"));
        Assert.Contains("hasHeader: true", e.Message);
    }

    [Fact]
    public void Read_CommaDecimalSeparator_SuggestsDelimiter()
    {
        var e = Assert.Throws<DataFormatException>(() => Read("1;5,2\n"));
        Assert.Contains("delimiter: ';'", e.Message);
    }

    [Fact]
    public void Read_RaggedRow_NamesLineAndExpectedWidth()
    {
        var e = Assert.Throws<DataFormatException>(() => Read("a,b,c\n1,2,3\n4,5\n", hasHeader: true));
        Assert.Equal(3, e.Line);
        Assert.Contains("2 fields; expected 3, as on line 1", e.Message);
    }

    [Fact]
    public void Read_EmptyValue_SaysMissingValuesAreNotImputed()
    {
        var e = Assert.Throws<DataFormatException>(() => Read("1,,3\n"));
        Assert.Equal(2, e.Column);
        Assert.Contains("missing values", e.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a,b\n", "no data rows")]
    [InlineData("1,\"2\n", "not closed")]
    [InlineData("1,\"2\"x\n", "after a closing quote")]
    public void Read_BrokenFiles_ThrowFormatErrors(string text, string expected)
    {
        var e = Assert.Throws<DataFormatException>(() => Read(text, hasHeader: text.StartsWith('a')));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_OverlongField_IsRefused()
    {
        var e = Assert.Throws<DataFormatException>(() => Read(new string('1', 10_000)));
        Assert.Contains("longer than", e.Message);
    }

    [Fact]
    public void Read_MaxElements_IsEnforced()
    {
        var stream = new MemoryStream("1,2\n3,4\n"u8.ToArray());
        Assert.Throws<DataFormatException>(() => Csv.Read(stream, maxElements: 3));
    }

    [Fact]
    public void ReadDataset_ByName_MapsStringLabelsSorted()
    {
        using var dir = new TempDirectory();
        string path = dir.Text("iris.csv", "sepal, species ,petal\n1,virginica,2\n3,setosa,4\n5,\"versicolor\",6\n7,setosa,8\n");
        Dataset d = Csv.ReadDataset(path, labelColumn: "species");
        Assert.Equal([4, 2], d.Features.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], d.Features.ToArray());
        Assert.Equal(["setosa", "versicolor", "virginica"], d.ClassNames);
        Assert.Equal([2f, 0, 1, 0], d.Labels.ToArray());
    }

    [Fact]
    public void ReadDataset_ByIndex_NumericLabelsAreClassIds()
    {
        using var dir = new TempDirectory();
        string path = dir.Text("d.csv", "0.5,1.5,3\n2.5,3.5,0\n");
        Dataset d = Csv.ReadDataset(path, labelColumn: -1);
        Assert.Equal([3f, 0], d.Labels.ToArray());
        Assert.Equal(4, d.ClassCount);
        Assert.Equal(["0", "1", "2", "3"], d.ClassNames);
        Assert.Equal([0.5f, 1.5f, 2.5f, 3.5f], d.Features.ToArray());
        Assert.Equal([3f, 0], Csv.ReadDataset(path, labelColumn: 2).Labels.ToArray());
    }

    [Fact]
    public void ReadDataset_SignedLabels_AreSortedNumerically()
    {
        using var dir = new TempDirectory();
        Dataset d = Csv.ReadDataset(dir.Text("svm.csv", "1,10\n2,-1\n3,2\n"), labelColumn: 1);
        Assert.Equal(["-1", "2", "10"], d.ClassNames);
        Assert.Equal([2f, 0, 1], d.Labels.ToArray());
    }

    [Fact]
    public void ReadDataset_DigitsInSklearnCsvLayout_RoundTripsEmbeddedDigits()
    {
        // scikit-learn's digits.csv layout: 64 pixel counts, then the label, no header.
        using var dir = new TempDirectory();
        Dataset embedded = Datasets.Digits();
        var lines = Enumerable.Range(0, embedded.Count).Select(i =>
            string.Join(",", embedded.Features.Slice(i, 1).ToArray().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            + "," + embedded.Labels[i]);
        string csv = dir.Text("digits.csv", string.Join("\n", lines) + "\n");
        Dataset d = Csv.ReadDataset(csv, labelColumn: -1);
        Assert.Equal(embedded.Features.ToArray(), d.Features.ToArray());
        Assert.Equal(embedded.Labels.ToArray(), d.Labels.ToArray());
        Assert.Equal(10, d.ClassCount);
    }

    [Fact]
    public void ReadDataset_MissingOrDuplicateColumn_ListsTheHeader()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<DataFormatException>(() => Csv.ReadDataset(dir.Text("a.csv", "x,y\n1,2\n"), labelColumn: "label"));
        Assert.Contains("'x', 'y'", missing.Message);
        Assert.Throws<DataFormatException>(() => Csv.ReadDataset(dir.Text("b.csv", "y,y\n1,2\n"), labelColumn: "y"));
        var index = Assert.Throws<DataFormatException>(() => Csv.ReadDataset(dir.Text("c.csv", "1,2\n"), labelColumn: 5));
        Assert.Contains("does not exist", index.Message);
    }

    [Fact]
    public void ReadDataset_EmptyLabel_Throws()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DataFormatException>(() => Csv.ReadDataset(dir.Text("a.csv", "1,a\n2, \n"), labelColumn: 1));
        Assert.Equal(2, e.Line);
        Assert.Equal(2, e.Column);
    }

    [Fact]
    public void Read_BadDelimiter_ThrowsArgumentError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Read("1\n", delimiter: '"'));
    }

    [Fact]
    public void ReadDataset_NumericLabels_AreClassesByValue()
    {
        // Labels that are numbers but not all class ids (a -1) were told apart by their text: "1" and "1.0" became two classes.
        var dataset = Csv.ReadDataset(new StringReader("x,label\n0.5,1\n0.25,1.0\n0.75,-1\n1,1\n"), "labels.csv", hasHeader: true, "label", 0, ',', Csv.DefaultMaxElements);
        Assert.Equal(2, dataset.ClassCount);
        Assert.Equal(["-1", "1"], dataset.ClassNames);
        Assert.Equal([1f, 1f, 0f, 1f], dataset.Labels.ToArray());
    }
}
