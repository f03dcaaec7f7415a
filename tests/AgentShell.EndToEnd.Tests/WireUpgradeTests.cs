using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The relay pipes bytes unread only after an upgrade it decided. Go's h2c handler
/// (golang.org/x/net/http2/h2c) switches to HTTP/2 on <c>Upgrade: h2c</c> with
/// <c>Connection: HTTP2-Settings</c>, without the <c>upgrade</c> token the relay looked for, so
/// the request was decided as a plain GET, the server's 101 turned the connection into a pipe and
/// what followed reached production undecided. The stand-in here answers 101 as that handler does
/// and records every byte after it; python3 under <c>run</c> sends the GET, then a DELETE.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class WireUpgradeTests(string guard)
{
    private TcpListener _server = null!;
    private readonly ConcurrentQueue<string> _afterSwitch = new();

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _server = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        _server.Start();
        _ = Serve();
    }

    [TearDown]
    public void TearDown() => _server.Dispose();

    // One connection at a time: a head; 101 when it asks for h2c the way Go's handler accepts, then
    // everything that follows is recorded; any other request gets 200.
    private async Task Serve()
    {
        while (true)
        {
            using var c = await _server.AcceptTcpClientAsync();
            var s = c.GetStream();
            var head = new StringBuilder();
            var buf = new byte[4096];
            int n;
            while (!head.ToString().Contains("\r\n\r\n") && (n = await s.ReadAsync(buf)) > 0) head.Append(Encoding.Latin1.GetString(buf, 0, n));
            bool h2c = head.ToString().Contains("Upgrade: h2c") && head.ToString().Contains("Connection: HTTP2-Settings");
            if (!h2c)
            {
                await s.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"u8.ToArray());
                continue;
            }
            await s.WriteAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8.ToArray());
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                while ((n = await s.ReadAsync(buf, quiet.Token)) > 0) _afterSwitch.Enqueue(Encoding.Latin1.GetString(buf, 0, n));
            }
            catch (OperationCanceledException)
            {
                // Nothing more within 10 s: what arrived is recorded.
            }
            catch (IOException)
            {
                // The relay closed the connection: what arrived is recorded.
            }
        }
    }

    [Test]
    public void BytesAfterASwitchTheRelayDidNotDecideNeverReachProduction()
    {
        int port = ((IPEndPoint)_server.LocalEndpoint).Port;
        string py = $$"""
            import socket
            s = socket.create_connection(('127.0.0.2', {{port}}), timeout=20)
            s.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n')
            print(s.recv(4096).split(b'\r\n')[0].decode())
            try:
                s.sendall(b'DELETE /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n')
                s.recv(4096)
            except OSError:
                pass
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "2", "--", Repo.Python, "-c", py], TimeSpan.FromMinutes(2));
        Thread.Sleep(500);
        Assert.That(string.Concat(_afterSwitch), Does.Not.Contain("DELETE"), "an undecided request reached production: " + r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Not.Contain("101"), "the client was not told the switch happened");
    }
}
