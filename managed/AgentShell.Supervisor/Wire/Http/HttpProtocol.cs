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

    public void Serve(WireSession s)
    {
        var client = new HttpReader(s.Client);
        HttpReader? upstream = null;
        var memo = new HttpHeadMemo();
        string authority = $"{s.ServerName}:{s.Destination.Port}";
        try
        {
            while (true)
            {
                HttpRequestHead h;
                RequestBody body;
                WireRequest request;
                try
                {
                    if (client.ReadHead(HttpRequestHead.MaxHead) is not { } head) return; // done
                    if (memo.Find(head.Span) is { } again) (h, body, request) = again;
                    else
                    {
                        h = HttpRequestHead.Parse(head.Span);
                        if (h.ExpectsContinue && h.Framing != BodyFraming.None) s.Client.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                        body = HttpForward.Read(client, h);
                        request = HttpIntent.Build(h, body, s.ClientTls != null, authority, s.Credentials, s.ClientTls?.ServerName);
                        // A body-less head is still where it was read (no read since); one with a body is not kept.
                        if (h.Framing == BodyFraming.None) memo.Keep(head.Span, h, body, request);
                    }
                }
                catch (HttpFramingException e)
                {
                    Write(s.Client, e.Status, $"agentshell: refused a malformed request: {e.Message}", null, keepAlive: false, head: false);
                    return;
                }
                var verdict = s.Decide(request);
                if (!verdict.Allowed)
                {
                    // Kept open only when the whole body was read: the next request starts where this one ends.
                    bool keep = h.KeepAlive && body.Complete && h.Upgrade == null && h.Method != "CONNECT";
                    Write(s.Client, 403, verdict.Message, verdict.RuleId, keep, h.Method == "HEAD");
                    if (!keep) return;
                    continue;
                }
                if (upstream == null)
                {
                    try { upstream = new HttpReader(s.ConnectUpstream()); }
                    catch (WireUpstreamException e)
                    {
                        string line = $"agentshell: refused {h.Method} to {s.ServerName} ({s.Destination}): {e.Message}";
                        s.Tell(line);
                        s.Log.WriteLine(line);
                        Write(s.Client, 502, line, null, keepAlive: false, h.Method == "HEAD");
                        return;
                    }
                }
                HttpForward.Write(upstream.Stream, h, body, client);
                switch (HttpResponses.Relay(upstream, s.Client, h))
                {
                    case ResponseEnd.KeepAlive:
                        continue;
                    case ResponseEnd.Tunnel:
                        Tunnel(client, upstream);
                        return;
                    default:
                        WireSockets.ShutdownSend(s.Client);
                        return;
                }
            }
        }
        finally
        {
            upstream?.Stream.Dispose();
        }
    }

    /// <summary>After an upgrade or a CONNECT: what each side sent ahead, then bytes both ways.</summary>
    private static void Tunnel(HttpReader client, HttpReader upstream)
    {
        if (!client.Buffered.IsEmpty) upstream.Stream.Write(client.Buffered.Span);
        if (!upstream.Buffered.IsEmpty) client.Stream.Write(upstream.Buffered.Span);
        WireSockets.Pipe(client.Stream, upstream.Stream);
    }

    /// <summary>Our own response: <paramref name="message"/> as a plain-text body, and the rule that
    /// decided in <c>X-AgentShell-Rule</c>.</summary>
    internal static void Write(Stream client, int status, string message, string? rule, bool keepAlive, bool head)
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
        client.Write(all);
        client.Flush();
    }

    private static string Reason(int status) => status switch
    {
        400 => "Bad Request", 403 => "Forbidden", 417 => "Expectation Failed", 431 => "Request Header Fields Too Large",
        501 => "Not Implemented", 502 => "Bad Gateway", 505 => "HTTP Version Not Supported", _ => "Error",
    };
}
