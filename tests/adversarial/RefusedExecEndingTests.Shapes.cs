namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>redteam26's attacks on the CONTINUE of a refused exec (ExecTracer.Ending), each with the
/// marker curl, whose first action before main would show: a signal sent while the exec waits for
/// its answer (a pause that times out: `--engine PATH` makes the effect unknown), a task the tree
/// traces itself, a #! script whose interpreter is a program of its own, and an exec from a thread
/// whose group leader has exited.
/// None of them ran an instruction of the refused image on main 31aec79.</summary>
public sealed partial class RefusedExecEndingTests
{
    private AgentShellRunner.Result RunPaused(params string[] command) =>
        AgentShellRunner.Run(["run", "-q", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--pause-timeout", "1", "--", .. command],
            TimeSpan.FromMinutes(2), Home.Dir, Home.Env);

    /// <summary>The signal is pending when the exec commits: the first step delivers it (a stop, or
    /// its default action) instead of finishing the return, and the task is killed, never run.</summary>
    [TestCase("SIGSTOP")]
    [TestCase("SIGUSR1")]
    [TestCase("SIGTSTP")]
    public void ASignalSentWhileThePausedExecWaitsRunsNothing(string signal)
    {
        string harness = $$"""
            import os, signal, sys, time
            pid = os.fork()
            if pid == 0:
                os.execv(sys.argv[1], [sys.argv[1], "-s", "--engine", "/nonexistent/e.so", sys.argv[2]])
            time.sleep(0.4)
            os.kill(pid, signal.{{signal}})
            _, st = os.waitpid(pid, os.WUNTRACED)
            if os.WIFSTOPPED(st):
                os.kill(pid, signal.SIGCONT); _, st = os.waitpid(pid, 0)
            print("exit", os.WEXITSTATUS(st) if os.WIFEXITED(st) else "signal %d" % os.WTERMSIG(st), flush=True)
            """;
        var r = RunPaused("python3", "-c", harness, _curl, Prod.Url("/volumes/1"));
        TestContext.Out.WriteLine($"{Guard} {signal}: {r.Stdout.Trim()}");
        Assert.That(r.Stdout, Does.StartWith("exit "), r.Stderr);
        Assert.That(r.Stdout.Trim(), Is.Not.EqualTo("exit 0"), "the refused program exited on its own");
        Assert.That(File.Exists(Marker), Is.False, "the refused program ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
    }

    /// <summary>A refused exec of a task the tree traces itself, by PTRACE_TRACEME before it, or by its
    /// parent's PTRACE_SEIZE while its paused exec waits for the answer: the supervisor cannot seize
    /// it, so it is answered EPERM and the old image goes on (it never gets a CONTINUE).</summary>
    [TestCase("traceme")]
    [TestCase("seize-while-paused")]
    public void ARefusedExecOfATaskTheTreeTracesFailsWithEperm(string how)
    {
        string harness = $$"""
            import ctypes, os, sys, time
            libc = ctypes.CDLL(None, use_errno=True)
            libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
            pid = os.fork()
            if pid == 0:
                if "{{how}}" == "traceme" and libc.ptrace(0, 0, None, None) != 0: os._exit(3)
                try:
                    os.execv(sys.argv[1], [sys.argv[1], "-s", "--engine", "/nonexistent/e.so", sys.argv[2]])
                except OSError as e:
                    print("raised", e.errno, flush=True)
                os._exit(0)
            if "{{how}}" != "traceme":
                time.sleep(0.4)
                print("seized", libc.ptrace(0x4206, pid, None, None), flush=True)
            _, st = os.waitpid(pid, 0)
            print("exit", os.WEXITSTATUS(st) if os.WIFEXITED(st) else "signal %d" % os.WTERMSIG(st), flush=True)
            """;
        var r = RunPaused("python3", "-c", harness, _curl, Prod.Url("/volumes/1"));
        TestContext.Out.WriteLine($"{Guard} {how}: {r.Stdout.Replace('\n', ' ')}");
        Assert.That(r.Stdout, Does.EndWith("raised 1\nexit 0\n"), r.Stderr);
        Assert.That(File.Exists(Marker), Is.False, "the refused program ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
    }

    /// <summary>A refused `curl` that is a script: the kernel loads its interpreter, a program of
    /// the tree's own, whose first action would show; the exec event comes after the interpreter is
    /// in place and before it runs.</summary>
    [Test]
    public void ARefusedScriptsInterpreterRunsNothing()
    {
        string interp = Path.Combine(Home.Dir, "bin", "interp");
        File.Copy(Attacks.Program("marker-curl"), interp);
        File.Delete(_curl);
        File.WriteAllText(_curl, $"#!{interp}\n");
        File.SetUnixFileMode(_curl, (UnixFileMode)0x1ed);
        const string Harness = """
            import subprocess, sys
            print("rc", subprocess.run(sys.argv[1:]).returncode)
            """;
        var r = Run("python3", "-c", Harness, _curl, "-s", "-X", "DELETE", Prod.Url("/volumes/1"));
        Assert.That(r.Stdout, Is.EqualTo("rc 126\n"), r.Stderr);
        Assert.That(File.Exists(interp + ".ran"), Is.False, "the refused script's interpreter ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
    }

    /// <summary>An exec from a thread whose group leader has exited: the kernel would give the thread
    /// the leader's pid at the commit. The group still counts two threads (the leader is a zombie
    /// until the group ends), so the exec is answered EPERM, and the thread lives.</summary>
    [Test]
    public void AnExecFromAThreadAfterItsLeaderExitedRunsNothing()
    {
        var r = Run(Attacks.Program("leaderless-exec"), _curl, Prod.Url("/volumes/1"));
        TestContext.Out.WriteLine($"{Guard}: {r.Stdout.Trim()}");
        Assert.That(r.Stdout, Does.Match("^exec failed [0-9]+\n$"), r.Stderr);
        Assert.That(File.Exists(Marker), Is.False, "the refused program ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
    }
}
