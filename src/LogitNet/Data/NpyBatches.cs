using System.Collections;
using System.IO.MemoryMappedFiles;

namespace LogitNet.Data;

/// <summary>
/// Training batches read from a pair of <c>.npy</c> files (inputs and targets) through memory
/// mapping, for data larger than memory: pass it to <c>Sequential.FitBatches(batches, ...)</c>. Only the
/// rows of the current batch are touched; the operating system pages the files in and out.
/// </summary>
/// <remarks>
/// <para>
/// Each enumeration is one epoch. With <c>shuffle</c>, every epoch visits the rows in a new order
/// drawn from a generator seeded by <c>seed</c>, whose stream continues from one epoch to the next,
/// so the sequence of epochs is the same run after run; without it, rows come in file order. The
/// last batch of an epoch may be smaller. The order costs 4 bytes of memory per row.
/// </para>
/// <para>
/// The files must be C-order arrays with one sample per row along the first axis, of the same number
/// of rows, little-endian float32, float64, int32, int64 or uint8 (converted to float32 as
/// <see cref="Npy.Read(string, long)"/> converts them; uint8 is not rescaled). The tensors an
/// enumeration yields are reused from batch to batch: copy one to keep it past the next step.
/// Dispose the object to unmap the files.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// // x.npy: float32 [1_000_000, 784], y.npy: class ids [1_000_000]; neither is loaded whole.
/// using var batches = new NpyBatches("x.npy", "y.npy", batchSize: 64, shuffle: true, seed: 1);
/// model.FitBatches(batches, epochs: 5);
/// </code>
/// </example>
public sealed class NpyBatches : IEnumerable<(Tensor X, Tensor Y)>, IDisposable
{
    private readonly MappedArray _x;
    private readonly MappedArray _y;
    private readonly RandomSource _shuffler;
    private bool _disposed;

