namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, the CLI exemption attacked: the real /usr/bin/tmux may speak to a command server
/// outside the tree because its argv was judged at its exec. On main c81c578 a library preloaded into
/// it (tests/adversarial/native/tmux-argv.c: its __libc_start_main hands main another argv) made
/// `tmux -L S ls` send `send-keys 'curl -X DELETE …' Enter` to the outside server, which ran it in a
/// pane nobody supervises, in both modes, whether the library was built before the run or copied in
/// it. Now the exemption needs the trust a tool needs for production (CommandServerClis): no
/// LD_* or other foreign-code variable, code unchanged since the run began, no tracer, and its
/// configuration files unchanged since the run began; otherwise the connect is refused under
/// <c>network:command-server-cli-untrusted</c>, naming why. Plain tmux, with a configuration from
/// before the run, still reaches the outside server.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class CommandServerCliTrustTests(string guard) : OutsideTmuxFixture(guard)
{
    private const string Rule = "network:command-server-cli-untrusted";

    private string Delete => $"curl -sS -X DELETE {Prod.Url("/volumes/1")}";

    private void AssertRefused(AgentShellRunner.Result r, string why)
    {
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the DELETE ran in the outside pane\n" + r.Stderr);
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"refused a connect to the command server {_socket}: ").And.Contain(why).And.Contain($"[rule {Rule}]"));
    }

    /// <summary>Scrubbed: the library renames LD_PRELOAD in the environment block /proc/PID/environ
    /// shows; a library made in the run is still found among its mappings.</summary>
    /// Decided at the exec (KNOWN-GAPS 5a): on main 2a8c5c0 a library from before the run that
    /// scrubbed its own variable got through (the environment was read at the connect).
    [TestCase(false, false, TestName = "{m}(built before the run)")]
    [TestCase(true, false, TestName = "{m}(copied in the run)")]
    [TestCase(true, true, TestName = "{m}(copied in the run, its variable scrubbed)")]
    [TestCase(false, true, TestName = "{m}(built before the run, its variable scrubbed)")]
    public void APreloadedLibraryCannotMakeTmuxLsSendKeys(bool copiedInRun, bool scrub)
    {
        using var home = new TestHome();
        string so = Attacks.Plugin("tmux-argv"), inRun = Path.Combine(_dir, "innocent.so");
        string preload = copiedInRun ? $"cp {so} {inRun} && LD_PRELOAD={inRun}" : $"LD_PRELOAD={so}";
        string scrubbed = scrub ? "TMUX_EVIL_SCRUB=1 " : "";
        var r = home.Run(Guard, "sh", "-c", $"{preload} {scrubbed}TMUX_EVIL_KEYS='{Delete}' exec /usr/bin/tmux -L {_server} ls");
        AssertRefused(r, "tmux was started with LD_PRELOAD set (it loads code not its own)");
    }

    /// <summary>KNOWN-GAPS 5b: a connected client taken over by another process of the tree. On main
    /// 2a8c5c0 (tests/adversarial/native/tmux-take-over.py) python took the socket of a judged
    /// `tmux wait-for` client (pidfd_getfd) and wrote a MSG_COMMAND `send-keys 'curl -X DELETE …'
    /// Enter` into it, which the outside pane ran; it could also attach to it and open its memory.
    /// The exempt CLI is sealed at its exec as a trusted curl is: all three are refused, and the
    /// judged wait itself still works (the look-alike).</summary>
    [Test]
    public void AConnectedTmuxClientCannotBeTakenOver()
    {
        using var home = new TestHome();
        var r = home.Run(Guard, Repo.Python, Path.Combine(Repo.Root, "tests", "adversarial", "native", "tmux-take-over.py"), "/usr/bin/tmux", _server, Delete);
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the DELETE ran in the outside pane\n" + r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Contain("getfd refused").And.Contain("attach refused").And.Contain("mem refused"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("waited"), "the judged wait-for never reached the outside server\n" + r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:command-server"));
    }

    [Test]
    public void ATmuxConfWrittenInTheRunWithdrawsTheExemption()
    {
        using var home = new TestHome();
        string conf = Path.Combine(home.Dir, ".tmux.conf");
        var r = home.Run(Guard, "sh", "-c", $"printf 'run-shell \"{Delete}\"\\n' > {conf} && exec /usr/bin/tmux -L {_server} ls");
        AssertRefused(r, $"tmux's configuration {conf} was made or changed during the run");
    }

    [Test]
    public void ADashFConfigWrittenInTheRunWithdrawsTheExemption()
    {
        using var home = new TestHome();
        string conf = Path.Combine(_dir, "evil.conf");
        var r = home.Run(Guard, "sh", "-c", $"printf 'set-hook -g client-attached \"run-shell \\\"{Delete}\\\"\"\\n' > {conf} && exec /usr/bin/tmux -f {conf} -L {_server} ls");
        AssertRefused(r, $"tmux's configuration {conf} was made or changed during the run");
    }

    /// <summary>gdb starting tmux traces it: its exec is refused before it runs (the check's own tracer
    /// needs the task), and what a tracer could make it send never reaches the pane.</summary>
    [Test]
    public void TmuxUnderGdbNeverTypesIntoTheOutsideServer()
    {
        if (!File.Exists("/usr/bin/gdb")) Assert.Ignore("gdb is not installed here");
        using var home = new TestHome();
        string mark = Path.Combine(_dir, "traced");
        var r = home.Run(Guard, "gdb", "-q", "-batch", "-ex", "run", "--args", "/usr/bin/tmux", "-L", _server, "send-keys", "-t", "pane", $"echo traced > {mark}", "Enter");
        Assert.That(Appears(mark, 2), Is.False, r.Stdout + r.Stderr);
    }

    /// <summary>The look-alikes: with a ~/.tmux.conf from before the run and no foreign-code variable,
    /// `tmux ls` and `tmux send-keys 'echo hi'` still reach the outside server.</summary>
    [Test]
    public void PlainTmuxWithAConfigFromBeforeTheRunStillWorks()
    {
        using var home = new TestHome();
        File.WriteAllText(Path.Combine(home.Dir, ".tmux.conf"), "set -g history-limit 5000\n");
        Thread.Sleep(150); // older than the run's start less the coarse clock's tick
        string mark = Path.Combine(_dir, "typed");
        var r = home.Run(Guard, "sh", "-c", $"/usr/bin/tmux -L {_server} ls && exec /usr/bin/tmux -L {_server} send-keys -t pane 'echo hi > {mark}' Enter");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("pane: 1 windows"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:command-server"));
        Assert.That(Appears(mark, 5), Is.True, "the pane never ran the echo\n" + r.Stderr);
    }
}
