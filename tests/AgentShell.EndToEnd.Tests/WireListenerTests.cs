using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Seccomp mode's wire listener serves only the connections the supervisor placed on it.
/// Root mode has no such listener (the kernel sends production connects to the gate, whose own
/// guard is KernelConnectTests.ATreeProcessCannotReachTheGateRangeItself), so this runs in seccomp
/// mode only.</summary>
public sealed class WireListenerTests
{
    private ProductionServer _http = null!;
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _http = new ProductionServer();
        _tmp = Directory.CreateTempSubdirectory("agentshell-wire-listener-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _http.Dispose();
        Directory.Delete(_tmp, true);
    }

    [Test]
    public void AProcessOfTheTreeConnectingStraightToTheWireListenerGetsNothing()
    {
        // The tree starts the wire listener with a production GET, then waits for its port (found
        // from outside with ss), connects to it and reports the errno.
        string portFile = Path.Combine(_tmp, "port"), ready = Path.Combine(_tmp, "ready");
        string py = WireTests.PyGo + $"""

            import os, socket, time
            go('GET', '{_http.Url("/warm")}')
            open('{ready}', 'w').close()
            while not os.path.exists('{portFile}'): time.sleep(0.05)
            time.sleep(0.1)
            port = int(open('{portFile}').read())
            try:
                s = socket.create_connection(('127.0.0.1', port)); print('connected')
            except OSError as e:
                print('errno', e.errno)
            """;
        using var run = new BackgroundRun(null, ["--connect-guard", "seccomp", "--profile", Repo.DemoProfile], [Repo.Python, "-c", py]);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(ready) && sw.Elapsed.TotalSeconds < 20) Thread.Sleep(50);
        int port = WireListenerPort(run.Pid);
        // From outside the tree, an unknown peer: nothing is read from it and it is reset.
        using (var outsider = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            outsider.Connect(IPAddress.Loopback, port);
            outsider.Send("GET / HTTP/1.1\r\nHost: 127.0.0.2\r\n\r\n"u8);
            outsider.ReceiveTimeout = 5000;
            var buf = new byte[16];
            int n;
            try { n = outsider.Receive(buf); }
            catch (SocketException) { n = 0; }
            Assert.That(n, Is.EqualTo(0), "an unknown peer got an answer");
        }
        File.WriteAllText(portFile, port.ToString());
        run.WaitForExit();
        Assert.That(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "GET 200", "errno 1" }), run.Stderr);
        Assert.That(_http.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/warm" }));
    }

    [Test]
    public void OtherWaysToTheWireListenerGetNothingEither()
    {
        // redteam42: the listener reached without a plain connect() to 127.0.0.1: a dual-stack
        // IPv6 socket to ::ffff:127.0.0.1, another loopback address, and a TCP Fast Open sendto
        // (the send's own connect, decided as a datagram's destination: loopback is not production,
        // so the kernel makes it). None may get an answer or reach production.
        string portFile = Path.Combine(_tmp, "port"), ready = Path.Combine(_tmp, "ready");
        string py = WireTests.PyGo + $$"""

            import os, socket, time
            go('GET', '{{_http.Url("/warm")}}')
            open('{{ready}}', 'w').close()
            while not os.path.exists('{{portFile}}'): time.sleep(0.05)
            time.sleep(0.1)
            port = int(open('{{portFile}}').read())
            req = b'DELETE /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2\r\nConnection: close\r\n\r\n'
            def answer(s):
                s.settimeout(3)
                try:
                    d = s.recv(100)
                    return 'answer ' + d[:12].decode('latin1') if d else 'closed'
                except OSError as e:
                    return 'errno %d' % e.errno
            def v6():
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                try:
                    s.connect(('::ffff:127.0.0.1', port)); s.sendall(req); return answer(s)
                except OSError as e:
                    return 'errno %d' % e.errno
            def other():
                try:
                    s = socket.create_connection(('127.0.0.5', port), timeout=3); s.sendall(req); return answer(s)
                except OSError as e:
                    return 'errno %d' % e.errno
            def fastopen():
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.sendto(req, socket.MSG_FASTOPEN, ('127.0.0.1', port)); return answer(s)
                except OSError as e:
                    return 'errno %d' % e.errno
            for f in (v6, other, fastopen): print(f.__name__, f())
            """;
        using var run = new BackgroundRun(null, ["--connect-guard", "seccomp", "--profile", Repo.DemoProfile], [Repo.Python, "-c", py]);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(ready) && sw.Elapsed.TotalSeconds < 20) Thread.Sleep(50);
        int port = WireListenerPort(run.Pid);
        File.WriteAllText(portFile, port.ToString());
        run.WaitForExit();
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        TestContext.Out.WriteLine(run.Stdout + run.Stderr);
        Assert.That(lines, Has.Length.EqualTo(4), run.Stderr);
        Assert.That(lines[0], Is.EqualTo("GET 200"));
        Assert.That(lines[1..], Has.None.Contains("answer"), "a connection nobody placed got an answer");
        Assert.That(_http.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/warm" }));
    }

    /// <summary>The port of the supervisor's IPv4 wire listener (127.0.0.1), from ss.</summary>
    private static int WireListenerPort(int setsidPid)
    {
        var ss = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", "-Hltnp") { RedirectStandardOutput = true })!;
        string text = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        foreach (var line in text.Split('\n'))
        {
            var m = Regex.Match(line, @"127\.0\.0\.1(?:%lo)?:(\d+)\s.*\(""agentshell"",pid=(\d+)");
            if (m.Success && IsUnder(int.Parse(m.Groups[2].Value), setsidPid)) return int.Parse(m.Groups[1].Value);
        }
        Assert.Fail($"no wire listener of run {setsidPid} in ss:\n{text}");
        return 0;
    }

    private static bool IsUnder(int pid, int ancestor)
    {
        for (int p = pid; p > 1;)
        {
            if (p == ancestor) return true;
            var stat = File.ReadAllText($"/proc/{p}/stat");
            p = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        return false;
    }
}
