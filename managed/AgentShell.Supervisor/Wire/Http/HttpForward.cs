using System.Buffers;
using System.Globalization;
using System.Text;

namespace AgentShell.Supervisor.Wire.Http;

/// <summary>A request body as far as it was read before deciding: all of it, or its first
/// <see cref="HttpForward.DecisionBytes"/> and where its framing stands.</summary>
internal sealed class RequestBody
{
    /// <summary>The body bytes read (de-chunked).</summary>
    public byte[] Data { get; set; } = [];
    public int Length { get; set; }
    /// <summary>True when <see cref="Data"/> is the whole body.</summary>
    public bool Complete { get; set; } = true;
    /// <summary>Incomplete: bytes left of the Content-Length body, or of the current chunk.</summary>
    public long Remaining { get; set; }
    public ReadOnlySpan<byte> Span => Data.AsSpan(0, Length);
}

/// <summary>Reads request bodies for the decision and forwards requests with framing written
/// here: Content-Length for a body read whole, otherwise the client's own framing, re-encoded
/// chunk by chunk for a chunked body. Hop-by-hop framing fields of the client's are not copied,
/// and neither are a chunked body's trailer fields (RFC 9110 §6.5.1 lets a recipient that removes
/// the chunked coding discard them): they come after the decision and were copied as sent, so a
/// bare LF in one ended the message early for a lenient server (Node's insecureHTTPParser, Go's
/// textproto) and what followed it was a second request nobody decided.</summary>
internal static class HttpForward
{
    /// <summary>How much of a body is read before deciding (a GraphQL document is far smaller).</summary>
    internal const int DecisionBytes = 1024 * 1024;

    private const int MaxChunkLine = 4096;

    /// <summary>Reads the body of <paramref name="h"/> from <paramref name="client"/>, up to <see cref="DecisionBytes"/>.</summary>
    public static RequestBody Read(HttpReader client, HttpRequestHead h)
    {
        var b = new RequestBody();
        if (h.Framing == BodyFraming.Length)
        {
            int take = (int)Math.Min(h.ContentLength, DecisionBytes);
            b.Data = new byte[take];
            client.ReadExactly(b.Data);
            b.Length = take;
            b.Remaining = h.ContentLength - take;
            b.Complete = b.Remaining == 0;
        }
        else if (h.Framing == BodyFraming.Chunked)
        {
            var data = new MemoryStream();
            while (true)
            {
                long size = ChunkSize(client.ReadLine(MaxChunkLine).Span);
                if (size == 0)
                {
                    SkipTrailers(client);
                    break;
                }
                int take = (int)Math.Min(size, DecisionBytes - data.Length);
                var tmp = new byte[take];
                client.ReadExactly(tmp);
                data.Write(tmp);
                if (take < size)
                {
                    b.Complete = false;
                    b.Remaining = size - take;
                    break;
                }
                ExpectCrlf(client);
            }
            b.Data = data.GetBuffer();
            b.Length = (int)data.Length;
        }
        return b;
    }

