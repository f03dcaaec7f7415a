using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The address a connect is checked on is the address it connects to: a thread that
/// rewrites the sockaddr after the check (kernel-notes pitfall 2) cannot reach production.</summary>
[TestFixture]
public sealed class ConnectIntegrityTests
{
    private sealed class CountingListener : IDisposable
    {
        private readonly TcpListener _l;
        private int _accepted;
        internal int Port => ((IPEndPoint)_l.LocalEndpoint).Port;
        internal int Accepted => Volatile.Read(ref _accepted);

        internal CountingListener(string address, int port = 0)
        {
            _l = new TcpListener(IPAddress.Parse(address), port);
            _l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _l.Start(1024);
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    try { (await _l.AcceptSocketAsync()).Dispose(); Interlocked.Increment(ref _accepted); }
                    catch (Exception) { return; }
                }
            });
        }

        public void Dispose() => _l.Stop();
    }

    [Test]
    public void FlippingTheAddressAfterTheCheckNeverReachesProduction()
    {
        KernelSetUp.RequireInterception();
        using var staging = new CountingListener("127.0.0.3");
        using var prod = new CountingListener("127.0.0.2", staging.Port); // same port: only the address flips
        var dir = Directory.CreateTempSubdirectory("agentshell-flip-").FullName;
        var exe = Path.Combine(dir, "flip-connect");
        var cc = Process.Start("gcc", ["-O2", "-pthread", "-o", exe, Path.Combine(Repo.Root, "tests", "AgentShell.EndToEnd.Tests", "native", "flip-connect.c")])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0));
        var profile = Path.Combine(dir, "p.json");
        File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");

        var r = AgentShellRunner.Run(["run", "--profile", profile, "--", exe, "127.0.0.3", "127.0.0.2", staging.Port.ToString(), "400"]);
        Thread.Sleep(200);
        Directory.Delete(dir, true);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(prod.Accepted, Is.EqualTo(0), "a connect checked as staging reached production");
        Assert.That(int.Parse(r.Stdout.Trim()), Is.EqualTo(staging.Accepted).And.GreaterThan(0), "connects checked as staging went to staging");
    }

    private const string FlipWhilePaused = """
        import ctypes, socket, struct, sys, threading, time, os
        libc = ctypes.CDLL(None, use_errno=True)
        approved, other, marker = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        s = socket.socket()
        sa = ctypes.create_string_buffer(struct.pack('<H', 2) + struct.pack('!H', approved) + socket.inet_aton('127.0.0.2') + bytes(8), 16)
        got = []
        def go():
            r = libc.connect(s.fileno(), sa, 16)
            got.append((r, ctypes.get_errno()))
        t = threading.Thread(target=go); t.start()
        time.sleep(1.5)  # the connect is paused by now, its item on the person's screen
        ctypes.memmove(ctypes.addressof(sa) + 2, struct.pack('!H', other), 2)
        open(marker, 'w').close()
        t.join()
        try:
            s.settimeout(20); s.sendall(b'x'); s.recv(1)  # until the listener closes it (root mode: once approved)
        except OSError:
            pass  # the listeners close what they accept
        print(*got[0])
        """;

    /// <summary>The person approves "connect to 127.0.0.2:A"; while the item waits, another thread
    /// of the process rewrites the sockaddr to 127.0.0.2:B (another production service). The
    /// approved connect goes to A, the address the person saw, never to B.</summary>
    [TestCase("seccomp")]
    [TestCase("kernel")]
    public void RewritingTheAddressOfAPausedConnectBeforeItIsApprovedReachesOnlyWhatWasApproved(string guard)
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        using var approved = new CountingListener("127.0.0.2");
        using var other = new CountingListener("127.0.0.2");
        var dir = Directory.CreateTempSubdirectory("agentshell-flip-paused-").FullName;
        try
        {
            string marker = Path.Combine(dir, "flipped");
            using var run = new BackgroundRun(["--connect-guard", guard, "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--pause-timeout", "30"],
                Repo.Python, "-c", FlipWhilePaused, approved.Port.ToString(), other.Port.ToString(), marker);
            string id = run.WaitForPause();
            Assert.That(run.Stderr, Does.Contain($"connect 127.0.0.2:{approved.Port} (production)"));
            var sw = Stopwatch.StartNew();
            while (!File.Exists(marker) && sw.Elapsed.TotalSeconds < 20) Thread.Sleep(20);
            Assert.That(File.Exists(marker), Is.True, "the process did not rewrite its sockaddr");
            run.Client("approve", id);
            Assert.That(run.WaitForExit(), Is.EqualTo(0), run.Stderr);
            Thread.Sleep(200); // the listeners' accept loops
            Assert.That(run.Stdout.Trim().Split('\n')[^1], Is.EqualTo("0 0"), run.Stderr);
            Assert.That(other.Accepted, Is.EqualTo(0), "the connect went where the person never approved");
            Assert.That(approved.Accepted, Is.EqualTo(1), run.Stdout + run.Stderr);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Seccomp names the thread that connects; the connect made on its behalf must reach
    /// that thread's socket (a pidfd for a non-leader thread), not fail because it is not the main one.</summary>
    [TestCase("seccomp")]
    [TestCase("kernel")]
    public void AnAllowedConnectFromASecondThreadConnects(string guard)
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        using var prod = new CountingListener("127.0.0.2");
        var dir = Directory.CreateTempSubdirectory("agentshell-thread-connect-").FullName;
        try
        {
            string profile = Path.Combine(dir, "allow.json");
            File.WriteAllText(profile, """{ "Network": { "UnknownClientToProduction": "allow" } }""");
            string py = $"import socket, threading\nout = []\ndef go():\n    try:\n        socket.create_connection(('127.0.0.2', {prod.Port})).close(); out.append('connected')\n" +
                "    except OSError as e:\n        out.append(f'errno {e.errno}')\nt = threading.Thread(target=go); t.start(); t.join(); print(out[0])";
            var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--profile", profile, "--", Repo.Python, "-c", py]);
            Thread.Sleep(200);
            Assert.That(r.Stdout.Trim(), Is.EqualTo("connected"), r.Stderr);
            Assert.That(prod.Accepted, Is.EqualTo(1));
        }
        finally { Directory.Delete(dir, true); }
    }
}
