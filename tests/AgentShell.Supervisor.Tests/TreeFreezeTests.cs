namespace AgentShell.Supervisor.Tests;

/// <summary>Holding a tree still (issue 11: from a trusted tool's exec to its seal), against real
/// processes: every task of the tree is found (children, grandchildren, threads), none runs an
/// instruction while held, all run again once let go, and a tree that cannot be held (a task that
/// someone else traces) fails the freeze, which the caller turns into "no production trust".
/// Children are spawned outside System.Diagnostics.Process: the runtime's SIGCHLD handler would
/// take a seized child's stop report from the holding thread.</summary>
[TestFixture]
[NonParallelizable]
public sealed class TreeFreezeTests
{
    private readonly List<int> _spawned = [];

    [SetUp]
    public void NeedsPtrace()
    {
        if (Environment.UserName != "root" && File.Exists("/proc/sys/kernel/yama/ptrace_scope") && File.ReadAllText("/proc/sys/kernel/yama/ptrace_scope").Trim() != "0")
            Assert.Ignore("ptrace of a child is not allowed here (yama ptrace_scope)");
    }

    [TearDown]
    public void KillSpawned()
    {
        // The whole tree, not only the spawned shell: a spinner left behind would load the machine
        // for every later test.
        var everything = new TreeTasks(_spawned);
        for (int round = 0; round < 5; round++)
        {
            var left = everything.Snapshot()?.Select(t => t.Tgid).Distinct().ToList() ?? [];
            foreach (int pid in left) Interop.Process.kill(pid, 9);
            if (left.Count == 0) break;
            Thread.Sleep(20);
        }
        foreach (int pid in _spawned) Interop.Spawn.Wait(pid, out _, 0, out _);
        _spawned.Clear();
    }

    private int Spawn(params string[] argv)
    {
        int pid = Interop.Spawn.Start(argv[0], argv, ["PATH=/usr/bin:/bin"], 2, 2);
        _spawned.Add(pid);
        return pid;
    }

    private static string Status(int tid, string field)
    {
        try { return File.ReadLines($"/proc/{tid}/status").First(l => l.StartsWith(field + ":")).Split(':', 2)[1].Trim(); }
        catch (IOException) { return ""; }
    }

