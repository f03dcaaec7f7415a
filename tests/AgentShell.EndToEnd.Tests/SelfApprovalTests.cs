using System.Diagnostics;
using AgentShell.Supervisor.Approval;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The agent runs as the approver's user, so permissions alone do not stop it from
/// approving itself. Every path is refused: exec of `agentshell approve`, connects to the socket
/// by any name, signals, ptrace and memory reads aimed at the supervisor.</summary>
[TestFixture]
public sealed class SelfApprovalTests
{
    private LoopbackHttpServer _staging = null!;
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _staging = new LoopbackHttpServer("127.0.0.3");
        _tmp = Directory.CreateTempSubdirectory("agentshell-self-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _staging.Dispose();
        Directory.Delete(_tmp, true);
    }

    private static string[] Options() => ["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "3"];

    private string Run(string attack, out string stderr)
    {
        var outFile = Path.Combine(_tmp, "attack.out");
        var supFile = Path.Combine(_tmp, "supervisor.pid");
        var script = $$"""
            import os, socket, subprocess, sys, time, ctypes, signal
            SOCK = sys.argv[1]
            # The supervisor's pid as the host sees it (the test writes it once the run started): with
            # the tree in a pid namespace of its own, no pid the tree can see names the supervisor.
            while not os.path.exists('{{supFile}}.done'): time.sleep(0.02)
            SUP = int(open('{{supFile}}').read())
            libc = ctypes.CDLL(None, use_errno=True)
            out = open('{{outFile}}', 'w')
            def report(*a):
                print(*a, file=out, flush=True)
            # A paused DELETE in the background: what an approval from inside would let through.
            p = subprocess.Popen(['sh', '-c', 'curl -sS -o /dev/null -X DELETE {{_staging.Url("/volumes/1")}} &'])
            # Until the run has said the DELETE is paused (the test writes the file then), not a fixed 0.8 s.
            while not os.path.exists('{{supFile}}.paused'): time.sleep(0.02)
            try:
            {{Indent(attack)}}
            except Exception as e:
                report('exception', type(e).__name__, getattr(e, 'errno', None))
            p.wait()
            """;
        var path = Path.Combine(_tmp, "agent.py");
        File.WriteAllText(path, script);
        var sock = Path.Combine(Path.GetTempPath(), $"agentshell-self-{Guid.NewGuid():N}.sock");
        using var run = new BackgroundRunWithSocket(Options(), sock, Repo.Python, path, sock);
        File.WriteAllText(supFile, run.Inner.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(supFile + ".done", "");
        run.Inner.WaitForPause();
        File.WriteAllText(supFile + ".paused", "");
        int code = run.Inner.WaitForExit();
        stderr = run.Inner.Stderr;
        // The supervisor outlived every attack: a killed or stopped one would not report the agent's exit 0.
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(_staging.Requests, Is.Empty, "the paused DELETE must never have been approved");
        return File.Exists(outFile) ? File.ReadAllText(outFile) : "";
    }

    // The placeholder sits at column 0 of the template: every line needs the try-block indent.
    private static string Indent(string code) => string.Join("\n", code.Split('\n').Select(l => "    " + l));

    [Test]
    public void ExecOfAgentshellApproveFromInsideIsRefused()
    {
        var o = Run($"""
            id = None
            r = subprocess.run(['{Repo.AgentShell}', 'approve', 'x', '--socket', SOCK])
            report('approve-exec', r.returncode)
            """, out var err);
        Assert.That(o, Does.Contain("exception PermissionError 1").Or.Contain("approve-exec 126"));
        Assert.That(err + o, Does.Contain("supervisor:self-approval"));
    }

    [TestCase("direct", "s.connect(SOCK)")]
    [TestCase("symlink", "import uuid; l = '/tmp/' + uuid.uuid4().hex + '.lnk'; os.symlink(SOCK, l); s.connect(l)")]
    [TestCase("proc-root", "s.connect('/proc/self/root' + SOCK)")]
    [TestCase("relative", "os.chdir(os.path.dirname(SOCK)); s.connect(os.path.basename(SOCK))")]
    public void ConnectingToTheControlSocketFromInsideIsRefused(string how, string connect)
    {
        var o = Run($"""
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            {connect}
            s.sendall(b'{"{"}"v":1,"op":"pending"{"}"}\n')
            report('connected', s.recv(4096))
            """, out var err);
        // Refused at connect() by the socket's identity; or, in root mode for an address whose length
        // is that of an IP sockaddr (16 or 28 bytes: the kernel's programs take those connects), by
        // the socket itself, which refuses every process of the tree by its credentials.
        bool atConnect = o.Contains("exception PermissionError 1", StringComparison.Ordinal);
        bool byServer = o.Contains("refused: a supervised process cannot answer its own requests", StringComparison.Ordinal);
        Assert.That(atConnect || byServer, Is.True, $"{how}: {o}\n{err}");
        Assert.That(o, Does.Not.Contain("\"ok\":true"));
        if (atConnect) Assert.That(err, Does.Contain("cannot connect to the approval socket"));
        if (how == "direct") Assert.That(atConnect, Is.True, "the socket's own path is longer than any IP sockaddr: refused at connect()");
    }

    [TestCase("kill", "os.kill(SUP, signal.SIGTERM)")]
    [TestCase("kill-0", "os.kill(SUP, 0)")]
    [TestCase("kill-group", "os.kill(-os.getpgid(SUP), 0)")]
    [TestCase("tgkill", "r = libc.syscall(234, SUP, SUP, 0); report('r', r, ctypes.get_errno())\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    [TestCase("tkill-thread", "tid = int(sorted(os.listdir(f'/proc/{SUP}/task'))[-1]); r = libc.syscall(200, tid, 0)\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    [TestCase("pidfd_open", "r = libc.syscall(434, SUP, 0)\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    [TestCase("pidfd-procdir", "fd = os.open(f'/proc/{SUP}', os.O_RDONLY); r = libc.syscall(424, fd, 0, None, 0)\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    [TestCase("ptrace", "r = libc.ptrace(16, SUP, None, None)\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    [TestCase("process_vm_readv", "buf = ctypes.create_string_buffer(8); li = (ctypes.c_size_t * 2)(ctypes.addressof(buf), 8); ri = (ctypes.c_size_t * 2)(0x400000, 8); r = libc.syscall(310, SUP, li, 1, ri, 1, 0)\nif r < 0: raise OSError(ctypes.get_errno(), 'x')\nreport('returned', r)")]
    public void SignalsTracingAndReadsAimedAtTheSupervisorAreRefused(string how, string attack)
    {
        var o = Run(attack, out var err);
        // Refused (EPERM) where the tree can name the supervisor; in a pid namespace of its own the
        // tree cannot name it at all (ESRCH, or no /proc entry).
        Assert.That(o, Does.Contain("exception PermissionError 1").Or.Contain("exception ProcessLookupError 3").Or.Contain("exception FileNotFoundError 2"), how + "\n" + err);
    }

    [TestCase("kill-everyone", "os.kill(-1, 0)")]
    [TestCase("kill-own-group", "os.kill(0, 0)")]
    public void SignalsToEveryoneOrTheOwnGroupDoNotReachTheSupervisor(string how, string attack)
    {
        // Refused where the supervisor is among those they would reach; in the tree's own pid
        // namespace they reach only the tree (the supervisor has no pid there), so they may succeed.
        var o = Run(attack + "\nreport('sent', os.path.exists(f'/proc/{SUP}'))", out var err);
        Assert.That(o, Does.Contain("exception PermissionError 1").Or.Contain("sent False"), how + "\n" + err);
    }

    [Test]
    public void TheSupervisorsMemoryCannotBeReadThroughProc()
    {
        // Non-dumpable, and a root tree has lost CAP_SYS_PTRACE. (On this kernel /proc/PID/environ of a
        // non-dumpable same-uid process stays readable; it holds the environment the agent inherited.)
        // In the tree's own pid namespace (its own /proc) the supervisor has no entry at all (ENOENT).
        var o = Run("f = open(f'/proc/{SUP}/mem', 'rb')\nreport('opened', open(f'/proc/{SUP}/cmdline', 'rb').read())", out _);
        Assert.That(o, Does.Contain("exception PermissionError 13").Or.Contain("exception FileNotFoundError 2"));
        Assert.That(o, Does.Not.Contain("opened"));
    }

    [Test]
    public void TheAgentCanStillReadItsOwnMemory()
    {
        var o = Run("f = open('/proc/self/mem', 'rb')\nreport('opened')", out _);
        Assert.That(o, Does.Contain("opened"));
    }

    [Test]
    public void SignalsBetweenTreeProcessesStillWork()
    {
        // The look-alike: the agent may signal its own children and itself.
        var o = Run("c = subprocess.Popen(['sleep', '30']); os.kill(c.pid, signal.SIGTERM); report('child', c.wait()); os.kill(os.getpid(), 0); report('self ok')", out _);
        Assert.That(o, Does.Contain("child -15").And.Contain("self ok"));
    }

    [Test]
    public void AClientInsideATreeIsRefusedBySoPeercredEvenWhenItReachesTheSocket()
    {
        // The second line of defence, with real sockets and real processes: a server whose tree is
        // rooted at a bash we start refuses that bash's python grandchild, and serves us.
        var responder = new Moq.Mock<INotificationResponder>();
        using var registry = new PendingRegistry(responder.Object, AgentShell.Core.Policy.PauseSettings.Default);
        var sock = Path.Combine(_tmp, "ctl.sock");
        var psi = new ProcessStartInfo("bash", ["-c", $"read line; {Repo.Python} -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('{sock}'); s.sendall(b'{{\\\"v\\\":1,\\\"op\\\":\\\"pending\\\"}}\\n'); print(s.recv(4096).decode())\""])
        { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var tree = Process.Start(psi)!;
        using var endpoint = ControlEndpoint.Bind(sock);
        using var server = new ControlServer(endpoint, "test", ["agent"], registry, pid => ProcessInfo.IsInTree(pid, tree.Id, -1), TextWriter.Null);
        tree.StandardInput.WriteLine("go");
        var fromTree = tree.StandardOutput.ReadToEnd();
        tree.WaitForExit();
        Assert.That(fromTree, Does.Contain("refused: a supervised process cannot answer its own requests"));

        using var me = ControlClient.Connect(sock);
        var ok = me.Request("pending");
        Assert.That(ok.GetProperty("items").GetArrayLength(), Is.EqualTo(0));
    }
}

/// <summary>A BackgroundRun whose socket path is chosen by the caller (the agent is told it).</summary>
internal sealed class BackgroundRunWithSocket : IDisposable
{
    internal BackgroundRun Inner { get; }

    internal BackgroundRunWithSocket(string[] options, string socket, params string[] command)
    {
        Inner = new BackgroundRun(socket, options, command);
    }

    public void Dispose() => Inner.Dispose();
}
