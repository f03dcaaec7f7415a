namespace AgentShell.Supervisor.Wire.Postgres;

/// <summary>The last statement a connection sent and the request made of it, for a statement sent
/// again byte for byte (a pool's <c>SELECT 1</c>, an application's fixed query). What a statement
/// is read as depends only on its bytes, the message kind and the reading (encoding, string mode),
/// so the same three give the same request; the policy still decides every statement. PERF: a
/// repeat is neither decoded nor scanned, and allocates nothing. Only text read one way and shown
/// as it is (no byte at or above 0x80) is kept, up to <see cref="MaxBytes"/>.</summary>
internal sealed class StatementMemo
{
    /// <summary>The longest statement text kept.</summary>
    internal const int MaxBytes = 1024;

    private byte[]? _text;
    private int _length;
    private PostgresMessageKind _kind;
    private (LexEncoding, bool) _reading;
    private PostgresRequest? _request;

    /// <summary>The request kept for exactly these bytes of this kind in this reading, or null.</summary>
    internal PostgresRequest? Find(PostgresMessageKind kind, (LexEncoding, bool) reading, ReadOnlySpan<byte> text) =>
        _request != null && kind == _kind && reading == _reading && text.SequenceEqual(_text.AsSpan(0, _length)) ? _request : null;

    /// <summary>Keeps <paramref name="request"/> as what <paramref name="text"/> is (forgets the last one when the text is too long).</summary>
    internal void Keep(PostgresMessageKind kind, (LexEncoding, bool) reading, ReadOnlySpan<byte> text, PostgresRequest request)
    {
        _request = null;
        if (text.Length > MaxBytes) return;
        _text ??= new byte[MaxBytes];
        text.CopyTo(_text);
        (_length, _kind, _reading, _request) = (text.Length, kind, reading, request);
    }
}
