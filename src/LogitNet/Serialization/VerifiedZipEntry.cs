using System.IO.Compression;
using LogitNet.Data;

namespace LogitNet.Serialization;

/// <summary>
/// Opens a zip entry for reading so that damage cannot pass unseen: the CRC-32 of its content is
/// computed as it is read and compared with the one the archive records once the last byte has been
/// read, and the content may hold neither more nor fewer bytes than the archive says.
/// </summary>
/// <remarks>
/// .NET's zip reader does not compare the checksum of what it reads, and a model's weights are stored
/// uncompressed (so no deflate check catches a changed byte either): before this, a flipped bit in a
/// weight loaded silently and changed the model's predictions. The check runs inside the read that
/// delivers the last byte, so a reader that consumes exactly the entry's length (as SafeTensors does)
/// is refused before it returns what it read.
/// </remarks>
internal static class VerifiedZipEntry
{
    /// <summary>The largest compression ratio deflate can reach; bounds what a small file may claim to hold.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>
    /// The most content <paramref name="entry"/> can really hold: its recorded length, but no more than
    /// deflate could expand its compressed bytes to, and those no more than the archive's own length.
    /// </summary>
    /// <remarks>
    /// Both sizes come from the archive's directory, which a crafted file may fill with anything (zip64
    /// fields reach 2^64); only the archive's length on disk is a fact. Checked before anything is
    /// allocated for the entry, this keeps a small file from making the loader build a huge model.
    /// </remarks>
    public static long MostContent(ZipArchiveEntry entry, long archiveLength) =>
        Math.Min(entry.Length, Math.Min(entry.CompressedLength, archiveLength) * MaxDeflateRatio);

    /// <summary>Opens <paramref name="entry"/> of the archive <paramref name="file"/>; faults name both.</summary>
    public static Stream Open(ZipArchiveEntry entry, string file) => new Reader(entry.Open(), entry, file);

    private sealed class Reader(Stream inner, ZipArchiveEntry entry, string file) : Stream
    {
        private readonly long _length = entry.Length;
        private readonly uint _expected = entry.Crc32;
        private uint _running = Crc32.Initial;
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _running = Crc32.Append(_running, buffer[..n]);
            _read += n;
            if (_read > _length)
            {
                throw new DataFormatException(
                    $"The entry holds more than the {_length} bytes the archive records for it. The file is damaged.", file, entry.FullName, _length);
            }

            if (n == 0 && _read < _length)
            {
                throw new DataFormatException(
                    $"The entry ends after {_read} of the {_length} bytes the archive records for it. The file is truncated or damaged.", file, entry.FullName, _read);
            }

            if (_read == _length && (n > 0 || _length == 0))
            {
                uint actual = Crc32.Finish(_running);
                if (actual != _expected)
                {
                    throw new DataFormatException(
                        $"The content's CRC-32 is {actual:X8} but the archive records {_expected:X8}: the bytes were changed after the file was written (a damaged copy or disk). Restore the file from a good copy.",
                        file, entry.FullName);
                }
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
