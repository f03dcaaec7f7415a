namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11: nothing inside the tree escapes supervision through a server that runs commands
/// for its clients. A tmux server started outside the run (as an agent's terminal has one) runs what
/// it is sent in a pane nobody supervises. corpus18 judges the tmux CLI's text at its exec; a renamed
/// copy of tmux is no tmux to the classifier, and on main 7d024e3 its `send-keys … curl -X DELETE …`
/// reached production in both modes. Now a connect to a listed command server's socket
/// (<c>Network.CommandServers</c>) whose listener is outside the tree is refused
/// (<c>network:command-server-outside-tree</c>) for every process but the tmux/screen CLI, whatever
/// spelling of the path it uses; the CLI, a server started inside the run and unlisted sockets work.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class CommandServerTests(string guard) : OutsideTmuxFixture(guard)
{
    private const string Rule = "network:command-server-outside-tree";

    [Test]
    public void ARenamedTmuxCannotHandTheOutsideServerADelete()
    {
        using var home = new TestHome();
        var r = home.Run(Guard, _copy, "-L", _server, "send-keys", "-t", "pane", $"curl -sS -X DELETE {Prod.Url("/volumes/1")}", "Enter");
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"refused a connect to the command server {_socket}").And.Contain($"[rule {Rule}]"));
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the DELETE ran in the outside pane");
        // The refusal's record is written by the audit writer, which may finish just after the run.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (!(File.Exists(home.AuditLog) && File.ReadAllText(home.AuditLog).Contains(Rule)) && DateTime.UtcNow < until) Thread.Sleep(100);
        Assert.That(File.ReadAllText(home.AuditLog), Does.Contain(Rule));
    }

    /// <summary>A python3 client reaching the socket by a symlink (one whose address is 16 bytes), /proc/self/root, /proc/self/fd/N of
    /// an O_PATH fd and a relative path from its directory: each connect is refused (EPERM). The path
    /// is resolved as the kernel will for the process ("self" is it, not the supervisor); a /proc
    /// magic link on the way is refused outright.</summary>
    [Test]
    public void APythonClientIsRefusedWhateverPathItUses()
    {
        using var home = new TestHome();
        string link = Path.Combine(_dir, "innocent.sock");
        File.CreateSymbolicLink(link, _socket);
        // 14 bytes: python passes a 16-byte address, an inet sockaddr's length, which root mode's
        // filter lets through unseen (the kernel's connect_unix refuses it while servers are listed).
        string shortLink = "/tmp/" + Guid.NewGuid().ToString("N")[..9];
        File.CreateSymbolicLink(shortLink, _socket);
        using var removeShort = new ProfileFile(shortLink);
        string py = """
            import os, socket, sys
            for name in sys.argv[1:]:
                if name.startswith("cd:"):
                    os.chdir(name[3:]); continue
                if name.startswith("fd:"):
                    name = "/proc/self/fd/%d" % os.open(name[3:], os.O_PATH)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(name); print("connected", name)
                except OSError as e:
                    print("refused", e.errno)
            """;
        var r = home.Run(Guard, "python3", "-c", py, link, shortLink, "/proc/self/root" + _socket, "fd:" + _socket, "cd:" + Path.GetDirectoryName(_socket)!, Path.GetFileName(_socket));
        Assert.That(r.Stdout, Does.Not.Contain("connected"), r.Stderr);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(Enumerable.Repeat("refused 1", 5)), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"[rule {Rule}]"));
    }

    /// <summary>The agent owns the outside server's socket, so it can move it out of the listed
    /// directory before its first connect: the socket is known by identity from the run's start.</summary>
    [Test]
    public void ASocketMovedOutOfItsDirectoryIsStillTheServer()
    {
        using var home = new TestHome();
        string moved = Path.Combine(_dir, "moved.sock");
        string py = """
            import os, socket, sys
            os.rename(sys.argv[1], sys.argv[2])
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(sys.argv[2]); print("connected")
            except OSError as e:
                print("refused", e.errno)
            finally:
                os.rename(sys.argv[2], sys.argv[1])
            """;
        var r = home.Run(Guard, "python3", "-c", py, _socket, moved);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("refused 1"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"refused a connect to the command server {_socket}").And.Contain($"[rule {Rule}]"));
    }

    [Test]
    public void TheTmuxCliStillTypesIntoTheOutsideServer()
    {
        using var home = new TestHome();
        string mark = Path.Combine(_dir, "typed");
        var r = home.Run(Guard, "/usr/bin/tmux", "-L", _server, "send-keys", "-t", "pane", $"echo hi > {mark}", "Enter");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!File.Exists(mark) && DateTime.UtcNow < until) Thread.Sleep(100);
        Assert.That(File.Exists(mark), Is.True, "the pane never ran the echo");
    }

    /// <summary>A server the run starts is a process of the tree (its pane's shell too): a renamed
    /// tmux may drive it, and an unlisted socket (a local app's, outside or inside) is untouched.</summary>
    [Test]
    public void AServerStartedInsideTheRunAndUnlistedSocketsStillWork()
    {
        using var home = new TestHome();
        string inner = _server + "-inner", mark = Path.Combine(_dir, "inner"), app = Path.Combine(_dir, "app.sock");
        using var outsideApp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        outsideApp.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(app));
        outsideApp.Listen(4);
        string script = $"{_copy} -L {inner} new-session -d -s p sh && {_copy} -L {inner} send-keys -t p 'echo inside > {mark}' Enter && " +
                        $"for i in $(seq 50); do [ -e {mark} ] && break; sleep 0.1; done; {_copy} -L {inner} kill-server; " +
                        $"python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(\"app ok\")' {app}";
        var r = home.Run(Guard, "sh", "-c", script);
        Assert.That(r.Stderr, Does.Not.Contain(Rule));
        Assert.That(File.Exists(mark), Is.True, r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Contain("app ok"), r.Stderr);
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
    }
}
