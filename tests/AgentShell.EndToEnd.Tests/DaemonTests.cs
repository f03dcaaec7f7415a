using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell daemon` as a container's entrypoint: init's duties (orphans reaped, signals
/// passed on, the command's status kept, 0 after a SIGTERM), both as a subreaper and as PID 1 of a
/// new pid namespace (what a container gives it), and where its socket goes.</summary>
[TestFixture]
public sealed class DaemonTests
{
    [SetUp]
    public void SetUp() => KernelSetUp.RequireInterception();

    private static void RequirePidNamespace(bool pid1)
    {
        if (pid1 && Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("PID 1 of a new pid namespace needs root here (unshare --pid)");
    }

    [Test]
    public void TheCommandsExitStatusIsTheDaemons([Values(false, true)] bool pid1)
    {
        RequirePidNamespace(pid1);
        using var d = BackgroundDaemon.Start(["-q"], ["sh", "-c", "echo pid=$$; exit 7"], pid1);
        Assert.That(d.WaitForExit(), Is.EqualTo(7), d.Stderr);
        if (pid1) Assert.That(d.Stdout, Does.Contain("pid=").And.Not.Contain("pid=1\n"), "the daemon is PID 1, its command another");
    }

    [Test]
    public void AnOrphanIsReaped([Values(false, true)] bool pid1)
    {
        RequirePidNamespace(pid1);
        // The subshell exits at once: its cat is orphaned and re-parented to the init of the tree's
        // own pid namespace (the launcher's; the daemon, PID 1 of the container or a subreaper, where
        // the tree has none), which must reap it when it ends. The cat ends when the
        // test opens the FIFO it waits on, so a loaded machine cannot end it before it is seen.
        var fifo = Path.Combine(Path.GetTempPath(), $"agentshell-orphan-{Guid.NewGuid():N}");
        Assert.That(Mono.Unix.Native.Syscall.mkfifo(fifo, Mono.Unix.Native.FilePermissions.S_IRUSR | Mono.Unix.Native.FilePermissions.S_IWUSR), Is.Zero, "mkfifo");
        try
        {
            using var d = BackgroundDaemon.Start(["-q"], ["sh", "-c", $"(cat {fifo} >/dev/null &); echo orphaned; sleep 30"], pid1);
            d.WaitForStdout("orphaned");
            int daemon = d.Ready().Pid();
            int orphan = -1;
            d.WaitFor(() => (orphan = FindAdopted(daemon, "cat", fifo)) > 0, "the orphan re-parented to the tree's init or the daemon", 20);
            File.WriteAllText(fifo, "");
            WaitReaped(orphan);
            Assert.That(d.HasExited, Is.False, "the daemon keeps running its command");
        }
        finally { File.Delete(fifo); }
    }

    private static void WaitReaped(int orphan)
    {
        var sw = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{orphan}") && sw.Elapsed.TotalSeconds < 20) Thread.Sleep(50);
        Assert.That(Directory.Exists($"/proc/{orphan}"), Is.False, $"pid {orphan} ended but was not reaped ({State(orphan)})");
    }

    [Test]
    public void SigtermReachesTheCommandAndTheDaemonExitsZero([Values(false, true)] bool pid1)
    {
        RequirePidNamespace(pid1);
        using var d = BackgroundDaemon.Start(["-q"], ["bash", "-c", Trap("TERM")], pid1);
        d.WaitForStdout("ready");
        Assert.That(Interop.Process.kill(d.Ready().Pid(), 15), Is.EqualTo(0));
        Assert.That(d.WaitForExit(), Is.EqualTo(0), "docker stop: a clean exit after passing SIGTERM on");
        Assert.That(d.Stdout, Does.Contain("got-TERM"));
    }

    [TestCase("INT", 2)]
    [TestCase("HUP", 1)]
    public void OtherSignalsReachTheCommandAndItsStatusIsKept(string name, int signal)
    {
        string script = Trap(name);
        try
        {
            using var d = BackgroundDaemon.Start(["-q"], ["bash", "-c", script]);
            d.WaitForStdout("ready");
            Assert.That(Interop.Process.kill(d.Ready().Pid(), signal), Is.EqualTo(0));
            // Bounded at 10 s: a signal that never arrives (inherited as ignored) fails fast.
            Assert.That(d.WaitForExit(10), Is.EqualTo(3));
            Assert.That(d.Stdout, Does.Contain($"got-{name}"));
        }
        finally { LiveProcesses.Kill(script); } // a failed case must not leave the loop spinning
    }

    [Test]
    public void TheDaemonsOwnCommandIsSupervised()
    {
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var curl = Repo.Which("curl");
        using var d = BackgroundDaemon.Start(["--profile", Repo.DemoProfile],
            ["bash", "-c", $"m=$(printf 'DEL%sTE' E); {curl} -sS -X \"$m\" {prod.Url("/volumes/1")}; echo rc=$?"]);
        Assert.That(d.WaitForExit(), Is.EqualTo(0), d.Stderr);
        Assert.That(d.Stdout, Does.Contain("rc=126"));
        Assert.That(d.Stderr, Does.Contain($"agentshell: blocked curl DELETE {prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(prod.Requests, Is.Empty);
    }

    [Test]
    public void ASecondDaemonOnALiveSocketRefusesAndLeavesItAlone()
    {
        using var first = BackgroundDaemon.Start(["-q"], ["sleep", "30"]).Ready();
        var second = AgentShellRunner.Run(["daemon", "-q", "--socket", first.Socket, "--", "touch", Path.Combine(first.Dir, "ran")]);
        Assert.That(second.ExitCode, Is.EqualTo(125));
        Assert.That(second.Stderr, Does.Contain($"another agentshell daemon (pid {first.Pid()}) is listening on {first.Socket}; nothing was run"));
        Assert.That(File.Exists(Path.Combine(first.Dir, "ran")), Is.False);
        Assert.That(first.Shell("/bin/echo", "still-served").Stdout, Is.EqualTo("still-served\n"), "the first daemon's socket still works");
    }

    [Test]
    public void TheSocketOfADaemonThatDiedIsReplaced()
    {
        string socket;
        using (var dead = BackgroundDaemon.Start(["-q"], ["sleep", "30"]).Ready())
        {
            socket = dead.Socket;
            // SIGKILL to the daemon's process group (setsid made the daemon its leader): the daemon
            // dies just as uncleanly, and its command goes with it; killed alone, the orphaned
            // `sleep 30` held the output pipe open and WaitForExit waited the 30 s out.
            int pid = dead.Pid();
            string stat = File.ReadAllText($"/proc/{pid}/stat"); // "pid (comm) state ppid pgrp ..."
            Assert.That(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], Is.EqualTo(pid.ToString()), "the daemon leads its process group");
            Assert.That(Interop.Process.kill(-pid, 9), Is.EqualTo(0));
            dead.WaitForExit();
            Assert.That(File.Exists(socket), Is.True, "a killed daemon leaves its socket behind");
            var next = AgentShellRunner.Run(["daemon", "-q", "--socket", socket, "--", "sh", "-c", "echo replaced"]);
            Assert.That(next.ExitCode, Is.EqualTo(0), next.Stderr);
            Assert.That(next.Stdout, Is.EqualTo("replaced\n"));
        }
    }

    [Test]
    public void WithoutSocketTheEnvironmentSaysWhere()
    {
        var tmp = Directory.CreateTempSubdirectory("agentshell-daemon-env-").FullName;
        try
        {
            // $AGENTSHELL_DAEMON_SOCKET first; `shell` with the same environment finds the daemon.
            var named = Path.Combine(tmp, "named.sock");
            var env = new Dictionary<string, string> { ["AGENTSHELL_DAEMON_SOCKET"] = named, ["XDG_RUNTIME_DIR"] = tmp };
            using (var d = new BackgroundTool(BackgroundTool.Setsid, ["daemon", "-q", "--", "sleep", "30"], env))
            {
                d.WaitFor(() => File.Exists(named), $"a socket at {named}");
                var r = AgentShellRunner.Run(["shell", "--", "/bin/echo", "via-variable"], env: env);
                Assert.That(r.Stdout, Is.EqualTo("via-variable\n"), r.Stderr);
            }
            // Else $XDG_RUNTIME_DIR/agentshell/daemon.sock.
            var xdg = Path.Combine(tmp, "agentshell", "daemon.sock");
            env = new Dictionary<string, string> { ["AGENTSHELL_DAEMON_SOCKET"] = "", ["XDG_RUNTIME_DIR"] = tmp };
            using (var d = new BackgroundTool(BackgroundTool.Setsid, ["daemon", "-q", "--", "sleep", "30"], env))
            {
                d.WaitFor(() => File.Exists(xdg), $"a socket at {xdg}");
                var r = AgentShellRunner.Run(["shell", "--", "/bin/echo", "via-xdg"], env: env);
                Assert.That(r.Stdout, Is.EqualTo("via-xdg\n"), r.Stderr);
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    private static string Trap(string name) =>
        $"trap 'echo got-{name}; exit 3' {name}; echo ready; while :; do read -t 0.05 < /dev/zero || true; done";

    /// <summary>A child of <paramref name="parent"/> running exactly <paramref name="argv"/>, or -1.</summary>
    /// <summary>The process running <paramref name="argv"/> whose parent is <paramref name="daemon"/>
    /// or the init of a tree's pid namespace (the launcher's, a descendant of the daemon).</summary>
    private static int FindAdopted(int daemon, params string[] argv)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).TrimEnd('\0').Split('\0');
                if (!cmd.SequenceEqual(argv)) continue;
                int parent = Parent(pid);
                if (parent == daemon || File.ReadAllText($"/proc/{parent}/comm").Trim() == "agentshell-laun" && DescendsFrom(parent, daemon)) return pid;
            }
            catch (IOException) { }
        }
        return -1;
    }

    private static int Parent(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (int i = 0; i < 8 && pid > 1; i++)
            if ((pid = Parent(pid)) == ancestor) return true;
        return false;
    }

    private static string State(int pid)
    {
        try { return "state " + File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1][0]; }
        catch (IOException) { return "gone"; }
    }
}
