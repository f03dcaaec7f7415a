using System.Buffers;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>Buffered reads of one direction of a connection: whole messages up to a bound are
/// made contiguous for inspection; anything else is passed on in pieces. Robust to any split or
/// coalescing of the peer's writes. Blocking reads for the relay's threads (PERF: a thread blocked
/// in recv wakes once per message; an async read adds a hop through the thread pool, measured at
/// about twice the added latency; and one async call leaves the socket non-blocking for good, so
/// the startup blocks too).</summary>
internal sealed class PgReader
{
    private readonly Stream _stream;
    private byte[] _buf;
    private int _start, _end;
    private readonly int _max;

    /// <param name="stream">The connection.</param>
    /// <param name="prefix">Bytes already read from it (the dispatcher's sniff).</param>
    /// <param name="max">The most this reader holds at once (the largest message it inspects + 5).</param>
    internal PgReader(Stream stream, ReadOnlySpan<byte> prefix, int max)
    {
        _stream = stream;
        _max = max;
        _buf = ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, prefix.Length));
        prefix.CopyTo(_buf);
        _end = prefix.Length;
    }

    /// <summary>Bytes already read and not consumed.</summary>
    internal int Buffered => _end - _start;

    /// <summary>The buffered bytes.</summary>
    internal ReadOnlySpan<byte> Span => _buf.AsSpan(_start, _end - _start);

    /// <summary>Reads until <paramref name="count"/> bytes are buffered (at most the reader's
    /// bound); false at end of stream first. Blocking (see the class's PERF note).</summary>
    internal bool Fill(int count)
    {
        if (!MakeRoom(count)) return true;
        while (_end - _start < count)
        {
            int n = _stream.Read(_buf, _end, _buf.Length - _end);
            if (n == 0) return false;
            _end += n;
        }
        return true;
    }

    /// <summary>False when <paramref name="count"/> bytes are already buffered; else makes room for them.</summary>
    private bool MakeRoom(int count)
    {
        if (count > _max) throw new InvalidOperationException("message above the inspection bound");
        if (_end - _start >= count) return false;
        if (_buf.Length - _start < count)
        {
            // PERF: move the tail to the front; grow only for a message larger than the buffer.
            var target = _buf.Length >= count ? _buf : ArrayPool<byte>.Shared.Rent(Math.Min(_max, Math.Max(count, _buf.Length * 2)));
            Buffer.BlockCopy(_buf, _start, target, 0, _end - _start);
            if (!ReferenceEquals(target, _buf)) ArrayPool<byte>.Shared.Return(_buf);
            _buf = target;
            _end -= _start;
            _start = 0;
        }
        return true;
    }

    /// <summary>Drops <paramref name="count"/> buffered bytes.</summary>
    internal void Consume(int count)
    {
        _start += count;
        if (_start == _end) _start = _end = 0;
    }

    /// <summary>Moves <paramref name="count"/> bytes of the stream to <paramref name="sink"/>
    /// (null: discards them) without holding more than one buffer; false at end of stream first.</summary>
    internal bool Pass(long count, PgWriter? sink)
    {
        while (count > 0)
        {
            if (_end == _start)
            {
                _start = 0;
                _end = _stream.Read(_buf, 0, (int)Math.Min(_buf.Length, Math.Max(count, 4096)));
                if (_end == 0) return false;
            }
            int take = (int)Math.Min(count, _end - _start);
            sink?.Write(_buf.AsSpan(_start, take));
            Consume(take);
            count -= take;
        }
        return true;
    }

    /// <summary>Gives the buffer back.</summary>
    internal void Release()
    {
        var b = _buf;
        _buf = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}

/// <summary>Buffered writes of one direction: messages collect until <see cref="Flush"/>, so
/// pipelined messages leave in one write.</summary>
internal sealed class PgWriter(Stream stream)
{
    private byte[] _buf = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _used;

    /// <summary>Appends bytes; writes through when they do not fit.</summary>
    internal void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length > _buf.Length - _used)
        {
            Flush();
            if (data.Length > _buf.Length) { stream.Write(data); return; }
        }
        data.CopyTo(_buf.AsSpan(_used));
        _used += data.Length;
    }

    /// <summary>Sends what was collected.</summary>
    internal void Flush()
    {
        if (_used == 0) return;
        int n = _used;
        _used = 0;
        stream.Write(_buf, 0, n);
        stream.Flush();
    }

    /// <summary>Gives the buffer back.</summary>
    internal void Release()
    {
        var b = _buf;
        _buf = [];
        _used = 0;
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
