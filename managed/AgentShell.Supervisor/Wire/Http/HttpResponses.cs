using System.Buffers;
using System.Globalization;
using System.Text;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>How a relayed response ended.</summary>
internal enum ResponseEnd
{
    /// <summary>Complete; the connection can carry the next request.</summary>
    KeepAlive,
    /// <summary>Complete, or delimited by the server closing: the connection ends here.</summary>
    Close,
    /// <summary>101 Switching Protocols, or a CONNECT's 2xx: bytes flow both ways from now on.</summary>
    Tunnel,
}

/// <summary>Relays responses from the destination to the client as they come (the response is not
/// decided, only framed, so the next request on the connection is read where it starts): interim
/// 1xx responses, then one final response with its body by Content-Length, chunks, or until the
/// server closes (RFC 9112 §6.3).</summary>
internal static class HttpResponses
{
    private const int MaxHead = 64 * 1024;

    /// <summary>Relays the responses to one request. Throws <see cref="IOException"/> when the
    /// destination ends the connection before a whole response.</summary>
    public static ResponseEnd Relay(HttpReader upstream, Stream client, HttpRequestHead request)
    {
        while (true)
        {
            var head = upstream.ReadHead(MaxHead) ?? throw new IOException("the destination closed the connection without a response");
            var (status, _, length, chunked, close) = Parse(head.Span);
            if (status == 101 || request.Method == "CONNECT" && status is >= 200 and < 300)
            {
                // Bytes go unread only after a switch decided as one (Go's h2c handler switches
                // without the "upgrade" token the request was read for): else the connection ends.
                if (status == 101 && request.Upgrade == null) throw new IOException("the destination switched protocols for a request that asked for no upgrade");
                client.Write(head.Span);
                return ResponseEnd.Tunnel;
            }
            if (status is >= 100 and < 200)
            {
                client.Write(head.Span); // 100 Continue, 103 Early Hints: the final one follows
                continue;
            }
            bool keep = !close;
            bool bodiless = request.Method == "HEAD" || status is 204 or 304;
            if (!bodiless && !chunked && length >= 0)
            {
                // PERF: the head and what of the body is already read go out in one write.
                var first = upstream.Take(length);
                var both = ArrayPool<byte>.Shared.Rent(head.Length + first.Length);
                try
                {
                    head.Span.CopyTo(both);
                    first.CopyTo(both.AsSpan(head.Length));
                    client.Write(both, 0, head.Length + first.Length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(both);
                }
                upstream.Copy(length - first.Length, client);
            }
            else
            {
                client.Write(head.Span);
                if (bodiless) { }
                else if (chunked) RelayChunks(upstream, client);
                else
                {
                    upstream.CopyToEnd(client);
                    keep = false;
                }
            }
            client.Flush();
            return keep && request.KeepAlive ? ResponseEnd.KeepAlive : ResponseEnd.Close;
        }
    }

    private static void RelayChunks(HttpReader upstream, Stream client)
    {
        while (true)
        {
            var line = upstream.ReadLine(4096);
            long size = ChunkSize(line.Span);
            WriteLine(client, line.Span);
            if (size == 0) break;
            upstream.Copy(size + 2, client); // the data and its CRLF
        }
        ReadOnlyMemory<byte> t;
        do
        {
            t = upstream.ReadLine(64 * 1024);
            WriteLine(client, t.Span);
        }
        while (t.Length > 0);
    }

    private static void WriteLine(Stream to, ReadOnlySpan<byte> line)
    {
        var b = new byte[line.Length + 2];
        line.CopyTo(b);
        b[^2] = (byte)'\r';
        b[^1] = (byte)'\n';
        to.Write(b);
    }

    private static long ChunkSize(ReadOnlySpan<byte> line)
    {
        try { return HttpForward.ChunkSize(line); }
        catch (HttpFramingException) { throw new IOException("the destination sent a malformed chunk size"); }
    }

    /// <summary>Status, version and framing of a response head.</summary>
    internal static (int Status, bool Http11, long Length, bool Chunked, bool Close) Parse(ReadOnlySpan<byte> head)
    {
        int eol = head.IndexOf("\r\n"u8);
        var line = head[..eol];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' ' ||
            !int.TryParse(line.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int status))
            throw new IOException("the destination sent a malformed status line");
        bool http11 = line[7] == (byte)'1';
        long length = -1;
        bool chunked = false, close = false, keepAlive = false;
        var rest = head[(eol + 2)..];
        while (true)
        {
            int e = rest.IndexOf("\r\n"u8);
            if (e <= 0) break;
            var h = rest[..e];
            rest = rest[(e + 2)..];
            int colon = h.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = h[..colon];
            // PERF: only the three fields read here are decoded (no string per field of every response).
            var raw = h[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                // Digits only (NumberStyles.None), as bytes: the Latin-1 reading of a digit is the digit.
                if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out long l)) length = l;
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
                chunked = Encoding.Latin1.GetString(raw).Split(',', StringSplitOptions.TrimEntries)[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                foreach (var t in Encoding.Latin1.GetString(raw).Split(',', StringSplitOptions.TrimEntries))
                {
                    if (t.Equals("close", StringComparison.OrdinalIgnoreCase)) close = true;
                    else if (t.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) keepAlive = true;
                }
            }
        }
        if (!http11 && !keepAlive) close = true;
        return (status, http11 || keepAlive, length, chunked, close);
    }
}
