using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>HTTP/1.1 POSTs to an OTLP receiver over one kept-alive connection (TLS for https).
/// Written instead of using HttpClient: linking System.Net.Http grows the NativeAOT binary by 3 MB
/// and its pre-initialised data (which every supervisor maps at start, export on or off) by about
/// 0.6 MiB, beyond the supervisor's memory target. Only the exporter's thread uses it.</summary>
internal sealed class OtlpPoster : IDisposable
{
    private const int MaxHead = 16 * 1024;
    private readonly TimeSpan _timeout;
    private Socket? _socket, _connecting;
    private Stream? _stream;
    private string? _authority;
    // PERF: the answer is read through this buffer: a byte at a time from the socket was one
    // recv per byte of the status line and headers (~100 per post).
    private readonly byte[] _in = new byte[1024];
    private int _inPos, _inLen;

    internal OtlpPoster(TimeSpan timeout) => _timeout = timeout;

    /// <summary>Posts <paramref name="body"/> followed by <paramref name="rest"/> (one request body in
    /// two parts, so a batch is sent from where it was encoded); null on a 2xx answer, else what went wrong. A kept-alive
    /// connection the receiver had closed meanwhile is retried once on a new one.</summary>
    internal string? Post(Uri to, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> rest,
        CancellationToken ct)
    {
        bool reused = _stream != null && _authority == Authority(to);
        try { return Once(to, headers, body, rest, ct); }
        catch (IOException) when (reused && !ct.IsCancellationRequested)
        {
            Close();
            return Once(to, headers, body, rest, ct);
        }
    }

