using AgentShell.Core.Policy;

namespace AgentShell.Reliability.Tests;

/// <summary>Faults injected into the answer to a held exec (HeldNotifications, through its send seam),
/// against a real task blocked in its exec under the launcher's filter: a refusal of a
/// single-threaded caller is let commit under a seize and ended with 126 (ExecTracer.Ending), and
/// whatever fails on the way the task ends refused (EPERM) or killed, the answering thread returns,
/// and the program never runs.</summary>
[TestFixture]
[NonParallelizable]
public sealed class HeldAnswerFaultTests
{
    private const int EPERM = 1;
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Workloads.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-held-fault-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    /// <summary>A launcher that execs /bin/true under the filter, started by a shell that writes the
    /// launcher's exit status to a file (the shell, not this process, is its parent: the answering
    /// thread, its tracer, takes only the tracee's reports). Returns the notification of that exec.</summary>
    private (int Listener, Interop.Seccomp.seccomp_notif N, int Shell, int Sock) BlockedExec()
    {
        var (ours, theirs) = Interop.Sockets.SocketPair();
        Interop.Sockets.PassCredentials(ours);
        string script = $"\"$0\" --sock-fd 3 --supervisor-pid {Environment.ProcessId} -- /bin/true 2>'{_tmp}/stderr'; echo $? > '{_tmp}/status'";
        int shell = Interop.Spawn.Start("/bin/sh", ["/bin/sh", "-c", script, Repo.Launcher], ["PATH=/usr/bin:/bin"], theirs, 3);
        Interop.Libc.close(theirs);
        int listener = LauncherHandOff.ReceiveListener(ours);
        Assert.That(listener, Is.GreaterThanOrEqualTo(0), "the launcher installed its filter");
        LauncherHandOff.SendGo(ours); // kept open: a failed exec's errno comes back on it
        Assert.That(Interop.Seccomp.Receive(listener, out var n), Is.EqualTo((Errno)0));
        Assert.That(n.data.nr, Is.EqualTo(Interop.Seccomp.NR_execve));
        return (listener, n, shell, ours);
    }

    private static HeldNotifications Held(int listener, AnswerSender send, TextWriter log)
    {
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var trust = new TrustLedger(policy, null, null, null, log);
        var notifier = new BlockNotifier();
        return new HeldNotifications(listener, trust, new VerifiedExecs(null, trust, notifier, new AuditRecorder(null, "test", 0x3fff_fff0, log), log), notifier, log, send);
    }

    /// <summary>Denies the held exec through <paramref name="send"/> on a thread of its own (the
    /// tracer); returns the launcher's exit status as its shell saw it, and the log.</summary>
    private (string Status, string Log, string Stderr) Deny(AnswerSender send)
    {
        var (listener, n, shell, sock) = BlockedExec();
        var log = new StringWriter();
        var held = Held(listener, send, TextWriter.Synchronized(log));
        held.HoldExec(n.id, null, default, null, runnable: true);
        Exception? escaped = null;
        var answering = new Thread(() =>
        {
            try { held.Answer(n.id, (int)n.pid, allow: false, "agentshell: refused by the test [rule test:deny]"); }
            catch (Exception e) { escaped = e; } // would end the registry's thread (a control connection, the timer)
        });
        answering.Start();
        bool returned = answering.Join(TimeSpan.FromSeconds(20));
        if (!returned) Interop.Process.kill((int)n.pid, 9); // frees the thread; the test fails below
        Assert.That(Interop.Spawn.Wait(shell, out _, 0, out _), Is.EqualTo(shell));
        if (!returned) answering.Join();
        Interop.Libc.close(listener);
        Interop.Libc.close(sock);
        Assert.That(returned, Is.True, $"the answering thread returned (it hung waiting for the task); log:\n{log}");
        Assert.That(escaped, Is.Null, "the answer threw");
        return (File.ReadAllText(Path.Combine(_tmp, "status")).Trim(), log.ToString(), File.ReadAllText(Path.Combine(_tmp, "stderr")));
    }

    [Test]
    public void ADenialIsEndedWith126()
    {
        var r = Deny((fd, id, error, flags, val) => Interop.Seccomp.Send(fd, id, error, flags, val));
        Assert.That(r.Status, Is.EqualTo("126"), r.Log);
        Assert.That(r.Stderr, Does.Contain("[rule test:deny]"), "the reason reached the task's stderr");
    }

    [Test]
    public void AContinueThatCannotBeSentIsRefusedInsteadAndTheAnswerReturns()
    {
        int continues = 0;
        var r = Deny((fd, id, error, flags, val) =>
        {
            if (flags == 0) return Interop.Seccomp.Send(fd, id, error, flags, val);
            Interlocked.Increment(ref continues);
            return Errno.EBADF;
        });
        Assert.That(continues, Is.EqualTo(1), "the ending's CONTINUE was tried once, never again");
        Assert.That(r.Status, Is.EqualTo("127"), "the launcher's exec failed (EPERM) and it exited 127; " + r.Log);
        Assert.That(r.Stderr, Does.Contain("[rule test:deny]"), "the reason reached the task's stderr");
        Assert.That(r.Log, Does.Contain("seccomp send failed: EBADF; the exec of pid").And.Contain("is refused instead"));
    }

    [Test]
    public void WhenNoAnswerCanBeSentTheTaskIsKilled()
    {
        var r = Deny((_, _, _, _, _) => Errno.EBADF);
        Assert.That(r.Status, Is.EqualTo("137"), "killed (128+SIGKILL), never run; " + r.Log);
        Assert.That(r.Log, Does.Contain("then EBADF; the exec of pid").And.Contain("is killed"));
    }

    [Test]
    public void AnExceptionInTheAnswerKillsTheSeizedTaskAndDoesNotEscape()
    {
        int calls = 0;
        var r = Deny((fd, id, error, flags, val) =>
        {
            Interlocked.Increment(ref calls);
            if (flags != 0) throw new IOException("injected: the listener failed");
            return Interop.Seccomp.Send(fd, id, error, flags, val);
        });
        Assert.That(r.Status, Is.EqualTo("137"), "the seized task was killed before it ran; " + r.Log);
        Assert.That(r.Log, Does.Contain("error answering a held notification of pid").And.Contain("injected: the listener failed"));
        Assert.That(calls, Is.EqualTo(2), "the CONTINUE that threw, then the refusal (the notification, gone with its task, takes no answer)");
    }
}
