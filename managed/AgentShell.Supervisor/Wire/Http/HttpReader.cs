namespace AgentShell.Supervisor.Wire.Http;

/// <summary>A buffered reader of HTTP/1.1 framing over one direction of a connection: a message
/// head (through the empty line), CRLF lines (chunk sizes, trailers), and body bytes. What it has
/// read ahead stays in its buffer for the next message (pipelining) or an upgraded connection.</summary>
internal sealed class HttpReader(Stream stream)
{
    private byte[] _buf = new byte[16 * 1024];
    private int _start, _end;

    /// <summary>The stream read from.</summary>
    public Stream Stream { get; } = stream;

    /// <summary>Bytes read ahead and not consumed.</summary>
    public ReadOnlyMemory<byte> Buffered => _buf.AsMemory(_start, _end - _start);

    /// <summary>Reads a message head, the empty line included; the slice is valid until the next
    /// read. Null when the stream ends before any byte of a head (a client done with the
    /// connection). Throws <see cref="HttpFramingException"/> past <paramref name="max"/> bytes
    /// (431) and <see cref="IOException"/> when it ends inside a head.</summary>
    public ReadOnlyMemory<byte>? ReadHead(int max)
    {
        int scanned = 0;
        while (true)
        {
            var have = _buf.AsSpan(_start, _end - _start);
            int at = have[Math.Max(0, scanned - 3)..].IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                int len = Math.Max(0, scanned - 3) + at + 4;
                var head = _buf.AsMemory(_start, len);
                _start += len;
                return head;
            }
            scanned = have.Length;
            if (scanned >= max) throw new HttpFramingException(431, "the request head is too large");
            if (Fill() == 0)
            {
                if (_end == _start) return null;
                throw new IOException("the connection ended inside a message head");
            }
        }
    }

    /// <summary>Reads one line ending in CRLF (without it); throws past <paramref name="max"/>
    /// bytes or at the end of the stream.</summary>
    public ReadOnlyMemory<byte> ReadLine(int max)
    {
        while (true)
        {
            int at = _buf.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = _buf.AsMemory(_start, at);
                _start += at + 2;
                return line;
            }
            if (_end - _start >= max) throw new HttpFramingException(400, "a chunk line is too long");
            if (Fill() == 0) throw new IOException("the connection ended inside a chunked body");
        }
    }

    /// <summary>Reads up to <paramref name="into"/>'s length; 0 at the end of the stream.</summary>
    public int Read(Span<byte> into)
    {
        if (_end == _start)
        {
            // PERF: a large read goes straight into the caller's memory.
            if (into.Length >= _buf.Length) return Stream.Read(into);
            if (Fill() == 0) return 0;
        }
        int n = Math.Min(into.Length, _end - _start);
        _buf.AsSpan(_start, n).CopyTo(into);
        _start += n;
        return n;
    }

    /// <summary>Consumes up to <paramref name="max"/> bytes already read ahead, without reading more.</summary>
    public ReadOnlySpan<byte> Take(long max)
    {
        int n = (int)Math.Min(max, _end - _start);
        var taken = _buf.AsSpan(_start, n);
        _start += n;
        return taken;
    }

    /// <summary>Reads exactly <paramref name="into"/>'s length; throws at an early end.</summary>
    public void ReadExactly(Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            int n = Read(into);
            if (n == 0) throw new IOException("the connection ended inside a body");
            into = into[n..];
        }
    }

    /// <summary>Copies exactly <paramref name="count"/> bytes to <paramref name="to"/>.</summary>
    public void Copy(long count, Stream to)
    {
        var tmp = count > 0 ? new byte[(int)Math.Min(count, 64 * 1024)] : [];
        while (count > 0)
        {
            int n = Read(tmp.AsSpan(0, (int)Math.Min(count, tmp.Length)));
            if (n == 0) throw new IOException("the connection ended inside a body");
            to.Write(tmp, 0, n);
            count -= n;
        }
    }

    /// <summary>Copies everything up to the end of the stream to <paramref name="to"/>.</summary>
    public void CopyToEnd(Stream to)
    {
        var tmp = new byte[64 * 1024];
        int n;
        while ((n = Read(tmp)) > 0)
            to.Write(tmp, 0, n);
    }

    private int Fill()
    {
        if (_start > 0 && _start == _end) _start = _end = 0;
        if (_end == _buf.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buf, _buf.Length * 2);
        }
        int n = Stream.Read(_buf, _end, _buf.Length - _end);
        _end += n;
        return n;
    }
}

/// <summary>A message that breaks HTTP/1.1 framing: answered with <see cref="Status"/> and the
/// connection closed (a request whose framing is ambiguous is never forwarded).</summary>
internal sealed class HttpFramingException(int status, string message) : Exception(message)
{
    /// <summary>400, 413, 431, 501 or 505.</summary>
    public int Status { get; } = status;
}
