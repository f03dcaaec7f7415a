using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A real HTTP/1.1 server on a loopback address (127.0.0.2 stands in for production)
/// (or ::1) that records every request it receives and answers 200.</summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();

    internal sealed record Request(string Method, string Path, string Body);

    internal ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Whether a request with <paramref name="method"/> arrives within <paramref name="within"/>
    /// (a command handed to a server outside the tree runs some time after the run ends).</summary>
    internal bool Saw(string method, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (Requests.Any(r => r.Method == method)) return true;
            Thread.Sleep(100);
        }
        return false;
    }
    internal IPAddress Address { get; }
    internal int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    internal string Url(string path) =>
        Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{Address}]:{Port}{path}" : $"http://{Address}:{Port}{path}";

    internal LoopbackHttpServer(string address)
    {
        Address = IPAddress.Parse(address);
        _listener = new TcpListener(Address, 0);
        _listener.Start();
        _ = AcceptLoop();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Serve(c);
        }
    }

    private async Task Serve(TcpClient c)
    {
        using (c)
        {
            try
            {
                var s = c.GetStream();
                var buf = new byte[65536];
                int len = 0, headerEnd;
                while ((headerEnd = IndexOf(buf, len, "\r\n\r\n"u8)) < 0)
                {
                    int n = await s.ReadAsync(buf.AsMemory(len), _stop.Token);
                    if (n == 0) return;
                    len += n;
                }
                var head = Encoding.ASCII.GetString(buf, 0, headerEnd);
                var lines = head.Split("\r\n");
                var parts = lines[0].Split(' ');
                int contentLength = 0;
                foreach (var l in lines.Skip(1))
                {
                    if (l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) contentLength = int.Parse(l[15..].Trim());
                }
                int bodyStart = headerEnd + 4;
                while (len - bodyStart < contentLength)
                {
                    int n = await s.ReadAsync(buf.AsMemory(len), _stop.Token);
                    if (n == 0) break;
                    len += n;
                }
                Requests.Enqueue(new Request(parts[0], parts.Length > 1 ? parts[1] : "", Encoding.UTF8.GetString(buf, bodyStart, Math.Max(0, len - bodyStart))));
                var resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"u8.ToArray();
                await s.WriteAsync(resp, _stop.Token);
            }
            catch (Exception) { }
        }
    }

    private static int IndexOf(byte[] buf, int len, ReadOnlySpan<byte> what) => buf.AsSpan(0, len).IndexOf(what);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
