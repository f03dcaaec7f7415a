using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Root mode leaves the tree's Unix connects to the kernel (cgroup/connect_unix, Linux 6.7)
/// only while the profile lists no command servers; the default profile lists them, and their check
/// needs the file a path names (the kernel program sees only the string), so Unix connects stay
/// trapped and both guard modes decide them by the socket's identity: the approval socket is refused
/// at connect() under any spelling (EPERM, said on the agent's stderr and recorded, under its own
/// rule), and every other Unix connect, abstract names and names that are not UTF-8 included, goes
/// on as without agentshell.</summary>
[TestFixture("kernel")]
[TestFixture("seccomp")]
public sealed class KernelUnixConnectTests(string guard)
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        else KernelSetUp.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-unix-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, true);

    /// <summary>Python prelude: attempt(name, addr) connects an AF_UNIX socket to addr, asks the
    /// control protocol's pending, and prints "NAME connected REPLY" or "NAME errno N".</summary>
    private const string PyAttempt = """
        import os, socket, sys
        def attempt(name, addr):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(addr)
                s.sendall(b'{"v":1,"op":"pending"}\n')
                print(name, 'connected', s.recv(4096).decode().strip(), flush=True)
            except OSError as e:
                print(name, 'errno', e.errno, flush=True)
            finally:
                s.close()

        """;

    [Test]
    public void TheApprovalSocketIsRefusedAndEveryOtherUnixConnectGoesOn()
    {
        var sock = Path.Combine(_tmp, "control.sock");
        var audit = Path.Combine(_tmp, "audit.jsonl");
        // Not beside the control socket: its directory is read-only for the tree.
        var mine = Path.Combine(Path.GetTempPath(), $"agentshell-unix-{Guid.NewGuid():N}.sock");
        var script = PyAttempt + """
            SOCK, MINE = sys.argv[1], sys.argv[2]
            # The agent's own sockets: a path and an abstract name, each with a listener that answers.
            for name, addr in (('own-path', MINE), ('own-abstract', '\0agentshell-unix-test-%d' % os.getpid())):
                l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind(addr); l.listen(1)
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(addr)
                a, _ = l.accept(); a.sendall(b'hi'); print(name, 'got', c.recv(2).decode(), flush=True)
            attempt('direct', SOCK)
            # sun_path padded with NULs (as far as python lets it): the kernel's name is still SOCK.
            attempt('padded', SOCK.encode() + b'\0' * (107 - len(SOCK)))
            attempt('longer', SOCK + 'x')
            attempt('double-slash', '/' + SOCK)
            """;
        var r = AgentShellRunner.Run(["run", "--socket", sock, "--connect-guard", guard, "--audit", audit, "--", Repo.Python, "-c", script, sock, mine]);
        File.Delete(mine);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var o = r.Stdout;
        Assert.That(o, Does.Contain("own-path got hi").And.Contain("own-abstract got hi"), r.Stderr);
        Assert.That(o, Does.Contain("direct errno 1").And.Contain("padded errno 1"), r.Stderr);
        Assert.That(o, Does.Contain("longer errno 2"), "a longer name is another file (none here)");
        // Another spelling of the path: refused at connect() by identity (seccomp), or by the socket's
        // server, which refuses every process of the tree by its credentials (root mode's kernel program sees strings).
        Assert.That(o, Does.Contain("double-slash errno 1").Or.Contain("double-slash connected {\"v\":1,\"ok\":false,\"error\":\"refused: a supervised process cannot answer its own requests\"}"), r.Stderr);
        Assert.That(o, Does.Not.Contain("\"ok\":true"));
        // The default profile lists command servers, whose check needs the file the path names for
        // the process (the kernel's cgroup/connect_unix sees only the string): root mode keeps Unix
        // connects trapped then, so the other spelling is refused at connect() by identity in both
        // modes, under the approval socket's own rule (it is checked before the servers).
        Assert.That(o, Does.Contain("double-slash errno 1"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("cannot connect to the approval socket").And.Contain("supervisor:self-approval"));
        var refused = File.ReadLines(audit).Where(l => l.Contains("supervisor:self-approval", StringComparison.Ordinal) && l.Contains("\"connect\"", StringComparison.Ordinal)).ToList();
        Assert.That(refused, Has.Count.GreaterThanOrEqualTo(2), "each refusal at connect() is recorded:\n" + File.ReadAllText(audit));
    }

    [Test]
    public void TheApprovalSocketUnderAnotherNameIsRefusedToo()
    {
        var sock = Path.Combine(_tmp, "control.sock");
        var audit = Path.Combine(_tmp, "audit.jsonl");
        // Links where the tree may write (the control socket's directory is read-only for it).
        var dir = Path.Combine(Path.GetTempPath(), $"agentshell-unix-{Guid.NewGuid():N}");
        var script = PyAttempt + """
            SOCK, DIR = sys.argv[1], sys.argv[2].encode()
            os.mkdir(DIR)
            # A symlink whose name is not UTF-8: decoded to a string, it would name another file.
            bad = DIR + b'/\xff\xfe.lnk'
            os.symlink(SOCK.encode(), bad)
            attempt('not-utf8-link', bad)
            # A symlinked directory, a relative path, the tree's root through /proc.
            os.symlink(os.path.dirname(SOCK).encode(), DIR + b'/d')
            attempt('dir-link', DIR + b'/d/' + os.path.basename(SOCK).encode())
            os.chdir(os.path.dirname(SOCK))
            attempt('relative', os.path.basename(SOCK))
            attempt('proc-root', '/proc/self/root' + SOCK)
            # The look-alike: the agent's own socket under a name that is not UTF-8 still works.
            own = DIR + b'/own\xff.sock'
            l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); l.bind(own); l.listen(1)
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(own)
            a, _ = l.accept(); a.sendall(b'hi'); print('own-not-utf8 got', c.recv(2).decode(), flush=True)
            """;
        AgentShellRunner.Result r;
        try { r = AgentShellRunner.Run(["run", "--socket", sock, "--connect-guard", guard, "--audit", audit, "--", Repo.Python, "-c", script, sock, dir]); }
        // rm: .NET enumerates names as strings, and a name that is not UTF-8 does not survive that.
        finally { System.Diagnostics.Process.Start("rm", ["-rf", dir])!.WaitForExit(); }
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var o = r.Stdout;
        Assert.That(o, Does.Contain("own-not-utf8 got hi"), r.Stderr);
        Assert.That(o, Does.Not.Contain("\"ok\":true"));
        // Every name is refused at connect() by the socket's identity, in both modes: the default
        // profile's command servers keep Unix connects trapped in root mode too, and a path through
        // /proc/self (which in the tree's own /proc does not name the supervisor) is looked up
        // through our /proc for the process's pid. The approval socket's rule answers, not the servers'.
        foreach (var how in new[] { "not-utf8-link", "dir-link", "relative", "proc-root" })
            Assert.That(o, Does.Contain($"{how} errno 1"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("cannot connect to the approval socket").And.Contain("supervisor:self-approval"));
        Assert.That(r.Stderr, Does.Not.Contain("network:command-server-outside-tree"));
        var refused = File.ReadLines(audit).Count(l => l.Contains("supervisor:self-approval", StringComparison.Ordinal) && l.Contains("\"connect\"", StringComparison.Ordinal));
        Assert.That(refused, Is.GreaterThanOrEqualTo(4), "each refusal at connect() is recorded:\n" + File.ReadAllText(audit));
    }
}
