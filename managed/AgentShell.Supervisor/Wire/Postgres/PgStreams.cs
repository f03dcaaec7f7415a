using System.Buffers;

namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>Buffered reads of one direction of a connection: whole messages up to a bound are
/// made contiguous for inspection; anything else is passed on in pieces. Robust to any split or
/// coalescing of the peer's writes.</summary>
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
    /// bound); false at end of stream first.</summary>
    internal async ValueTask<bool> FillAsync(int count, CancellationToken ct)
    {
        if (count > _max) throw new InvalidOperationException("message above the inspection bound");
        if (_end - _start >= count) return true;
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
        while (_end - _start < count)
        {
            int n = await _stream.ReadAsync(_buf.AsMemory(_end), ct).ConfigureAwait(false);
            if (n == 0) return false;
            _end += n;
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
    internal async ValueTask<bool> PassAsync(long count, PgWriter? sink, CancellationToken ct)
    {
        while (count > 0)
        {
            if (_end == _start)
            {
                _start = _end = 0;
                int n = await _stream.ReadAsync(_buf.AsMemory(0, (int)Math.Min(_buf.Length, Math.Max(count, 4096))), ct).ConfigureAwait(false);
                if (n == 0) return false;
                _end = n;
            }
            int take = (int)Math.Min(count, _end - _start);
            if (sink != null) await sink.WriteAsync(_buf.AsMemory(_start, take), ct).ConfigureAwait(false);
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

/// <summary>Buffered writes of one direction: messages collect until <see cref="FlushAsync"/>, so
/// pipelined messages leave in one write.</summary>
internal sealed class PgWriter(Stream stream)
{
    private byte[] _buf = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _used;

    /// <summary>True when nothing waits to be flushed.</summary>
    internal bool IsEmpty => _used == 0;

    /// <summary>Appends bytes; writes through when they do not fit.</summary>
    internal ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (data.Length <= _buf.Length - _used)
        {
            data.Span.CopyTo(_buf.AsSpan(_used));
            _used += data.Length;
            return ValueTask.CompletedTask;
        }
        return WriteSlowAsync(data, ct);
    }

    /// <summary>Appends bytes that must fit the buffer (messages the relay builds).</summary>
    internal void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length > _buf.Length - _used)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_used + data.Length);
            Buffer.BlockCopy(_buf, 0, bigger, 0, _used);
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = bigger;
        }
        data.CopyTo(_buf.AsSpan(_used));
        _used += data.Length;
    }

    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await FlushAsync(ct).ConfigureAwait(false);
        if (data.Length <= _buf.Length) { data.Span.CopyTo(_buf); _used = data.Length; }
        else await stream.WriteAsync(data, ct).ConfigureAwait(false);
    }

    /// <summary>Sends what was collected.</summary>
    internal async ValueTask FlushAsync(CancellationToken ct)
    {
        if (_used == 0) return;
        int n = _used;
        _used = 0;
        await stream.WriteAsync(_buf.AsMemory(0, n), ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
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
