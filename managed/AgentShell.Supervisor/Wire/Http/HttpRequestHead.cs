using System.Text;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>How a request's body is framed (RFC 9112 §6).</summary>
internal enum BodyFraming { None, Length, Chunked }

/// <summary>One request's line and header fields, parsed strictly (RFC 9112): anything a server
/// might read differently from us — a second Content-Length, Content-Length with
/// Transfer-Encoding, a coding other than chunked, whitespace before a colon, an obs-fold, a bare
/// CR or LF, a NUL — is refused with 400 rather than forwarded, so the destination never sees a
/// request other than the one decided. The framing we forward is written by us
/// (<see cref="HttpForward"/>), not copied.</summary>
internal sealed class HttpRequestHead
{
    /// <summary>The largest request head read.</summary>
    internal const int MaxHead = 64 * 1024;

    public required string Method { get; init; }
    /// <summary>The request-target as sent (origin-form "/p?q", absolute-form, authority-form, "*").</summary>
    public required string Target { get; init; }
    /// <summary>"HTTP/1.1" or "HTTP/1.0".</summary>
    public required string Version { get; init; }
    /// <summary>Header fields in order (names as sent).</summary>
    public required List<(string Name, string Value)> Headers { get; init; }
    public BodyFraming Framing { get; init; }
    public long ContentLength { get; init; }
    /// <summary>The client asked for a 100 Continue before sending its body.</summary>
    public bool ExpectsContinue { get; init; }
    /// <summary>The client keeps the connection open after this request.</summary>
    public bool KeepAlive { get; init; }
    /// <summary>The protocol the client asks to switch to (Upgrade with Connection: upgrade), or null.</summary>
    public string? Upgrade { get; init; }

