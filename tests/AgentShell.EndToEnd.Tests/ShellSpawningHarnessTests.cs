using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>README's paragraph on harnesses that start each command as `sh -c '…'` themselves, run
/// as such a harness does (Python's subprocess.run(cmd, shell=True, capture_output=True), Node's
/// child_process.spawnSync and exec) under the real filter, in both connect-guard modes, with real
/// curl and the production stand-in. The shell whose string holds the DELETE is refused at its
/// exec, which is let commit and ended before its first instruction: the harness sees a normal
/// spawn with status 126 and the one-line reason in the stderr it captured, and nothing is sent;
/// the GET runs and its stdout is exactly the server's answer.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ShellSpawningHarnessTests(string guard)
{
    private const string Rule = "[rule demo.http:delete-on-production]";
    private LoopbackHttpServer _prod = null!;

    [SetUp]
    public void StartProduction()
    {
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        else KernelSetUp.RequireInterception();
        _prod = new LoopbackHttpServer("127.0.0.2");
    }

    [TearDown]
    public void StopProduction() => _prod.Dispose();

    private AgentShellRunner.Result Run(params string[] command) =>
        AgentShellRunner.Run(new[] { "run", "-q", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--" }.Concat(command));

    private string Get => $"{Repo.Which("curl")} -sS {_prod.Url("/volumes")}";
    private string Delete => $"{Repo.Which("curl")} -sS -X DELETE {_prod.Url("/volumes/1")}";

    /// <summary>Each harness prints, per command: "rc N STDOUT-repr", then its captured stderr's lines, each prefixed "err ".</summary>
    private void AssertGetRanAndDeleteEnded(AgentShellRunner.Result r, string getLine, string deleteLine)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3), r.Stdout);
        Assert.That(lines[0], Is.EqualTo(getLine), "the read ran and its stdout is exactly the server's body");
        Assert.That(lines[1], Is.EqualTo(deleteLine), "the refused shell is a normal spawn that exits 126");
        Assert.That(lines[2], Does.StartWith("err agentshell: blocked curl DELETE").And.Contain(Rule),
            "the one-line reason, with its rule id, is in the stderr the harness captured");
        Assert.That(_prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }), "the DELETE was not sent");
    }

    private const string PythonHarness = """
        import subprocess, sys
        for cmd in sys.argv[1:]:
            r = subprocess.run(cmd, shell=True, capture_output=True)
            print("rc", r.returncode, repr(r.stdout))
            for line in r.stderr.decode().splitlines():
                print("err", line)
        """;

    [Test]
    public void PythonSubprocessWithShellTrueReadsTheReasonAndStatus126()
    {
        var r = Run("python3", "-c", PythonHarness, Get, Delete);
        AssertGetRanAndDeleteEnded(r, "rc 0 b'ok\\n'", "rc 126 b''");
    }

    [Test]
    public void APausedShellLeftUnansweredReachesTheHarnessAs126WithItsLine()
    {
        // A held exec that times out is refused like a block: ended at its commit, its line kept.
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var r = AgentShellRunner.Run(["run", "-q", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "1",
            "--", "python3", "-c", PythonHarness, $"{Repo.Which("curl")} -sS -X DELETE {staging.Url("/volumes/9")}"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("rc 126 b''"), r.Stdout);
        Assert.That(lines.Count(l => l.StartsWith("err agentshell: no answer in 1s: curl DELETE", StringComparison.Ordinal) && l.Contains("[rule test.pause:destructive-on-staging]")),
            Is.EqualTo(1), r.Stdout);
        Assert.That(staging.Requests, Is.Empty);
    }

    [TestCase("spawnSync")]
    [TestCase("exec")]
    public void NodeChildProcessReadsTheReasonAndStatus126(string api)
    {
        const string Harness = """
            const cp = require("child_process");
            const cmds = process.argv.slice(1);
            const show = (code, out, err) => {
                console.log("rc", code, JSON.stringify(String(out)));
                for (const line of String(err).split("\n").filter(l => l)) console.log("err", line);
            };
            (async () => {
                for (const cmd of cmds) {
                    if (process.env.API === "spawnSync") {
                        const r = cp.spawnSync("/bin/sh", ["-c", cmd]);
                        if (r.error) { console.log("raised", r.error.code); continue; }
                        show(r.status, r.stdout, r.stderr);
                    } else {
                        await new Promise(done => cp.exec(cmd, (e, out, err) => { show(e ? e.code : 0, out, err); done(); }));
                    }
                }
            })();
            """;
        var r = Run("/usr/bin/env", $"API={api}", Repo.Which("node"), "-e", Harness, Get, Delete);
        AssertGetRanAndDeleteEnded(r, "rc 0 \"ok\\n\"", "rc 126 \"\"");
    }

    private AgentShellRunner.Result RunWithStdin(string stdin, params string[] command) =>
        AgentShellRunner.Run(new[] { "run", "-q", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--" }.Concat(command), stdin: stdin);

    [Test]
    public void ASpawnThatSearchesPathReachesTheProgramAndReads126()
    {
        // execvp(3) (Node's spawn of "curl") tries each PATH directory and gives up at the first
        // error other than ENOENT and a few: the refused misses say ENOENT, the file that exists is
        // ended at its commit. The reason is written once.
        var missing = Path.Combine(Path.GetTempPath(), $"agentshell-no-such-dir-{Guid.NewGuid():N}");
        const string Harness = """
            const r = require("child_process").spawnSync("curl", process.argv.slice(1));
            console.log("rc", r.status, r.error ? r.error.code : "-", JSON.stringify(String(r.stderr)));
            """;
        var r = Run("/usr/bin/env", $"PATH={missing}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", Repo.Which("node"), "-e", Harness, "--",
            "-sS", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("rc 126 - \"agentshell: blocked curl DELETE"));
        Assert.That(r.Stdout.Split(Rule).Length - 1, Is.EqualTo(1), r.Stdout);
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AShellTypedIntoPrintsTheReasonOnceAndStatus126()
    {
        // Commands typed into a supervised bash (read from its stdin, unseen at its exec): bash
        // forks, and its child's exec of curl is the refused one; $? is 126 as for any command
        // found but not run, and bash reports no failed exec of its own.
        var r = RunWithStdin($"{Delete}; echo $?\n", "/bin/bash");
        AssertReasonOnceAndNothingSent(r, "126\n");
    }

    [Test]
    public void AHarnessStartingBashWithTheStringGetsStatus126AndTheReasonOnce()
    {
        // `bash -c '…; echo $?'` started by the harness itself (the string read from stdin, so that
        // the agent's own exec does not name the DELETE): bash's own exec is refused, whole.
        var r = RunWithStdin($"{Delete}; echo $?", "python3", "-c",
            "import subprocess, sys; print('status', subprocess.call(['bash', '-c', sys.stdin.read()]))");
        AssertReasonOnceAndNothingSent(r, "status 126\n");
    }

    private void AssertReasonOnceAndNothingSent(AgentShellRunner.Result r, string stdout)
    {
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo(stdout));
        var reasons = r.Stderr.Split('\n').Where(l => l.Contains(Rule)).ToList();
        Assert.That(reasons, Has.Count.EqualTo(1), r.Stderr);
        Assert.That(reasons[0], Does.StartWith("agentshell: blocked curl DELETE"));
        Assert.That(r.Stderr, Does.Not.Contain("Operation not permitted"), "the shell reports no failed exec of its own");
        Assert.That(_prod.Requests, Is.Empty);
    }
}