    /// <summary>Opens and maps the two files.</summary>
    /// <param name="xPath">The inputs, <c>[samples, ...features]</c>.</param>
    /// <param name="yPath">The targets, <c>[samples, ...]</c>, in the form the loss expects.</param>
    /// <param name="batchSize">Rows per batch; positive.</param>
    /// <param name="shuffle">Whether each epoch visits the rows in a new seeded order.</param>
    /// <param name="seed">The seed of the shuffling.</param>
    /// <exception cref="ArgumentException">A path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="DataFormatException">A file is not a supported <c>.npy</c>, is shorter than its header says, or the row counts differ.</exception>
    public NpyBatches(string xPath, string yPath, int batchSize = 32, bool shuffle = true, long seed = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(xPath);
        ArgumentException.ThrowIfNullOrEmpty(yPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _x = MappedArray.Open(xPath);
        try
        {
            _y = MappedArray.Open(yPath);
        }
        catch
        {
            _x.Dispose();
            throw;
        }

        if (_x.Rows != _y.Rows || _x.Shape.Length < 2)
        {
            _x.Dispose();
            _y.Dispose();
            throw _x.Shape.Length < 2
                ? new DataFormatException($"the inputs have shape {ShapeText.Format(_x.Shape)}; expected one sample per row, [samples, features, ...].", xPath, "header 'shape'", 0)
                : new DataFormatException($"the inputs have {_x.Rows} rows and the targets ({yPath}) {_y.Rows}; expected one target row per sample.", xPath, "header 'shape'", 0);
        }

        BatchSize = batchSize;
        Shuffle = shuffle;
        _shuffler = new RandomSource(unchecked((seed * 31) + 7));
    }

    /// <summary>The number of samples (rows).</summary>
    public int Samples => _x.Rows;

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether epochs are shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Batches per epoch (the last may be smaller).</summary>
    public int BatchesPerEpoch => (Samples + BatchSize - 1) / BatchSize;

    /// <summary>The shape of one input sample.</summary>
    public int[] SampleShape => _x.Shape[1..];

    /// <summary>The shape of one target row (empty for class ids <c>[samples]</c>).</summary>
    public int[] TargetShape => _y.Shape[1..];

    /// <summary>One epoch of batches, in a new order when shuffling.</summary>
    /// <returns>The batches; each yielded tensor is reused for the next batch.</returns>
    /// <exception cref="ObjectDisposedException">The object was disposed.</exception>
    public IEnumerator<(Tensor X, Tensor Y)> GetEnumerator()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int[] order = Enumerable.Range(0, Samples).ToArray();
        if (Shuffle)
        {
            // The model's own in-memory shuffle (Fisher–Yates from the end), so equal seeds give equal orders.
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = _shuffler.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        return Batches(order);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Unmaps the files.</summary>
    public void Dispose()
    {
        _disposed = true;
        _x.Dispose();
        _y.Dispose();
    }

    private IEnumerator<(Tensor X, Tensor Y)> Batches(int[] order)
    {
        Tensor? xFull = null, yFull = null;
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int count = Math.Min(BatchSize, order.Length - start);
            if (count == BatchSize)
            {
                xFull ??= Tensor.Zeros([BatchSize, .. _x.Shape[1..]]);
                yFull ??= Tensor.Zeros([BatchSize, .. _y.Shape[1..]]);
            }

            Tensor x = count == BatchSize ? xFull! : Tensor.Zeros([count, .. _x.Shape[1..]]);
            Tensor y = count == BatchSize ? yFull! : Tensor.Zeros([count, .. _y.Shape[1..]]);
            ReadOnlySpan<int> rows = order.AsSpan(start, count);
            _x.ReadRows(rows, x.AsSpan());
            _y.ReadRows(rows, y.AsSpan());
            yield return (x, y);
        }
    }

    /// <summary>One mapped <c>.npy</c> array: its layout and a reader of whole rows.</summary>
    private sealed class MappedArray : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private readonly long _dataOffset;
        private readonly int _itemSize;
        private readonly ElementConverter _convert;
        private readonly int _rowLength;
        private readonly byte[] _scratch;

        private MappedArray(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, long dataOffset, int itemSize, ElementConverter convert, int[] shape)
        {
            Path = path;
            _file = file;
            _view = view;
            _dataOffset = dataOffset;
            _itemSize = itemSize;
            _convert = convert;
            Shape = shape;
            _rowLength = 1;
            for (int i = 1; i < shape.Length; i++)
            {
                _rowLength *= shape[i];
            }

            _scratch = new byte[Math.Max(1, _rowLength * itemSize)];
        }

        public string Path { get; }

        public int[] Shape { get; }

        public int Rows => Shape.Length == 0 ? 1 : Shape[0];

        public static MappedArray Open(string path)
        {
            (long dataOffset, int itemSize, ElementConverter convert, int[] shape) = ReadLayout(path, out long fileLength);
            long rowBytes = (long)itemSize * shape.Skip(1).Aggregate(1L, (a, d) => a * d);
            long needed = dataOffset + (rowBytes * (shape.Length == 0 ? 1 : shape[0]));
            if (fileLength < needed)
            {
                throw new DataFormatException($"the header's shape {ShapeText.Format(shape)} needs {needed} bytes but the file has {fileLength}. The file is truncated.", path, "data", fileLength);
            }

            MemoryMappedFile file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            try
            {
                MemoryMappedViewAccessor view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return new MappedArray(path, file, view, dataOffset, itemSize, convert, shape);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        /// <summary>Copies the given rows, converted to float32, into <paramref name="destination"/> back to back.</summary>
        public void ReadRows(ReadOnlySpan<int> rows, Span<float> destination)
        {
            int rowBytes = _rowLength * _itemSize;
            for (int r = 0; r < rows.Length; r++)
            {
                _view.ReadArray(_dataOffset + ((long)rows[r] * rowBytes), _scratch, 0, rowBytes);
                _convert(_scratch.AsSpan(0, rowBytes), destination.Slice(r * _rowLength, _rowLength));
            }
        }

        public void Dispose()
        {
            _view.Dispose();
            _file.Dispose();
        }

        private static (long DataOffset, int ItemSize, ElementConverter Convert, int[] Shape) ReadLayout(string path, out long fileLength)
        {
            using DataSource source = DataSource.OpenFile(path);
            if (source.IsGzip)
            {
                throw new DataFormatException("the file is gzip-compressed; NpyBatches maps the file into memory and needs it plain. Decompress it first (gunzip).", path, "magic string", 0);
            }

            fileLength = source.Remaining ?? 0;
            (NpyHeader header, long headerStart) = NpyHeader.Read(source);
            if (header.Shape.Length is 0 or > Tensor.MaxRank || header.Shape.Any(d => d > int.MaxValue) || (header.FortranOrder && header.Shape.Length > 1))
            {
                throw new DataFormatException(
                    $"the array's shape ({string.Join(", ", header.Shape)}) or order does not fit: expected 1 to {Tensor.MaxRank} axes in C order, each below 2^31.",
                    path, "header 'shape'", headerStart);
            }

            (int itemSize, ElementConverter? convert) = header.Descr switch
            {
                "<f4" => (4, ElementConverters.For<float>(bigEndian: false)),
                "<f8" => (8, ElementConverters.For<double>(bigEndian: false)),
                "<i4" => (4, ElementConverters.For<int>(bigEndian: false)),
                "<i8" => (8, ElementConverters.For<long>(bigEndian: false)),
                "|u1" => (1, ElementConverters.For<byte>(bigEndian: false)),
                _ => (0, null),
            };
            if (convert is null)
            {
                throw new DataFormatException(
                    $"the dtype '{header.Descr}' cannot be mapped; NpyBatches reads little-endian float32, float64, int32, int64 and uint8. Convert it in numpy, e.g. a.astype('<f4').",
                    path, "header 'descr'", headerStart);
            }

            long rowLength = header.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
            if (rowLength * itemSize > int.MaxValue)
            {
                throw new DataFormatException($"one row holds {rowLength} values; NpyBatches reads rows of less than 2 GB.", path, "header 'shape'", headerStart);
            }

            return (source.Position, itemSize, convert, Array.ConvertAll(header.Shape, d => (int)d));
        }
    }
}
