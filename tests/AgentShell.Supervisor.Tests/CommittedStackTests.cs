using System.Buffers.Binary;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>The committed argv and environment read from the new image's stack at its exec stop:
/// on stacks laid out as the kernel lays them out (each way of differing is a difference), and on
/// real processes stopped at their exec event, where a changed argument or variable is found and
/// the task is killed before it runs.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CommittedStackTests
{
    private const ulong Sp = 0x7ffd_0000_1000;

    /// <summary>A stack as create_elf_tables writes it at <see cref="Sp"/>: argc, argv pointers,
    /// NULL, envp pointers, NULL, an auxv stand-in of <paramref name="gap"/> bytes, the strings.</summary>
    private static byte[] Stack(string[] argv, string[] env, int gap = 64)
    {
        int pointers = 8 * (argv.Length + env.Length + 3);
        var strings = new List<byte>();
        var argvAt = new List<ulong>();
        var envAt = new List<ulong>();
        ulong start = Sp + (ulong)(pointers + gap);
        foreach (var a in argv) { argvAt.Add(start + (ulong)strings.Count); strings.AddRange(System.Text.Encoding.UTF8.GetBytes(a)); strings.Add(0); }
        foreach (var e in env) { envAt.Add(start + (ulong)strings.Count); strings.AddRange(System.Text.Encoding.UTF8.GetBytes(e)); strings.Add(0); }
        var b = new byte[pointers + gap + strings.Count];
        int w = 0;
        void Put(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(w), v); w += 8; }
        Put((ulong)argv.Length);
        foreach (var p in argvAt) Put(p);
        Put(0);
        foreach (var p in envAt) Put(p);
        Put(0);
        strings.CopyTo(b, pointers + gap);
        return b;
    }

    private static byte[] Joined(params string[] s) => [.. s.SelectMany(x => System.Text.Encoding.UTF8.GetBytes(x).Append((byte)0))];

    private static string? Check(byte[] stack, string[] argv, string[] env) =>
        CommittedStack.Check(0, Sp, stack, argv.Length, env.Length, Joined(argv), Joined(env));

    private static readonly string[] Get = ["curl", "-X", "GET", "https://prod.example/x"];
    private static readonly string[] Env = ["A=1", "HOME=/root"];

    [Test]
    public void TheStackAsDecidedHasNoDifference() =>
        Assert.That(Check(Stack(Get, Env), Get, Env), Is.Null);

    [Test]
    public void AFlippedArgumentIsADifference() =>
        Assert.That(Check(Stack(["curl", "-X", "DEL", "https://prod.example/x"], Env), Get, Env), Is.EqualTo("its arguments changed"));

    [Test]
    public void AnArgumentMoreIsADifference() =>
        Assert.That(Check(Stack([.. Get, "-XDELETE"], Env), Get, Env), Is.EqualTo("its arguments changed"));

    [Test]
    public void AVariableChangedIsADifference() =>
        Assert.That(Check(Stack(Get, ["A=2", "HOME=/root"]), Get, Env), Is.EqualTo("its environment changed"));

    [Test]
    public void AVariableMoreIsADifference() =>
        Assert.That(Check(Stack(Get, [.. Env, "PGHOST=prod"]), Get, Env), Is.EqualTo("its environment changed"));

    [Test]
    public void APointerThatSkipsBytesIsADifference()
    {
        // The same bytes, but argv[2] points one byte on: the program would read "ET", not "GET".
        var s = Stack(Get, Env);
        ulong p = BinaryPrimitives.ReadUInt64LittleEndian(s.AsSpan(8 * 3));
        BinaryPrimitives.WriteUInt64LittleEndian(s.AsSpan(8 * 3), p + 1);
        Assert.That(Check(s, Get, Env), Is.EqualTo("its arguments changed"));
    }

    [Test]
    public void AMissingTerminatorIsADifference()
    {
        var s = Stack(Get, Env);
        BinaryPrimitives.WriteUInt64LittleEndian(s.AsSpan(8 * (Get.Length + 1)), Sp);
        Assert.That(Check(s, Get, Env), Is.EqualTo("its arguments changed"));
    }

    [Test]
    public void AnEnvironmentNotRightAfterTheArgumentsIsADifference()
    {
        // Every envp pointer moved one byte on, and the strings with them: not the kernel's layout.
        var s = Stack(Get, Env);
        int at = 8 * (Get.Length + 2);
        for (int i = 0; i < Env.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(s.AsSpan(at + 8 * i), BinaryPrimitives.ReadUInt64LittleEndian(s.AsSpan(at + 8 * i)) + 1);
        Assert.That(Check([.. s, 0], Get, Env), Is.EqualTo("its environment changed"));
    }

    [Test]
    public void AReadShorterThanThePointersIsUnreadable() =>
        Assert.That(Check(Stack(Get, Env)[..(8 * (Get.Length + Env.Length + 3) - 1)], Get, Env), Is.EqualTo(CommittedStack.Unreadable));

    [Test]
    public void StringsCutOffByTheReadAreUnreadableWithoutAProcess() =>
        Assert.That(Check(Stack(Get, Env)[..^3], Get, Env), Is.EqualTo(CommittedStack.Unreadable));

    // On real processes: a child that execs /bin/true with the argv and environment it is given,
    // once a file appears; seized before (with exec events, no interrupt: it is not blocked in an
    // exec here), compared at its exec stop.

    private static string? CommittedDifference(string[] decided, string[] decidedEnv, string[] run, string[] runEnv, out bool killed)
    {
        if (Environment.UserName != "root" && File.ReadAllText("/proc/sys/kernel/yama/ptrace_scope").Trim() != "0")
            Assert.Ignore("ptrace of a child is not allowed here (yama ptrace_scope)");
        if (!File.Exists("/usr/bin/python3")) Assert.Ignore("no /usr/bin/python3 to exec with a chosen argv and environment");
        string go = Path.Combine(Path.GetTempPath(), $"agentshell-stack-{Guid.NewGuid():N}");
        // It says when it runs: seized before its own exec has reported (posix_spawn returns once
        // the new image replaced the old, before the exec's ptrace event), the stop would be that exec's.
        string script = "import os,sys,time\n" +
            "open(sys.argv[1] + '.ready', 'w').close()\n" +
            "while not os.path.exists(sys.argv[1]): time.sleep(0.002)\n" +
            "n = int(sys.argv[2]); os.execve('/bin/true', sys.argv[3:3 + n], dict(v.split('=', 1) for v in sys.argv[3 + n:]))\n";
        int pid = Interop.Spawn.Start("/usr/bin/python3", ["/usr/bin/python3", "-c", script, go, run.Length.ToString(), .. run, .. runEnv], [], 2, 2);
        bool reaped = false;
        killed = false;
        try
        {
            var name = "/bin/true"u8.ToArray();
            var expected = CommittedExec.For(new ExecRequest(name, name.Length, Argv.FromStrings(decided), pid), Argv.FromStrings(decidedEnv), out _)
                ?? throw new InvalidOperationException("/bin/true is not readable");
            for (int i = 0; i < 3000 && !File.Exists(go + ".ready"); i++) Thread.Sleep(5);
            Assert.That(File.Exists(go + ".ready"), Is.True, "the child runs");
            Assert.That(Interop.Ptrace.Seize(pid), Is.EqualTo((Errno)0));
            File.WriteAllText(go, "");
            Assert.That(Interop.Ptrace.WaitTracee(pid, out var si), Is.EqualTo((Errno)0));
            Assert.That(si.si_status >> 8, Is.EqualTo(Interop.Ptrace.EventExec), "stopped at its exec event");
            s_stackVdso = CommittedStack.VdsoBase(pid, expected);
            var d = ExecTracer.Compare(pid, expected);
            s_procVdso = CommittedStack.AuxvEntry(File.ReadAllBytes($"/proc/{pid}/auxv"), 33);
            if (d != null)
            {
                // Killed at its exec stop, before its first instruction; the tracer's wait for the
                // exit reaps it (it is this process's child too).
                new ExecTracer().Kill(pid);
                reaped = true;
                killed = !Directory.Exists($"/proc/{pid}");
            }
            else Interop.Ptrace.Detach(pid);
            return d;
        }
        finally
        {
            File.Delete(go);
            File.Delete(go + ".ready");
            if (!reaped)
            {
                Interop.Process.kill(pid, 9);
                Interop.Spawn.Wait(pid, out _, 0, out _);
            }
        }
    }

    // What the last CommittedDifference found: the vDSO base from the auxv on the stack, and from /proc/PID/auxv.
    private static ulong s_stackVdso, s_procVdso;

    [Test]
    public void AnExecCommittedAsDecidedHasNoDifference()
    {
        Assert.That(CommittedDifference(["true", "-X", "GET"], ["A=1"], ["true", "-X", "GET"], ["A=1"], out _), Is.Null);
    }

    [Test]
    public void TheVdsoBaseFromTheStackIsTheOneProcAuxvGives()
    {
        // The seal's gadget is found from the auxv after the stack's pointers, not /proc/PID/auxv.
        Assert.That(CommittedDifference(["true", "x"], ["A=1", "B=2"], ["true", "x"], ["A=1", "B=2"], out _), Is.Null);
        Assert.That(s_procVdso, Is.Not.Zero, "this kernel maps a vDSO");
        Assert.That(s_stackVdso, Is.EqualTo(s_procVdso));
    }

    [Test]
    public void AnAuxvEntryIsFoundBeforeItsEndAndNotAfter()
    {
        static byte[] Pairs(params ulong[] words) => [.. words.SelectMany(w => BitConverter.GetBytes(w))];
        Assert.That(CommittedStack.AuxvEntry(Pairs(16, 0xbfebfbff, 33, 0x7fff_1000, 6, 4096, 0, 0), 33), Is.EqualTo(0x7fff_1000UL));
        Assert.That(CommittedStack.AuxvEntry(Pairs(16, 1, 0, 0, 33, 0x7fff_1000), 33), Is.Zero, "after AT_NULL");
        Assert.That(CommittedStack.AuxvEntry(Pairs(16, 1, 33), 33), Is.Zero, "a pair cut off by the read");
        Assert.That(CommittedStack.AuxvEntry([], 33), Is.Zero);
    }

    [Test]
    public void AnExecWhoseArgumentChangedIsKilledBeforeItRuns()
    {
        var d = CommittedDifference(["true", "-X", "GET"], ["A=1"], ["true", "-X", "DELETE"], ["A=1"], out bool killed);
        Assert.That(d, Is.EqualTo("its arguments changed"));
        Assert.That(killed, Is.True, "killed by SIGKILL at its exec stop");
    }

    [Test]
    public void AnExecWhoseEnvironmentChangedIsKilledBeforeItRuns()
    {
        var d = CommittedDifference(["true", "-X", "GET"], ["PGHOST=staging"], ["true", "-X", "GET"], ["PGHOST=prod"], out bool killed);
        Assert.That(d, Is.EqualTo("its environment changed"));
        Assert.That(killed, Is.True, "killed by SIGKILL at its exec stop");
    }
}
