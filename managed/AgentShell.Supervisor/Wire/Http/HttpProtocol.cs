using System.Globalization;
using System.Text;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>HTTP/1.1 at the wire (RFC 9112 framing read here, over the client's stream and the
/// destination's): each request on a connection is read, its body read for the decision, decided
/// (<see cref="HttpIntent"/>), then forwarded and its response relayed, or answered 403 naming the
/// rule. Keep-alive connections are decided request by request; <c>Expect: 100-continue</c> is
/// answered here (the body is needed to decide); an upgrade (WebSocket) or a CONNECT is decided
/// on its request and then piped. The destination is connected at the first allowed request.</summary>
internal sealed class HttpProtocol : IWireProtocol
{
    public WireProtocolName Name => WireProtocolName.Http;

    /// <summary>A request line's start: an upper-case method, a space, and a target's first
    /// character ('/', an absolute URI, '*', or CONNECT's authority).</summary>
    public WireSniff Recognise(ReadOnlySpan<byte> first)
    {
        int i = 0;
        while (i < first.Length && i < 20 && first[i] is >= (byte)'A' and <= (byte)'Z') i++;
        if (i == first.Length) return i < 20 ? WireSniff.NeedMore : WireSniff.No;
        if (i < 3 || first[i] != (byte)' ') return WireSniff.No;
        if (i + 1 == first.Length) return WireSniff.NeedMore;
        byte t = first[i + 1];
        if (t is (byte)'/' or (byte)'*' or (byte)'h' or (byte)'H') return WireSniff.Yes;
        return first[..i].SequenceEqual("CONNECT"u8) && t > 0x20 && t < 0x7f ? WireSniff.Yes : WireSniff.No;
    }

    public async Task ServeAsync(WireSession s, CancellationToken ct)
    {
        var client = new HttpReader(s.Client);
        HttpReader? upstream = null;
        try
        {
            while (true)
            {
                HttpRequestHead h;
                RequestBody body;
                try
                {
                    if (await client.ReadHeadAsync(HttpRequestHead.MaxHead, ct).ConfigureAwait(false) is not { } head) return; // done
                    h = HttpRequestHead.Parse(head.Span);
                    if (h.ExpectsContinue) await s.Client.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
                    body = await HttpForward.ReadAsync(client, h, ct).ConfigureAwait(false);
                }
                catch (HttpFramingException e)
                {
                    await WriteAsync(s.Client, e.Status, $"agentshell: refused a malformed request: {e.Message}", null, keepAlive: false, head: false, ct).ConfigureAwait(false);
                    return;
                }
                var request = HttpIntent.Build(h, body, s.ClientTls != null, $"{s.ServerName}:{s.Destination.Port}");
                var verdict = await s.DecideAsync(request, ct).ConfigureAwait(false);
                if (!verdict.Allowed)
                {
                    // Kept open only when the whole body was read: the next request starts where this one ends.
                    bool keep = h.KeepAlive && body.Complete && h.Upgrade == null && h.Method != "CONNECT";
                    await WriteAsync(s.Client, 403, verdict.Message, verdict.RuleId, keep, h.Method == "HEAD", ct).ConfigureAwait(false);
                    if (!keep) return;
                    continue;
                }
                if (upstream == null)
                {
                    try { upstream = new HttpReader(await s.ConnectUpstreamAsync(ct).ConfigureAwait(false)); }
                    catch (WireUpstreamException e)
                    {
                        string line = $"agentshell: refused {h.Method} to {s.ServerName} ({s.Destination}): {e.Message}";
                        s.Tell(line);
                        s.Log.WriteLine(line);
                        await WriteAsync(s.Client, 502, line, null, keepAlive: false, h.Method == "HEAD", ct).ConfigureAwait(false);
                        return;
                    }
                }
                await HttpForward.WriteAsync(upstream.Stream, h, body, client, ct).ConfigureAwait(false);
                switch (await HttpResponses.RelayAsync(upstream, s.Client, h, ct).ConfigureAwait(false))
                {
                    case ResponseEnd.KeepAlive:
                        continue;
                    case ResponseEnd.Tunnel:
                        await TunnelAsync(client, upstream, ct).ConfigureAwait(false);
                        return;
                    default:
                        WireSockets.ShutdownSend(s.Client);
                        return;
                }
            }
        }
        finally
        {
            if (upstream != null) await upstream.Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>After an upgrade or a CONNECT: what each side sent ahead, then bytes both ways.</summary>
    private static async Task TunnelAsync(HttpReader client, HttpReader upstream, CancellationToken ct)
    {
        if (!client.Buffered.IsEmpty) await upstream.Stream.WriteAsync(client.Buffered, ct).ConfigureAwait(false);
        if (!upstream.Buffered.IsEmpty) await client.Stream.WriteAsync(upstream.Buffered, ct).ConfigureAwait(false);
        await WireSockets.PipeAsync(client.Stream, upstream.Stream, ct).ConfigureAwait(false);
    }

    /// <summary>Our own response: <paramref name="message"/> as a plain-text body, and the rule that
    /// decided in <c>X-AgentShell-Rule</c>.</summary>
    internal static async Task WriteAsync(Stream client, int status, string message, string? rule, bool keepAlive, bool head, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(message + "\n");
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n");
        sb.Append("Content-Type: text/plain; charset=utf-8\r\n");
        sb.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (rule != null) sb.Append("X-AgentShell-Rule: ").Append(rule).Append("\r\n");
        sb.Append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n").Append("\r\n");
        var headBytes = Encoding.UTF8.GetBytes(sb.ToString());
        var all = new byte[headBytes.Length + (head ? 0 : body.Length)];
        headBytes.CopyTo(all, 0);
        if (!head) body.CopyTo(all, headBytes.Length);
        await client.WriteAsync(all, ct).ConfigureAwait(false);
        await client.FlushAsync(ct).ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request", 403 => "Forbidden", 417 => "Expectation Failed", 431 => "Request Header Fields Too Large",
        501 => "Not Implemented", 502 => "Bad Gateway", 505 => "HTTP Version Not Supported", _ => "Error",
    };
}
