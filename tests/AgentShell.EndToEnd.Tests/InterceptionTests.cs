using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The foundation's promise, with the real filter, the real curl and a real HTTP server
/// on 127.0.0.2 (production in profiles/demo.json): a DELETE never leaves the machine, a GET does.</summary>
[TestFixture]
public sealed class InterceptionTests
{
    private LoopbackHttpServer _prod = null!;
    private string _curl = null!;
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _curl = Repo.Which("curl");
        _prod = new LoopbackHttpServer("127.0.0.2");
        _tmp = Directory.CreateTempSubdirectory("agentshell-test-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _prod?.Dispose();
        if (_tmp != null) Directory.Delete(_tmp, recursive: true);
    }

    private string Delete => $"{_curl} -sS -X DELETE {_prod.Url("/volumes/1")}";

    private void AssertBlocked(AgentShellRunner.Result r)
    {
        Assert.That(_prod.Requests, Is.Empty, "the production server must have received nothing");
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        // Ended at its commit (status 126), not failed: no shell or launcher reports a failed exec.
        Assert.That(r.Stderr, Does.Not.Contain("Operation not permitted"));
    }

    [Test]
    public void CurlDeleteToProductionIsRefusedAndTheServerSeesNothing()
    {
        var r = AgentShellRunner.Supervise(_curl, "-sS", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        AssertBlocked(r);
    }

    [Test]
    public void CurlGetToProductionReachesTheServer()
    {
        var r = AgentShellRunner.Supervise(_curl, "-sS", _prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo("ok\n"));
        Assert.That(_prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [TestCase("-XDELETE")]
    [TestCase("--request=DELETE")]
    [TestCase("-sSXDELETE")]
    public void MethodSpellingsAreAllBlocked(string flag)
    {
        var r = AgentShellRunner.Supervise(_curl, flag, _prod.Url("/volumes/1"));
        AssertBlocked(r);
    }

    [Test]
    public void MethodAfterTheUrlIsBlocked()
    {
        var r = AgentShellRunner.Supervise(_curl, _prod.Url("/volumes/1"), "-X", "DELETE");
        AssertBlocked(r);
    }

    [Test]
    public void DeleteInsideBashDashCIsBlockedBeforeTheShellRunsAnything()
    {
        // The string is lexed when bash is exec'd: a blocked command in it refuses the whole shell.
        var r = AgentShellRunner.Supervise("bash", "-c", $"echo before; {Delete}; echo after=$?");
        AssertBlocked(r);
        Assert.That(r.Stdout, Is.Empty, "nothing of the string ran");
    }

    [Test]
    public void DeleteBuiltAtRunTimeInsideBashIsBlockedAtItsOwnExec()
    {
        // The lexer cannot see through $(…) building the method; the kernel shows curl's final argv.
        var r = AgentShellRunner.Supervise("bash", "-c", $"m=$(printf 'DEL%sTE' E); {_curl} -sS -X \"$m\" {_prod.Url("/volumes/1")}; echo after=$?");
        AssertBlocked(r);
        Assert.That(r.Stdout, Does.Contain("after=126"), "bash saw the command end with 126 and went on");
    }

    [Test]
    public void DeleteInsideAScriptFileIsBlocked()
    {
        var script = Path.Combine(_tmp, "cleanup.sh");
        File.WriteAllText(script, $"#!/bin/sh\necho cleaning up\n{Delete}\necho status=$?\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = AgentShellRunner.Supervise(script);
        AssertBlocked(r);
        Assert.That(r.Stdout, Does.Contain("cleaning up"));
        Assert.That(r.Stdout, Does.Match("status=12[67]"));
    }

    [Test]
    public void DeleteFromAGrandchildIsBlocked()
    {
        // agent (python) -> sh -> bash -> curl: the filter is inherited down the tree.
        var py = $"import subprocess; subprocess.run(['sh', '-c', \"bash -c '{Delete}'\"])";
        var r = AgentShellRunner.Supervise(Repo.Python, "-c", py);
        AssertBlocked(r);
    }

    [Test]
    public void DeleteFromABackgroundedSubshellIsBlocked()
    {
        var r = AgentShellRunner.Supervise("bash", "-c", $"( {Delete} ) & wait");
        AssertBlocked(r);
    }

    [Test]
    public void ForkedChildrenInheritTheFilter()
    {
        // Seccomp: 2 = filter mode, read from the child's own /proc entry after a fork.
        var r = AgentShellRunner.Supervise(Repo.Python, "-c",
            "import os\npid=os.fork()\nif pid==0:\n    print([l for l in open('/proc/self/status') if l.startswith('Seccomp:')][0].split()[1]); os._exit(0)\nos.waitpid(pid,0)");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("2"));
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(255)]
    public void TheAgentsExitCodeIsPassedThrough(int code)
    {
        var r = AgentShellRunner.Supervise("bash", "-c", $"exit {code}");
        Assert.That(r.ExitCode, Is.EqualTo(code), r.Stderr);
    }

    [TestCase("TERM", 143)]
    [TestCase("KILL", 137)]
    public void AnAgentKilledBySignalExitsWith128PlusSignal(string signal, int expected)
    {
        var r = AgentShellRunner.Supervise("bash", "-c", $"kill -{signal} $$");
        Assert.That(r.ExitCode, Is.EqualTo(expected), r.Stderr);
    }

    [Test]
    public void AMissingCommandIsReportedWith127()
    {
        var r = AgentShellRunner.Supervise("/nonexistent/agent-binary");
        Assert.That(r.ExitCode, Is.EqualTo(127));
        Assert.That(r.Stderr, Does.Contain("cannot run '/nonexistent/agent-binary'"));
    }

    [Test]
    public void AFifoExecutedByTheAgentFailsAsTheKernelSaysAndHangsNothing()
    {
        // The decider reads a program's "#!" line: a FIFO with no writer must not block it.
        string fifo = Path.Combine(_tmp, "f");
        Assert.That(Mono.Unix.Native.Syscall.mkfifo(fifo, Mono.Unix.Native.FilePermissions.S_IRWXU), Is.Zero);
        var py = $"import errno, subprocess\ntry: subprocess.run(['{fifo}'])\nexcept OSError as e: print(errno.errorcode[e.errno])\nsubprocess.run(['sh', '-c', '{Delete}'])";
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--", Repo.Python, "-c", py], timeout: TimeSpan.FromSeconds(20));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("EACCES"), r.Stderr);
        AssertBlocked(r); // and the next exec is still decided
    }

    [TestCase("seccomp")]
    [TestCase("kernel")]
    public void AFileWithNoExecuteBitFailsAsTheKernelSaysAndADestructiveOneIsStillRefused(string guard)
    {
        // A file with no execute bit is answered EACCES by the supervisor itself (the kernel's own
        // answer, even to root); a refusal keeps its reason, and the next exec is still decided.
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        string plain = Path.Combine(_tmp, "plain"), curl = Path.Combine(_tmp, "curl");
        File.Copy("/bin/true", plain);
        File.Copy(_curl, curl);
        foreach (var f in new[] { plain, curl }) File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var py = "import errno, os, subprocess\n" +
                 "def run(*a):\n    try: subprocess.run(list(a)); print('ran')\n    except OSError as e: print(errno.errorcode[e.errno])\n" +
                 $"run('{plain}')\nrun('{curl}', '--version')\nrun('{curl}', '-sS', '-X', 'DELETE', '{_prod.Url("/volumes/1")}')\n" +
                 $"subprocess.run(['sh', '-c', '{Delete}'])";
        var bare = Process.Start(new ProcessStartInfo(Repo.Python, ["-c", "import errno, subprocess\n" +
            $"try: subprocess.run(['{plain}'])\nexcept OSError as e: print(errno.errorcode[e.errno])"]) { RedirectStandardOutput = true })!;
        string kernelSays = bare.StandardOutput.ReadToEnd().Trim();
        bare.WaitForExit();
        Assert.That(kernelSays, Is.EqualTo("EACCES"), "without agentshell");
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", Repo.Python, "-c", py], timeout: TimeSpan.FromSeconds(30));
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "EACCES", "EACCES", "EPERM" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/1")} (production)"));
        AssertBlocked(r);
    }

    [Test]
    public void TheAgentCommandItselfIsDecided()
    {
        // `agentshell run -- curl -X DELETE prod` is the exec of the agent: decided like any other.
        var r = AgentShellRunner.Supervise(_curl, "-X", "DELETE", _prod.Url("/volumes/1"));
        AssertBlocked(r);
    }
}
