using System.Runtime.InteropServices;

namespace AgentShell.Supervisor.Tests;

/// <summary>Facts about real processes from the kernel: the thread group of a thread id (a group
/// leader found with one tgkill, any other thread through /proc), and the chain of parents an audit
/// record names, read from one-line /proc files in a single read each.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ProcessInfoTests
{
    private const int NR_gettid = 186;

    [DllImport("libc", EntryPoint = "syscall")]
    private static extern long Syscall0(long number);

    /// <summary>Runs <paramref name="body"/> with the id of another thread of this process, alive throughout.</summary>
    private static void WithAnotherThread(Action<int> body)
    {
        int tid = 0;
        using var alive = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var worker = new Thread(() => { tid = (int)Syscall0(NR_gettid); alive.Set(); done.Wait(); });
        worker.Start();
        alive.Wait();
        try { body(tid); }
        finally
        {
            done.Set();
            worker.Join();
        }
    }

    [Test]
    public void ThreadsCountsTheWholeGroupFromAnyOfItsThreads()
    {
        // A single-threaded process, this (many-threaded) one, a thread of it, and a pid no one has.
        int child = Interop.Spawn.Start("/bin/sleep", ["/bin/sleep", "30"], [], 2, 2);
        try
        {
            WithAnotherThread(tid => AssertThreads(child, tid));
        }
        finally
        {
            Interop.Process.kill(child, 9);
            Interop.Spawn.Wait(child, out _, 0, out _);
        }
    }

    private static void AssertThreads(int child, int tid)
    {
        Assert.That(ProcessInfo.Threads(child), Is.EqualTo(1));
        // The stat line's field 20 (num_threads) is what the count replaced: both say the same.
        int listed = int.Parse(File.ReadAllText($"/proc/{Environment.ProcessId}/stat").Split(") ")[1].Split(' ')[17]);
        Assert.That(ProcessInfo.Threads(Environment.ProcessId), Is.GreaterThan(1).And.EqualTo(listed).Within(2), "(threads may come and go between the reads)");
        Assert.That(ProcessInfo.Threads(tid), Is.EqualTo(ProcessInfo.Threads(Environment.ProcessId)).Within(2));
        Assert.That(ProcessInfo.Threads(int.MaxValue), Is.EqualTo(0), "unreadable: 0, never 1");
    }

    [Test]
    public void AThreadGroupLeaderIsItsOwnGroup() =>
        Assert.That(ProcessInfo.Tgid(Environment.ProcessId), Is.EqualTo(Environment.ProcessId));

    [Test]
    public void AnotherThreadOfAProcessIsFoundInItsGroup() =>
        // Look-alike of the leader: tgkill(tid, tid, 0) fails for it, and /proc tells its group.
        WithAnotherThread(tid =>
        {
            Assert.That(tid, Is.Not.EqualTo(Environment.ProcessId));
            Assert.That(ProcessInfo.Tgid(tid), Is.EqualTo(Environment.ProcessId));
        });

    [Test]
    public void AChainNamesEachProcessFromTheTopDownAndItsStartTimeIsTheKernels()
    {
        // sh (top) -> sh -> sleep, each waiting: the chain from the sleep up to the top.
        int top = Interop.Spawn.Start("/bin/sh", ["/bin/sh", "-c", "/bin/sh -c '/bin/sleep 30; true'; true"], [], 2, 2);
        int leaf = -1, middle = -1;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (leaf < 0 && DateTime.UtcNow < deadline)
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out int p)) continue;
                    try
                    {
                        if (File.ReadAllText($"{dir}/comm").Trim() == "sleep" && ProcessInfo.DescendsFrom(p, top, ProcessInfo.StartTime(top))) leaf = p;
                    }
                    catch (IOException) { } // gone while listed: not ours
                }
                if (leaf < 0) Thread.Sleep(20);
            }
            Assert.That(leaf, Is.GreaterThan(0), "the sleep started");
            Assert.That(ProcessInfo.TryStat(leaf, out middle, out _, out string comm), Is.True);
            Assert.That(comm, Is.EqualTo("sleep"));
            Assert.That(ProcessInfo.Chain(leaf, top), Is.EqualTo(new[] { $"sh({top})", $"sh({middle})", $"sleep({leaf})" }));
            var field22 = File.ReadAllText($"/proc/{leaf}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19];
            Assert.That(ProcessInfo.StartTime(leaf), Is.EqualTo(ulong.Parse(field22)));
        }
        finally
        {
            if (leaf > 0) Interop.Process.kill(leaf, 9);
            if (middle > 0) Interop.Process.kill(middle, 9);
            Interop.Process.kill(top, 9);
            Interop.Spawn.Wait(top, out _, 0, out _);
        }
    }

    [Test]
    public void AGoneProcessHasNoChainAndNoStartTime()
    {
        int pid = Interop.Spawn.Start("/bin/true", ["/bin/true"], [], 2, 2);
        Interop.Spawn.Wait(pid, out _, 0, out _);
        Assert.That(ProcessInfo.TryStat(pid, out _, out _, out _), Is.False);
        Assert.That(ProcessInfo.StartTime(pid), Is.EqualTo(0UL));
        Assert.That(ProcessInfo.Chain(pid, 1), Is.Empty);
    }

    [Test]
    public void AProcDirectoryOpenedBeforeAnExecNamesTheProgramThatRunsAfterIt()
    {
        // The exec check opens /proc/PID (and looks its "exe" up) before the exec commits: the
        // identity read through it at the stop must be the new program's, not the old one's.
        var go = Path.Combine(Path.GetTempPath(), $"agentshell-exe-{Guid.NewGuid():N}");
        int pid = Interop.Spawn.Start("/usr/bin/python3", ["/usr/bin/python3", "-c",
            "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.005)\nos.execv('/bin/sleep', ['sleep', '5'])", go], [], 2, 2);
        int dir = -1;
        try
        {
            Assert.That(Interop.Files.TryStat("/usr/bin/python3", out var python), Is.True);
            Assert.That(Interop.Files.TryStat("/bin/sleep", out var sleep), Is.True);
            dir = ProcessInfo.OpenProcDir(pid);
            Assert.That(dir, Is.GreaterThanOrEqualTo(0));
            (ulong, ulong)? ExeAt(int d) => ProcessInfo.ExeStatusAt(d, out var st) ? st.Identity : null;
            Assert.That(ExeAt(dir), Is.EqualTo(python.Identity), "before: python");
            File.WriteAllText(go, "");
            for (int i = 0; i < 400 && ProcessInfo.ExeIdentity(pid) != sleep.Identity; i++) Thread.Sleep(5);
            Assert.That(ProcessInfo.ExeIdentity(pid), Is.EqualTo(sleep.Identity), "the child exec'd sleep");
            Assert.That(ExeAt(dir), Is.EqualTo(sleep.Identity), "after: what runs now, through the same directory");
        }
        finally
        {
            if (dir >= 0) Interop.Libc.close(dir);
            Interop.Process.kill(pid, 9);
            Interop.Spawn.Wait(pid, out _, 0, out _);
            File.Delete(go);
        }
    }

    [Test]
    public void AGoneProcessHasNoProcDirectory()
    {
        int pid = Interop.Spawn.Start("/bin/true", ["/bin/true"], [], 2, 2);
        Interop.Spawn.Wait(pid, out _, 0, out _);
        Assert.That(ProcessInfo.OpenProcDir(pid), Is.EqualTo(-1));
    }

    [Test]
    public void TheWorkingDirectoryIsTheCwdLinksTarget()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-cwd-\u00e9-").FullName;
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "30") { WorkingDirectory = dir })!;
            try
            {
                Assert.That(ProcessInfo.WorkingDirectory(p.Id), Is.EqualTo(dir).And.EqualTo(new DirectoryInfo($"/proc/{p.Id}/cwd").LinkTarget));
                Assert.That(ProcessInfo.WorkingDirectory(Environment.ProcessId), Is.EqualTo(Directory.GetCurrentDirectory()));
            }
            finally { p.Kill(); p.WaitForExit(); }
            Assert.That(ProcessInfo.WorkingDirectory(p.Id), Is.Null, "gone");
        }
        finally { Directory.Delete(dir); }
    }
}