    /// <summary>The first value of header <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (n, v) in Headers) if (n.Equals(name, StringComparison.OrdinalIgnoreCase)) return v;
        return null;
    }

    /// <summary>Parses a head ending in the empty line; throws <see cref="HttpFramingException"/>.</summary>
    public static HttpRequestHead Parse(ReadOnlySpan<byte> head)
    {
        while (head.StartsWith("\r\n"u8)) head = head[2..]; // RFC 9112 §2.2: empty lines before a request are ignored
        int eol = head.IndexOf("\r\n"u8);
        if (eol <= 0) throw Bad("no request line");
        var line = head[..eol];
        int sp1 = line.IndexOf((byte)' ');
        int sp2 = sp1 < 0 ? -1 : line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp1 <= 0 || sp2 <= 0) throw Bad("a malformed request line");
        sp2 += sp1 + 1;
        var method = line[..sp1];
        var target = line[(sp1 + 1)..sp2];
        var version = line[(sp2 + 1)..];
        if (!IsToken(method)) throw Bad("a malformed method");
        if (target.IndexOfAnyInRange((byte)0, (byte)0x20) >= 0 || target.Contains((byte)0x7f)) throw Bad("a malformed request target");
        if (!version.SequenceEqual("HTTP/1.1"u8) && !version.SequenceEqual("HTTP/1.0"u8))
            throw new HttpFramingException(version.StartsWith("HTTP/"u8) ? 505 : 400, "an HTTP version other than 1.0 or 1.1");

        var headers = new List<(string, string)>();
        var rest = head[(eol + 2)..];
        string? te = null, host = null, upgrade = null;
        long length = -1;
        bool close = false, keepAlive = false, connectionUpgrade = false, expect = false;
        while (true)
        {
            int e = rest.IndexOf("\r\n"u8);
            if (e < 0) throw Bad("a header line without CRLF");
            if (e == 0) break;
            var h = rest[..e];
            rest = rest[(e + 2)..];
            if (h[0] is (byte)' ' or (byte)'\t') throw Bad("a folded header line (obs-fold)");
            int colon = h.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(h[..colon])) throw Bad("a malformed header name");
            var rawValue = h[(colon + 1)..];
            if (rawValue.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0) throw Bad("a control character in a header value");
            string name = FieldName(h[..colon]);
            string value = Encoding.Latin1.GetString(rawValue.Trim(" \t"u8));
            headers.Add((name, value));
            switch (Known(h[..colon]))
            {
                case "content-length":
                    if (value.Length == 0 || value.Length > 18 || !value.All(char.IsAsciiDigit)) throw Bad("a malformed Content-Length");
                    long l = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    if (length >= 0 && l != length) throw Bad("two different Content-Length values");
                    length = l;
                    break;
                case "transfer-encoding":
                    te = te == null ? value : te + "," + value;
                    break;
                case "host":
                    if (host != null) throw Bad("two Host header fields");
                    // RFC 9110 §7.2: uri-host [":" port]. A '/', '?' or '#' in it moved the URL the
                    // decision read ("Host: h/x" put the target under /x, past a rule's Paths)
                    // while the server routes on the target as sent (RFC 9112 §3.2: 400).
                    if (!IsAuthority(value)) throw Bad("a malformed Host field");
                    host = value;
                    break;
                case "connection":
                    foreach (var t in value.Split(',', StringSplitOptions.TrimEntries))
                    {
                        if (t.Equals("close", StringComparison.OrdinalIgnoreCase)) close = true;
                        else if (t.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) keepAlive = true;
                        else if (t.Equals("upgrade", StringComparison.OrdinalIgnoreCase)) connectionUpgrade = true;
                    }
                    break;
                case "upgrade":
                    upgrade = value;
                    break;
                case "expect":
                    if (value.Equals("100-continue", StringComparison.OrdinalIgnoreCase)) expect = true;
                    else throw new HttpFramingException(417, $"an expectation other than 100-continue ({value})");
                    break;
            }
        }
        bool http11 = version[7] == (byte)'1';
        if (http11 && host == null) throw Bad("no Host header field (HTTP/1.1 requires one)");
        var framing = BodyFraming.None;
        if (te != null)
        {
            if (!http11) throw Bad("Transfer-Encoding in an HTTP/1.0 request");
            if (length >= 0) throw Bad("both Content-Length and Transfer-Encoding");
            if (!te.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
                throw new HttpFramingException(501, $"a transfer coding other than chunked ({te})");
            framing = BodyFraming.Chunked;
        }
        else if (length > 0) framing = BodyFraming.Length;
        return new HttpRequestHead
        {
            Method = MethodName(method), Target = Encoding.Latin1.GetString(target), Version = http11 ? "HTTP/1.1" : "HTTP/1.0",
            Headers = headers, Framing = framing, ContentLength = Math.Max(0, length), ExpectsContinue = expect && http11,
            KeepAlive = http11 ? !close : keepAlive && !close,
            Upgrade = connectionUpgrade && upgrade is { Length: > 0 } ? upgrade : null,
        };
    }

    // PERF: the common methods and field names as shared strings, not one copy per request.
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    private static readonly string[] Names = ["Host", "User-Agent", "Accept", "Content-Type", "Content-Length", "Authorization", "Connection",
        "Accept-Encoding", "Accept-Language", "Cookie", "Transfer-Encoding", "Expect", "Upgrade"];

    /// <summary>The field names <see cref="Parse"/> acts on, lower-cased, whatever their case on the wire; null for any other.</summary>
    private static readonly string[] Acted = ["content-length", "transfer-encoding", "host", "connection", "upgrade", "expect"];

    private static string MethodName(ReadOnlySpan<byte> m)
    {
        foreach (var known in Methods) if (Ascii.Equals(m, known)) return known;
        return Encoding.ASCII.GetString(m);
    }

    // A field name as sent (its case kept: it is forwarded as it came).
    private static string FieldName(ReadOnlySpan<byte> n)
    {
        foreach (var known in Names) if (Ascii.Equals(n, known)) return known;
        return Encoding.ASCII.GetString(n);
    }

    private static string? Known(ReadOnlySpan<byte> n)
    {
        foreach (var known in Acted) if (Ascii.EqualsIgnoreCase(n, known)) return known;
        return null;
    }

    // tchar (RFC 9110 §5.6.2).
    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (byte b in s)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9') continue;
            if ("!#$%&'*+-.^_`|~"u8.IndexOf(b) < 0) return false;
        }
        return true;
    }

    // reg-name, IP-literal or IPv4 address, and an optional port: unreserved, pct-encoded, sub-delims, ':', '[', ']'.
    private static bool IsAuthority(string v)
    {
        foreach (char c in v)
        {
            if (char.IsAsciiLetterOrDigit(c)) continue;
            if ("-._~%!$&'()*+,;=:[]".IndexOf(c) < 0) return false;
        }
        return true;
    }

    private static HttpFramingException Bad(string what) => new(400, $"the request has {what}");
}