    private string? Once(Uri to, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> rest,
        CancellationToken ct)
    {
        // Cancellation (the run ending) closes the socket: a blocked read or write returns at once.
        using var cancel = ct.Register(static s => ((OtlpPoster)s!).Close(), this);
        var stream = Connect(to, ct);
        var head = new StringBuilder();
        head.Append("POST ").Append(to.PathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(to.Authority)
            .Append("\r\nContent-Type: application/x-protobuf\r\nContent-Length: ").Append(body.Length + rest.Length).Append("\r\n");
        foreach (var (k, v) in headers)
        {
            // Header names and values came through OtlpSettings; a CR or LF would split the request.
            if (k.AsSpan().IndexOfAny('\r', '\n') >= 0 || v.AsSpan().IndexOfAny('\r', '\n') >= 0) return "a header holds a line break";
            head.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        head.Append("\r\n");
        stream.Write(Encoding.ASCII.GetBytes(head.ToString()));
        stream.Write(body.Span);
        if (!rest.IsEmpty) stream.Write(rest.Span);
        stream.Flush();
        return ReadAnswer(stream);
    }

    private Stream Connect(Uri to, CancellationToken ct)
    {
        if (_stream != null && _authority == Authority(to)) return _stream;
        Close();
        SocketException? last = null;
        foreach (var address in Addresses(to))
        {
            var socket = Open(address, to.Port, ct, ref last);
            if (socket == null) continue;
            try
            {
                Stream stream = new NetworkStream(socket, ownsSocket: true);
                if (to.Scheme == Uri.UriSchemeHttps)
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    // The system trust store (SSL_CERT_FILE/SSL_CERT_DIR honoured) and the URL's host name.
                    tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = to.IdnHost });
                    stream = tls;
                }
                (_socket, _stream, _authority) = (socket, stream, Authority(to));
                return stream;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        ct.ThrowIfCancellationRequested();
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static IPAddress[] Addresses(Uri to) =>
        IPAddress.TryParse(to.IdnHost, out var ip) ? [ip] : Dns.GetHostAddresses(to.IdnHost);

    // PERF: a blocking socket throughout: it is never handed to .NET's epoll engine (which a
    // non-blocking connect, or any async call, does for good: a thread of its own, and a wake of it
    // for every answer read), and its reads and writes are plain blocking calls bounded by
    // SO_RCVTIMEO and SO_SNDTIMEO; Linux bounds a blocking connect by SO_SNDTIMEO too. The run
    // ending shuts the connecting socket down (see Close), which ends the connect at once.
    // Null (with why in last) when this address refused or did not answer in time.
    private Socket? Open(IPAddress address, int port, CancellationToken ct, ref SocketException? last)
    {
        ct.ThrowIfCancellationRequested();
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        { NoDelay = true, SendTimeout = Ms(_timeout), ReceiveTimeout = Ms(_timeout) };
        Interlocked.Exchange(ref _connecting, socket); // a full fence: the check below sees a cancel that missed it
        try
        {
            if (ct.IsCancellationRequested) throw new OperationCanceledException(ct);
            socket.Connect(address, port);
            return socket;
        }
        catch (SocketException e) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            last = e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.InProgress
                ? new SocketException((int)SocketError.TimedOut, $"no connection within {_timeout.TotalSeconds:0.#} s") : e;
            return null;
        }
        catch
        {
            socket.Dispose();
            ct.ThrowIfCancellationRequested();
            throw;
        }
        finally
        {
            Volatile.Write(ref _connecting, null);
        }
    }

    // Status line and headers, then the body read and dropped so the connection can be kept.
    private string? ReadAnswer(Stream stream)
    {
        var head = new List<byte>(256);
        int b;
        while ((b = ReadByte(stream)) >= 0)
        {
            head.Add((byte)b);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r') break;
            if (head.Count > MaxHead) throw new IOException("the receiver's answer has no end of headers");
        }
        if (b < 0) throw new IOException("the receiver closed the connection without an answer");
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out int code))
            throw new IOException("the receiver's answer is not HTTP/1.x");
        long length = -1;
        bool chunked = false, close = status[0] == "HTTP/1.0";
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var n)) length = n;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) close |= value.Equals("close", StringComparison.OrdinalIgnoreCase);
        }
        if (chunked) DropChunked(stream);
        else if (length >= 0) Drop(stream, length);
        else if (code is not (204 or 304)) { DropToEnd(stream); close = true; }
        if (close) Close();
        return code is >= 200 and < 300 ? null : $"HTTP {lines[0][(status[0].Length + 1)..]}";
    }

    private int ReadByte(Stream stream)
    {
        if (_inPos == _inLen)
        {
            _inPos = 0;
            _inLen = Math.Max(0, stream.Read(_in, 0, _in.Length));
            if (_inLen == 0) return -1;
        }
        return _in[_inPos++];
    }

    private void Drop(Stream stream, long n)
    {
        int buffered = (int)Math.Min(n, _inLen - _inPos);
        _inPos += buffered;
        n -= buffered;
        while (n > 0)
        {
            int r = stream.Read(_in, 0, (int)Math.Min(_in.Length, n));
            if (r <= 0) throw new IOException("the receiver's answer ended early");
            n -= r;
        }
    }

    private void DropToEnd(Stream stream)
    {
        _inPos = _inLen = 0;
        while (stream.Read(_in, 0, _in.Length) > 0) { }
    }

    private void DropChunked(Stream stream)
    {
        while (true)
        {
            var size = Line(stream);
            int semi = size.IndexOf(';');
            if (!long.TryParse(semi >= 0 ? size[..semi] : size, System.Globalization.NumberStyles.HexNumber, null, out var n) || n < 0)
                throw new IOException("the receiver's chunked answer is malformed");
            if (n == 0)
            {
                while (Line(stream).Length > 0) { } // trailers
                return;
            }
            Drop(stream, n);
            Line(stream);
        }
    }

    private string Line(Stream stream)
    {
        var sb = new StringBuilder();
        int b;
        while ((b = ReadByte(stream)) >= 0 && b != '\n')
        {
            if (sb.Length > MaxHead) throw new IOException("the receiver's answer has an endless line");
            if (b != '\r') sb.Append((char)b);
        }
        if (b < 0) throw new IOException("the receiver's answer ended early");
        return sb.ToString();
    }

    private static string Authority(Uri to) => to.Scheme + "://" + to.Authority;

    private static int Ms(TimeSpan t) => (int)Math.Clamp(t.TotalMilliseconds, 1, int.MaxValue);

    private void Close()
    {
        try { Volatile.Read(ref _connecting)?.Shutdown(SocketShutdown.Both); }
        catch (Exception)
        {
            // Not connecting any more, or not yet: the connect's own bound holds.
        }
        var s = Interlocked.Exchange(ref _stream, null);
        _socket = null;
        _authority = null;
        _inPos = _inLen = 0; // what was read belonged to that connection
        try { s?.Dispose(); }
        catch (Exception)
        {
            // Closing a broken connection: nothing to keep; the next post opens a new one.
        }
    }

    public void Dispose() => Close();
}