    private static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }

    private static long CpuTicks(int tid)
    {
        var stat = File.ReadAllText($"/proc/{tid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11]) + long.Parse(f[12]); // utime + stime
    }

    /// <summary>Waits until the tree under <paramref name="root"/> has <paramref name="processes"/> processes.</summary>
    private static List<(int Tid, int Tgid)> TreeOf(TreeTasks tasks, int processes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var now = tasks.Snapshot()!;
            if (now.Select(t => t.Tgid).Distinct().Count() >= processes || DateTime.UtcNow > deadline) return now;
            Thread.Sleep(20);
        }
    }

    [Test]
    public void EveryProcessAndThreadUnderTheRootsIsListedAndNothingElse()
    {
        // A shell with a spinning child and a sleeping grandchild (a subshell's).
        int root = Spawn("/bin/sh", "-c", "(while :; do :; done) & (sh -c 'sleep 60' & wait) & wait");
        var tasks = new TreeTasks([root]);
        var listed = TreeOf(tasks, 5);
        var pids = listed.Select(t => t.Tgid).Distinct().ToList();
        Assert.That(pids, Does.Contain(root));
        Assert.That(pids, Has.Count.EqualTo(5), string.Join(" ", pids)); // sh, the spinner, the subshell, its sh, sleep
        foreach (int pid in pids)
            Assert.That(ProcessInfo.DescendsFrom(pid, root, ProcessInfo.StartTime(root)), Is.True, $"pid {pid} is not of the tree");
        Assert.That(pids, Does.Not.Contain(Environment.ProcessId), "the supervisor itself is never listed");
        Assert.That(pids, Does.Not.Contain(1));
    }

    [Test]
    public void ASubreaperOutsideTheTreeIsNotListedButItsDescendantsAre()
    {
        // An attached shell's client collects the tree's orphans but is not of the tree: holding it
        // would stop a process the tree does not reach (and fail whenever it is traced).
        int client = Spawn("/bin/sh", "-c", "sleep 60 & wait");
        var listed = TreeOf(new TreeTasks([client], outside: [client]), 1).Select(t => t.Tgid).Distinct().ToList();
        Assert.That(listed, Does.Not.Contain(client));
        Assert.That(listed, Has.Count.EqualTo(1), "its sleep");
        // Listed as soon as it is forked: it is the shell's copy until its exec of sleep (under load, a while).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Comm(listed[0]) == "sh" && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(Comm(listed[0]), Is.EqualTo("sleep"));
    }

    [Test]
    public void ATreeHeldStillRunsNoInstructionUntilItIsLetGo()
    {
        int root = Spawn("/bin/sh", "-c", "(while :; do :; done) & sleep 60 & wait");
        var tasks = new TreeTasks([root]);
        var listed = TreeOf(tasks, 3);
        int spinner = listed.Select(t => t.Tgid).First(p => p != root && File.ReadAllText($"/proc/{p}/comm").Trim() == "sh");

        var freeze = TreeFreeze.Hold(tasks, except: 0);
        bool thawed = false;
        try
        {
            Assert.That(freeze.Failure, Is.Null);
            foreach (var (tid, _) in listed)
            {
                Assert.That(Status(tid, "State"), Does.StartWith("t"), $"task {tid} is held in a tracing stop");
                Assert.That(ProcessInfo.Tgid(int.Parse(Status(tid, "TracerPid"))), Is.EqualTo(Environment.ProcessId), "traced by a thread of ours");
            }
            long before = CpuTicks(spinner);
            Thread.Sleep(200);
            Assert.That(CpuTicks(spinner), Is.EqualTo(before), "the spinner ran while held");
            Assert.That(freeze.Thaw(), Is.True, "held from the freeze to the thaw");
            thawed = true;
        }
        finally
        {
            if (!thawed) freeze.Thaw();
        }
        // Let go: nothing stays traced or stopped, and the spinner runs again.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (listed.Any(t => Status(t.Tid, "TracerPid") is not ("0" or "")) && DateTime.UtcNow < deadline) Thread.Sleep(10);
        foreach (var (tid, _) in listed)
        {
            Assert.That(Status(tid, "TracerPid"), Is.AnyOf("0", ""), $"task {tid} is still traced");
            Assert.That(Status(tid, "State"), Does.Not.StartWith("t"), $"task {tid} is still stopped");
        }
        long after = CpuTicks(spinner);
        Thread.Sleep(200);
        Assert.That(CpuTicks(spinner), Is.GreaterThan(after), "the spinner runs again");
    }

    [Test]
    public void TheHoldingThreadIsKeptForTheNextFreezeOnlyOnceItLetEveryTaskGo()
    {
        // A thread started per freeze cost its start on every exec of a trusted tool; kept, it must
        // hold nothing between two freezes: what it held is detached at the thaw, not at its end.
        int sleeper = Spawn("/bin/sleep", "60");
        var tasks = new TreeTasks([sleeper]);
        TreeOf(tasks, 1);
        int HeldBy()
        {
            var freeze = TreeFreeze.Hold(tasks, except: 0);
            string? failure = freeze.Failure;
            string tracer = Status(sleeper, "TracerPid");
            Assert.That(freeze.Thaw(), Is.True, failure);
            return int.Parse(tracer);
        }
        int first = HeldBy();
        Assert.That(ProcessInfo.Tgid(first), Is.EqualTo(Environment.ProcessId), "held by a thread of ours");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Status(sleeper, "TracerPid") != "0" && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.That(Status(sleeper, "TracerPid"), Is.EqualTo("0"), "let go at the thaw");
        Assert.That(Directory.Exists($"/proc/self/task/{first}"), Is.True, "the holding thread lives on");
        Assert.That(HeldBy(), Is.EqualTo(first), "and holds the next freeze");
    }

    [Test]
    public void AFreezeHoldsWhatTheLastListingFoundAndWhatCameSince()
    {
        // The last listing's tasks are held before the freeze lists the tree (a tree unchanged since
        // reads /proc once less); the listing still decides: processes made since are held too.
        int root = Spawn("/usr/bin/python3", "-c", "import subprocess, time; time.sleep(0.5); s = [subprocess.Popen(['sleep', '60']) for _ in range(2)]; s[0].wait()");
        var tasks = new TreeTasks([root]);
        var before = tasks.Snapshot()!;
        Assert.That(before.Select(t => t.Tgid).Distinct(), Is.EquivalentTo(new[] { root }), "listed before it forked");
        Assert.That(tasks.StillListed(), Is.EquivalentTo(before));
        var listed = TreeOf(tasks, 3);
        var freeze = TreeFreeze.Hold(tasks, except: 0);
        try
        {
            Assert.That(freeze.Failure, Is.Null);
            foreach (var (tid, _) in listed)
                Assert.That(Status(tid, "State"), Does.StartWith("t"), $"task {tid} ({Comm(tid)}) is held");
        }
        finally { freeze.Thaw(); }
    }

    [Test]
    public void StillListedNamesNoTaskThatIsGone()
    {
        int a = Spawn("/bin/sleep", "60"), b = Spawn("/bin/sleep", "60");
        var tasks = new TreeTasks([a, b]);
        Assert.That(tasks.StillListed(), Is.Empty, "nothing before a listing");
        Assert.That(tasks.Snapshot()!.Select(t => t.Tgid), Is.EquivalentTo(new[] { a, b }));
        Interop.Process.kill(a, 9);
        Interop.Spawn.Wait(a, out _, 0, out _);
        _spawned.Remove(a);
        Assert.That(tasks.StillListed(), Is.EquivalentTo(new[] { (b, b) }), "the one reaped is gone");
    }

    [Test]
    public void AJobStoppedByTheAgentIsHeldAndStaysStoppedOnceLetGo()
    {
        // Ctrl-Z in the agent's shell: the freeze does not fail on it, nor resume it.
        int sleeper = Spawn("/bin/sleep", "60");
        Interop.Process.kill(sleeper, 19); // SIGSTOP
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Status(sleeper, "State").StartsWith('T') && DateTime.UtcNow < deadline) Thread.Sleep(10);
        var freeze = TreeFreeze.Hold(new TreeTasks([sleeper]), except: 0);
        string? failure = freeze.Failure;
        Assert.That(freeze.Thaw(), Is.True, failure);
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (Status(sleeper, "TracerPid") != "0" && DateTime.UtcNow < deadline) Thread.Sleep(10);
        // Detached from its ptrace stop, a group-stopped task is woken to stop again (R for a moment,
        // in the kernel): a resumed sleep would be S.
        while (Status(sleeper, "State").StartsWith('R') && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.That(Status(sleeper, "State"), Does.StartWith("T"), "still stopped");
        Interop.Process.kill(sleeper, 18); // SIGCONT
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (Status(sleeper, "State").StartsWith('T') && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.That(Status(sleeper, "State"), Does.Not.StartWith("T"), "and continues when told");
    }

    [Test]
    public void AnExecFromAProcessWithOtherThreadsIsNotHeldFor()
    {
        // Its other threads run until the exec ends them, after the new image exists: the freeze
        // fails (the tool would run untrusted). Look-alike: a single-threaded process is held for.
        int threaded = Spawn("/usr/bin/python3", "-c", "import threading, time; threading.Thread(target=time.sleep, args=(60,)).start(); time.sleep(60)");
        int single = Spawn("/bin/sleep", "60");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.GetDirectories($"/proc/{threaded}/task").Length < 2 && DateTime.UtcNow < deadline) Thread.Sleep(20);

        var freeze = TreeFreeze.Hold(new TreeTasks([threaded]), except: threaded, execTid: threaded);
        string? failure = freeze.Failure;
        Assert.That(freeze.Thaw(), Is.False);
        Assert.That(failure, Does.Contain("other threads"));

        freeze = TreeFreeze.Hold(new TreeTasks([single]), except: single, execTid: single);
        failure = freeze.Failure;
        string tracer = Status(single, "TracerPid");
        Assert.That(freeze.Thaw(), Is.True, failure);
        Assert.That(tracer, Is.EqualTo("0"), "the exec's own task is left to its checker");
    }

    [Test]
    public void ATaskTracedBySomeoneElseFailsTheFreezeAndTheTreeIsLetGo()
    {
        var strace = new[] { "/usr/bin/strace", "/bin/strace" }.FirstOrDefault(File.Exists);
        if (strace == null) Assert.Ignore("strace is not installed");
        int root = Spawn(strace!, "-f", "-o", "/dev/null", "/bin/sleep", "60");
        var tasks = new TreeTasks([root]);
        TreeOf(tasks, 2);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        int sleeper = 0;
        while ((sleeper = tasks.Snapshot()!.Select(t => t.Tgid).FirstOrDefault(p => Comm(p) == "sleep")) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        while (Status(sleeper, "TracerPid") != root.ToString() && DateTime.UtcNow < deadline) Thread.Sleep(10);

        var freeze = TreeFreeze.Hold(tasks, except: 0);
        string? failure = freeze.Failure;
        Assert.That(freeze.Thaw(), Is.False, "a freeze that failed did not hold");
        Assert.That(failure, Does.Contain($"pid {sleeper} is traced by pid {root}"));
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (Status(root, "TracerPid") is not ("0" or "") && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.That(Status(root, "TracerPid"), Is.AnyOf("0", ""), "strace is let go");
        Assert.That(Status(sleeper, "TracerPid"), Is.EqualTo(root.ToString()), "its own tracee stays its own");
    }
}