    /// <summary>Writes the request to <paramref name="upstream"/>: its line and fields, our framing,
    /// the body read, and (for an incomplete body) the rest of it from <paramref name="client"/>.</summary>
    public static void Write(Stream upstream, HttpRequestHead h, RequestBody b, HttpReader client)
    {
        bool chunked = h.Framing == BodyFraming.Chunked && !b.Complete;
        long? length = chunked ? null : h.Framing == BodyFraming.Length ? h.ContentLength
            : h.Framing == BodyFraming.Chunked || h.Header("Content-Length") != null ? b.Length : null;
        // PERF: one write for the head and a body read whole, from a pooled buffer (no string of the head).
        int headLen = HeadBytes(h, chunked, length, []);
        var buf = ArrayPool<byte>.Shared.Rent(headLen + (chunked ? 0 : b.Length));
        try
        {
            HeadBytes(h, chunked, length, buf);
            if (!chunked) b.Span.CopyTo(buf.AsSpan(headLen));
            upstream.Write(buf, 0, headLen + (chunked ? 0 : b.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
        if (!chunked)
        {
            if (b.Remaining > 0) client.Copy(b.Remaining, upstream);
            upstream.Flush();
            return;
        }
        // Chunked: what was read as one chunk, the rest of the current chunk, then the client's
        // remaining chunks one by one, each re-framed here.
        if (b.Length > 0) WriteChunk(upstream, b.Span);
        if (!b.Complete)
        {
            long size = b.Remaining;
            while (size > 0)
            {
                upstream.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                client.Copy(size, upstream);
                upstream.Write("\r\n"u8);
                ExpectCrlf(client);
                size = ChunkSize(client.ReadLine(MaxChunkLine).Span);
            }
            SkipTrailers(client);
        }
        upstream.Write("0\r\n\r\n"u8);
        upstream.Flush();
    }

    /// <summary>Reads a chunked body's trailer section through its empty line and forgets it; at
    /// most <see cref="HttpRequestHead.MaxHead"/> bytes of it (a client sending trailer lines
    /// without end is refused, not buffered).</summary>
    private static void SkipTrailers(HttpReader client)
    {
        int total = 0;
        ReadOnlyMemory<byte> t;
        while ((t = client.ReadLine(MaxChunkLine)).Length > 0)
            if ((total += t.Length + 2) > HttpRequestHead.MaxHead) throw new HttpFramingException(431, "the request's trailer section is too large");
    }

    /// <summary>The request head as forwarded, in Latin-1: its line, the client's fields but its
    /// framing ones, our framing (chunked, or <paramref name="length"/>), the empty line. Writes into
    /// <paramref name="into"/> when it is not empty; returns the length either way.</summary>
    private static int HeadBytes(HttpRequestHead h, bool chunked, long? length, Span<byte> into)
    {
        int n = 0;
        void Put(ReadOnlySpan<char> text, Span<byte> dest)
        {
            if (!dest.IsEmpty) Encoding.Latin1.GetBytes(text, dest[n..]);
            n += text.Length; // Latin-1: one byte per character
        }
        Put(h.Method, into); Put(" ", into); Put(h.Target, into); Put(" ", into); Put(h.Version, into); Put("\r\n", into);
        foreach (var (name, value) in h.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Expect", StringComparison.OrdinalIgnoreCase)) continue;
            Put(name, into); Put(": ", into); Put(value, into); Put("\r\n", into);
        }
        if (chunked) Put("Transfer-Encoding: chunked\r\n", into);
        else if (length is long l)
        {
            Span<char> digits = stackalloc char[20];
            l.TryFormat(digits, out int d, default, CultureInfo.InvariantCulture);
            Put("Content-Length: ", into); Put(digits[..d], into); Put("\r\n", into);
        }
        Put("\r\n", into);
        return n;
    }

    private static void WriteChunk(Stream to, ReadOnlySpan<byte> data)
    {
        to.Write(Encoding.ASCII.GetBytes(data.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
        to.Write(data);
        to.Write("\r\n"u8);
    }

    private static void ExpectCrlf(HttpReader r)
    {
        if (r.ReadLine(2).Length != 0) throw new HttpFramingException(400, "the request has a chunk not followed by CRLF");
    }

    /// <summary>The size of a chunk line ("1a;ext=v"); throws on anything else.</summary>
    internal static long ChunkSize(ReadOnlySpan<byte> line)
    {
        int semi = line.IndexOf((byte)';');
        var hex = (semi >= 0 ? line[..semi] : line).TrimEnd(" \t"u8);
        if (hex.IsEmpty || hex.Length > 15) throw new HttpFramingException(400, "the request has a malformed chunk size");
        long size = 0;
        foreach (byte c in hex)
        {
            int d = c is >= (byte)'0' and <= (byte)'9' ? c - '0' : c is >= (byte)'a' and <= (byte)'f' ? c - 'a' + 10 : c is >= (byte)'A' and <= (byte)'F' ? c - 'A' + 10 : -1;
            if (d < 0) throw new HttpFramingException(400, "the request has a malformed chunk size");
            size = size * 16 + d;
        }
        return size;
    }
}
