namespace AgentShell.Supervisor.Wire.Http;

/// <summary>The last body-less request a connection sent and what was made of it, for a request
/// head sent again byte for byte (a poll, a health check, a keep-alive client's repeated GET).
/// What a body-less request is read as depends only on its head's bytes and the connection (TLS or
/// not, the server name and port, the run's credential table), so the same bytes give the same
/// head and request; the policy still decides every request. PERF: a repeat is neither parsed nor
/// built again, and allocates nothing. Heads up to <see cref="MaxBytes"/> are kept.</summary>
internal sealed class HttpHeadMemo
{
    /// <summary>The longest head kept.</summary>
    internal const int MaxBytes = 4096;

    private byte[]? _bytes;
    private int _length;
    private Kept? _kept;

    /// <summary>A request head as parsed, its (empty) body, and the request built from them.</summary>
    internal sealed record Kept(HttpRequestHead Head, RequestBody Body, WireRequest Request);

    /// <summary>What was kept for exactly these head bytes, or null.</summary>
    internal Kept? Find(ReadOnlySpan<byte> head) =>
        _kept != null && head.SequenceEqual(_bytes.AsSpan(0, _length)) ? _kept : null;

    /// <summary>Keeps the request made of <paramref name="head"/> when it has no body (anything
    /// else is forgotten: a body is part of what is decided).</summary>
    internal void Keep(ReadOnlySpan<byte> head, HttpRequestHead h, RequestBody body, WireRequest request)
    {
        _kept = null;
        if (head.Length > MaxBytes || h.Framing != BodyFraming.None || body.Length != 0 || !body.Complete) return;
        _bytes ??= new byte[MaxBytes];
        head.CopyTo(_bytes);
        _length = head.Length;
        _kept = new Kept(h, body, request);
    }
}
