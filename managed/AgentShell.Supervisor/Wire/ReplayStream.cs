namespace AgentShell.Supervisor.Wire;

/// <summary>A stream that first yields bytes already read from <see cref="Inner"/> (what the
/// dispatcher sniffed), then reads on from it. Writes go straight to it.</summary>
internal sealed class ReplayStream(Stream inner, ReadOnlyMemory<byte> prefix) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    /// <summary>The stream read on from.</summary>
    public Stream Inner { get; } = inner;

    /// <summary>The bytes yielded first, as given (whether or not read yet).</summary>
    public ReadOnlyMemory<byte> Prefix { get; } = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => Inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty) return Inner.Read(buffer);
        int n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_prefix.IsEmpty) return Inner.ReadAsync(buffer, ct);
        return new ValueTask<int>(Read(buffer.Span));
    }

    public override bool CanTimeout => Inner.CanTimeout;
    public override int ReadTimeout { get => Inner.ReadTimeout; set => Inner.ReadTimeout = value; }
    public override int WriteTimeout { get => Inner.WriteTimeout; set => Inner.WriteTimeout = value; }

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => Inner.Write(buffer);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Inner.WriteAsync(buffer, offset, count, ct);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => Inner.WriteAsync(buffer, ct);
    public override void Flush() => Inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => Inner.FlushAsync(ct);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => Inner.DisposeAsync();
}
