using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Request smuggling through the HTTP relay: what the relay forwards must read as the
/// requests it decided to every server, the lenient ones included. The destination here is a real
/// Node server with <c>insecureHTTPParser</c> (a documented option for legacy clients; it takes a
/// bare LF as a line end, as Go's textproto does), on the production address; the client is a
/// python program writing raw bytes under <c>agentshell run</c>. Both connect-guard modes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireSmugglingTests(string guard)
{
    private string _tmp = null!;
    private Process? _node;
    private int _port;

    private string ServerLog => Path.Combine(_tmp, "requests.log");

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _tmp = Directory.CreateTempSubdirectory("agentshell-smuggle-").FullName;
        var l = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        l.Start();
        _port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var js = Path.Combine(_tmp, "server.js");
        File.WriteAllText(js, """
            const http = require('http'), fs = require('fs');
            const [port, log] = [+process.argv[2], process.argv[3]];
            http.createServer({ insecureHTTPParser: true }, (req, res) => {
              let n = 0;
              req.on('data', d => n += d.length);
              req.on('end', () => { fs.appendFileSync(log, `${req.method} ${req.url} ${n}\n`); res.end('ok\n'); });
            }).listen(port, '127.0.0.2', () => console.log('listening'));
            """);
        _node = Process.Start(new ProcessStartInfo(Repo.Which("node"), [js, _port.ToString(), ServerLog]) { RedirectStandardOutput = true })!;
        Assert.That(_node.StandardOutput.ReadLine(), Is.EqualTo("listening"));
    }

    [TearDown]
    public void TearDown()
    {
        if (_node is { HasExited: false }) _node.Kill();
        _node?.WaitForExit();
        _node?.Dispose();
        Directory.Delete(_tmp, true);
    }

    /// <summary>A python client that sends <paramref name="request"/> (a Python bytes literal) on one
    /// connection to the server and prints the version and status of each response.</summary>
    private string[] RawClient(string request) =>
    [
        Repo.Python, "-c", $$"""
            import re, socket
            s = socket.create_connection(('127.0.0.2', {{_port}}))
            s.sendall({{request}})
            s.settimeout(3)
            out = b''
            try:
                while True:
                    d = s.recv(65536)
                    if not d: break
                    out += d
            except socket.timeout:
                pass
            print([l.decode() for l in re.findall(rb'HTTP/1\.1 \d{3}', out)])
            """,
    ];

    private string[] Received() => File.Exists(ServerLog) ? File.ReadAllLines(ServerLog) : [];

    [Test]
    public void ABareLineFeedInAChunkedBodysTrailersSmugglesNoDelete()
    {
        // The relay reads one POST with a trailer line "\nDELETE /customers HTTP/1.1"; a server that
        // ends lines at LF reads the POST's end there, and then a DELETE (on main: delivered).
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", .. RawClient(
            @"b'POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\nDELETE /customers HTTP/1.1\r\nHost: x\r\n\r\n'")]);
        Assert.That(r.Stdout, Does.Contain("HTTP/1.1 200"), r.Stderr);
        Assert.That(Received(), Is.EqualTo(new[] { "POST /orders 3" }), "the server saw the POST alone");
    }

    [Test]
    public void AChunkedBodyWithTrailersStillReachesTheServerWhole()
    {
        // The look-alike: an ordinary trailer; the body arrives, the trailer does not (it is not forwarded).
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", .. RawClient(
            @"b'POST /orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\nGET /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'")]);
        Assert.That(r.Stdout, Does.Contain("['HTTP/1.1 200', 'HTTP/1.1 200']"), r.Stderr);
        Assert.That(Received(), Is.EqualTo(new[] { "POST /orders 5", "GET /orders 0" }));
    }

    [Test]
    public void ADeleteSentPlainlyIsStillRefused()
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", .. RawClient(
            @"b'DELETE /customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'")]);
        Assert.That(r.Stdout, Does.Contain("HTTP/1.1 403"), r.Stderr);
        Assert.That(Received(), Is.Empty);
    }
}
