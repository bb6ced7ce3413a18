namespace LogitNet.Layers;

/// <summary>
/// A layer's reusable output (or gradient) storage for batches of varying size, so a warm training
/// step allocates nothing.
/// </summary>
/// <remarks>
/// An epoch alternates between the full batch size and one smaller last batch, so the two most
/// recent batch sizes keep a ready tensor view each; any size up to the largest seen reuses the
/// same storage.
/// </remarks>
internal sealed class BatchBuffer
{
    private readonly int[] _sampleShape;
    private readonly int _sampleLength;
    private float[] _storage = [];
    private Tensor? _recent;
    private Tensor? _older;

    public BatchBuffer(ReadOnlySpan<int> sampleShape)
    {
        _sampleShape = sampleShape.ToArray();
        _sampleLength = 1;
        foreach (int size in _sampleShape)
        {
            _sampleLength *= size;
        }
    }

    /// <summary>A tensor of shape <c>[batch, ...sampleShape]</c> over the shared storage; its values are left as they were.</summary>
    public Tensor For(int batch)
    {
        if (_recent is not null && _recent.ShapeSpan[0] == batch)
        {
            return _recent;
        }

        if (_older is not null && _older.ShapeSpan[0] == batch)
        {
            (_recent, _older) = (_older, _recent);
            return _recent;
        }

        long needed = (long)batch * _sampleLength;
        if (needed > Array.MaxLength)
        {
            // The runtime would refuse the array with "Array dimensions exceeded supported range", naming nothing.
            throw new InvalidOperationException(
                $"A batch of {batch:N0} samples needs {needed:N0} values in one buffer here ({_sampleLength:N0} per sample of shape {ShapeText.Format(_sampleShape)}), " +
                $"more than one array can hold ({Array.MaxLength:N0}); use a batch of at most {Array.MaxLength / _sampleLength:N0} samples.");
        }

        if (needed > _storage.Length)
        {
            _storage = new float[needed];
            _recent = null;
            _older = null;
        }

        int[] shape = [batch, .. _sampleShape];
        _older = _recent;
        _recent = Tensor.Wrap(_storage, 0, shape);
        return _recent;
    }
}
