using System.Diagnostics;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.EndToEnd.Tests.Infrastructure;
using Moq;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Every way the supervisor can fail ends in a refusal, never in "allow".</summary>
[TestFixture]
public sealed class FailClosedTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-fc-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    /// <summary>Starts `agentshell run` with a python agent that waits for a go file, then execs,
    /// connects to <paramref name="host"/>:<paramref name="port"/> and reports each errno; kills
    /// the supervisor (only) before the go.</summary>
    private string AfterSupervisorDeath(string guard, string host, int port, params string[] profile)
    {
        var go = Path.Combine(_tmp, "go");
        var script = $$"""
            import os, socket, subprocess, sys, time
            print('ready', flush=True)
            while not os.path.exists('{{go}}'): time.sleep(0.02)
            try:
                subprocess.run(['/bin/true']); print('exec=ok', flush=True)
            except OSError as e:
                print(f'exec={e.errno}', flush=True)
            try:
                s = socket.create_connection(('{{host}}', {{port}}), timeout=2)
                s.sendall(b'DELETE /volumes/1 HTTP/1.0\r\n\r\n'); s.recv(1); print('connect=ok', flush=True)
            except OSError as e:
                print(f'connect={e.errno}', flush=True)
            """;
        var psi = new ProcessStartInfo(Repo.AgentShell) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "run", "--connect-guard", guard }.Concat(profile).Concat(["--", Repo.Python, "-c", script])) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("ready"));
        p.Kill(); // SIGKILL the supervisor only; the agent lives on, still under the filter
        p.WaitForExit();
        File.WriteAllText(go, "");
        return p.StandardOutput.ReadToEnd();
    }

    [Test]
    public void WhenTheSupervisorIsKilledTheAgentsNextExecAndConnectFail()
    {
        var rest = AfterSupervisorDeath("seccomp", "127.0.0.1", 9);
        Assert.That(rest, Does.Contain("exec=38"), "ENOSYS: the kernel answers for a dead supervisor");
        Assert.That(rest, Does.Contain("connect=38"));
    }

    [Test]
    public void InRootModeAKilledSupervisorLeavesProductionGuarded()
    {
        // The kernel's connect programs are pinned: they outlive the supervisor. An unknown
        // client's connect to production finds no gate and is refused; nothing reaches the server.
        KernelSetUp.RequireKernelConnectGuard();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var rest = AfterSupervisorDeath("kernel", "127.0.0.2", prod.Port, "--profile", Repo.DemoProfile);
        Assert.That(rest, Does.Contain("exec=38"), "ENOSYS: the kernel answers for a dead supervisor");
        Assert.That(rest, Does.Match(@"connect=(111|104|1)\b"));
        Thread.Sleep(200);
        Assert.That(prod.Requests, Is.Empty);
    }

    [Test]
    public void AnExceptionWhileDecidingRefusesThatExecAndTheLoopGoesOn()
    {
        // The decider is the seam: make it throw for one command (a supervisor bug), allow the rest.
        var decider = new Mock<IExecDecider>();
        Decision Decide(ExecRequest r) =>
            r.Argv.Count > 1 && r.Argv.GetString(1) == "boom" ? throw new InvalidOperationException("injected fault") : Decision.DefaultAllow;
        decider.Setup(d => d.Decide(It.IsAny<ExecRequest>(), It.IsAny<IExecContext>())).Returns((ExecRequest r, IExecContext c) => Decide(r));
        // The supervisor asks through the overload that also says whether the decision rests on the
        // arguments (a mock does not run the interface's default body): the same, and say it does.
        decider.Setup(d => d.Decide(It.IsAny<ExecRequest>(), It.IsAny<IExecContext>(), out It.Ref<bool>.IsAny))
            .Returns(new DecideWithArguments((ExecRequest r, IExecContext c, out bool acts) => { acts = true; return Decide(r); }));
        var outFile = Path.Combine(_tmp, "out");
        var log = new StringWriter();
        var run = new SupervisedRun(new RunOptions
        {
            LauncherPath = Repo.Launcher,
            Command = ["/bin/bash", "-c", $"/bin/echo boom 2>/dev/null; echo rc=$? > {outFile}; /bin/echo fine >> {outFile}"],
            Policy = Policy.Load([]),
            Decider = decider.Object,
            Log = log,
            OwnsProcess = false,
        });
        int code = run.Run();
        Assert.That(code, Is.EqualTo(0), log.ToString());
        Assert.That(File.ReadAllText(outFile), Is.EqualTo("rc=126\nfine\n"));
        Assert.That(log.ToString(), Does.Contain("injected fault").And.Contain("refused"));
    }

    [Test]
    public void AnArgvTooLargeToInspectIsRefusedWithAReason()
    {
        var r = AgentShellRunner.Supervise("bash", "-c", "/bin/echo $(seq 1 5000) > /dev/null; echo rc=$?");
        Assert.That(r.Stdout, Does.Contain("rc=126"));
        Assert.That(r.Stderr, Does.Contain("exceed what can be inspected").And.Contain("supervisor:unreadable-argv"));
    }

    [Test]
    public void ALookAlikeArgvJustUnderTheLimitRuns()
    {
        var r = AgentShellRunner.Supervise("bash", "-c", "/bin/echo $(seq 1 4000) | wc -w");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("4000"));
    }

    [Test]
    public void AnUnreadableArgvPointerIsRefused()
    {
        // execve with argv pointing at unmapped memory: the supervisor cannot read it, so it refuses.
        var r = AgentShellRunner.Supervise(Repo.Python, "-c",
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nr = libc.execve(b'/bin/true', ctypes.c_void_p(0x10), None)\nprint(r, ctypes.get_errno())");
        Assert.That(r.Stdout.Trim(), Is.EqualTo("-1 1"), "EPERM from the supervisor, not the exec");
    }

    [Test]
    public void AnInvalidProfileRunsNothing()
    {
        var profile = Path.Combine(_tmp, "bad.json");
        File.WriteAllText(profile, """{ "Rules": [ { "Id": "x", "Effects": ["delete"], "Action": "allwo" } ] }""");
        var marker = Path.Combine(_tmp, "marker");
        var r = AgentShellRunner.Run(["run", "--profile", profile, "--", "touch", marker]);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("bad.json").And.Contain("allwo").And.Contain("nothing was run"));
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void AUserProfileThatCallsProductionProdRunsNothingAndTheHookDenies()
    {
        // A newcomer's ~/.config/agentshell/prod.json: before, 127.0.0.2 was classified "prod", no
        // rule named it, and the DELETE below reached the server without a word.
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var config = Directory.CreateDirectory(Path.Combine(_tmp, "config", "agentshell")).FullName;
        File.WriteAllText(Path.Combine(config, "prod.json"), """{ "Environments": { "prod": { "Hosts": ["127.0.0.2"] } } }""");
        var env = new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = Path.Combine(_tmp, "config"), ["HOME"] = _tmp, ["XDG_STATE_HOME"] = _tmp };
        string url = $"http://127.0.0.2:{prod.Port}/volumes/1";

        var r = AgentShellRunner.Run(["run", "--", Repo.Which("curl"), "-sS", "-X", "DELETE", url], env: env);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("prod.json:1:").And.Contain("environment 'prod' is named by no rule")
            .And.Contain("call it 'production'").And.Contain("nothing was run"));

        var check = AgentShellRunner.Run(["check", "--", "curl", "-X", "DELETE", url], env: env);
        Assert.That(check.ExitCode, Is.EqualTo(2), check.Stderr);

        var hook = AgentShellRunner.Run(["hook", "claude-code"], env: env,
            stdin: $$"""{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"curl -X DELETE {{url}}"},"cwd":"/tmp"}""");
        Assert.That(hook.ExitCode, Is.EqualTo(0), hook.Stderr);
        Assert.That(hook.Stdout, Does.Contain("\"permissionDecision\":\"deny\"").And.Contain("named by no rule"));
        Thread.Sleep(200);
        Assert.That(prod.Requests, Is.Empty);
    }

    [Test]
    public void AMissingProfileRunsNothing()
    {
        var marker = Path.Combine(_tmp, "marker");
        var r = AgentShellRunner.Run(["run", "--profile", Path.Combine(_tmp, "nope.json"), "--", "touch", marker]);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("nope.json").And.Contain("not found"));
        Assert.That(File.Exists(marker), Is.False);
    }

    private delegate Decision DecideWithArguments(ExecRequest r, IExecContext c, out bool actsOnArguments);
}
