using System.Text.Json;
using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell shell` attaching to a daemon from a process that is not its descendant (as
/// `docker exec` or an IDE terminal would): the new tree is decided with the same profiles, pauses
/// and protections as `run`, answered from outside with --run, and fails closed with the daemon.</summary>
[TestFixture]
public sealed class ShellTests
{
    private LoopbackHttpServer _prod = null!, _staging = null!;
    private string _curl = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _curl = Repo.Which("curl");
        _prod = new LoopbackHttpServer("127.0.0.2");
        _staging = new LoopbackHttpServer("127.0.0.3");
    }

    [TearDown]
    public void TearDown()
    {
        _prod?.Dispose();
        _staging?.Dispose();
    }

    /// <summary>A DELETE the shell string does not spell out: decided at curl's own exec.</summary>
    private string Delete(LoopbackHttpServer s) => $"m=$(printf 'DEL%sTE' E); {_curl} -sS -o /dev/null -w 'status=%{{http_code}}\\n' -X \"$m\" {s.Url("/volumes/9")}; echo rc=$?";

    private static BackgroundDaemon Daemon(params string[] profiles) =>
        BackgroundDaemon.Start(profiles.SelectMany(p => new[] { "--profile", p }).Append("-q"), ["sleep", "120"]).Ready();

    [Test]
    public void AShellFromAnUnrelatedProcessIsSupervised()
    {
        using var d = Daemon(Repo.DemoProfile);
        var r = d.Shell("bash", "-c", $"{Delete(_prod)}; {_curl} -sS {_prod.Url("/volumes/1")}; echo get=$?");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("rc=126").And.Contain("ok\nget=0"));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/9")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }), "the DELETE never left the machine");
    }

    [Test]
    public void AShellEnteredIntoTheDaemonsNamespacesAsDockerExecDoesIsSupervised()
    {
        // The daemon is PID 1 of a new pid (and mount) namespace, as a container's entrypoint; the
        // shell joins those namespaces with nsenter, so its parent is outside them (pid 0 inside),
        // which is how `docker exec` starts a process in a container. The shell's tree then gets a pid
        // namespace of its own inside the container's (its files protected, as under `run`): its
        // PID 1 is the launcher's init, whose parent is outside it too.
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("a new pid namespace and nsenter need root here");
        using var d = BackgroundDaemon.Start(["-q", "--profile", Repo.DemoProfile], ["sleep", "120"], pid1: true).Ready();
        string pid = d.Pid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var r = new BackgroundTool([Repo.Setsid, "--wait", "nsenter", "-t", pid, "-p", "-m", Repo.AgentShell], ["shell", "--socket", d.Socket, "--", "bash", "-c",
            $"echo ppid=$(cut -d' ' -f4 /proc/$PPID/stat) init=$(cut -d' ' -f2 /proc/1/stat); {Delete(_prod)}; {_curl} -sS {_prod.Url("/volumes/1")}; echo get=$?"]);
        Assert.That(r.WaitForExit(), Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("ppid=0 init=(agentshell-laun)"), "the shell's parent is outside the namespace; PID 1 is the tree's init");
        Assert.That(r.Stdout, Does.Contain("rc=126").And.Contain("ok\nget=0"));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/9")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [Test]
    public void TheShellPassesTheExitStatusThrough()
    {
        using var d = Daemon();
        Assert.That(d.Shell("sh", "-c", "exit 9").ExitCode, Is.EqualTo(9));
        Assert.That(d.Shell("/nonexistent/program").ExitCode, Is.EqualTo(127));
    }

    [Test]
    public void APauseInAShellIsApprovedFromOutsideWithRun()
    {
        using var d = Daemon(Repo.DemoProfile, Repo.PauseProfile);
        using var shell = d.StartShell("bash", "-c", Delete(_staging));
        shell.WaitForStderr("— approve with: agentshell approve --run ");
        var m = Regex.Match(shell.Stderr, @"approve with: agentshell approve --run ([0-9a-f]+) ([0-9a-f]+)");
        string session = m.Groups[1].Value, id = m.Groups[2].Value;
        Assert.That(_staging.Requests, Is.Empty, "nothing is sent while the request waits");

        var runs = JsonDocument.Parse(AgentShellRunner.Run(["runs", "--json"]).Stdout).RootElement.EnumerateArray()
            .FirstOrDefault(r => r.GetProperty("id").GetString() == session);
        Assert.That(runs.ValueKind, Is.EqualTo(JsonValueKind.Object), "runs lists the session");
        Assert.That((runs.GetProperty("kind").GetString(), runs.GetProperty("pending").GetInt32()), Is.EqualTo(("session", 1)));
        Assert.That(runs.GetProperty("command")[0].GetString(), Is.EqualTo("bash"));

        var pending = AgentShellRunner.Run(["pending", "--run", session, "--json"]);
        Assert.That(pending.Stdout, Does.Contain($"\"id\":\"{id}\"").And.Contain($"\"run\":\"{session}\""));
        var ok = AgentShellRunner.Run(["approve", "--run", session, id]);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(shell.WaitForExit(), Is.EqualTo(0), shell.Stderr);
        Assert.That(shell.Stdout, Does.Contain("status=200").And.Contain("rc=0"));
        Assert.That(_staging.Requests.Select(r => r.Method), Is.EqualTo(new[] { "DELETE" }));
        shell.WaitFor(() => !AgentShellRunner.Run(["runs"]).Stdout.Contains(session), "the ended session leaving runs", 10);
    }

    [Test]
    public void WhenTheShellsOwnCommandPausesItsNoticeShowsAndAnApprovalRunsIt()
    {
        using var d = Daemon(Repo.DemoProfile, Repo.PauseProfile);
        using var shell = d.StartShell(_curl, "-sS", "-o", "/dev/null", "-w", "status=%{http_code}\n", "-X", "DELETE", _staging.Url("/volumes/9"));
        shell.WaitForStderr("— approve with: agentshell approve --run ");
        var m = Regex.Match(shell.Stderr, @"approve --run ([0-9a-f]+) ([0-9a-f]+)");
        var ok = AgentShellRunner.Run(["approve", "--run", m.Groups[1].Value, m.Groups[2].Value]);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(shell.WaitForExit(), Is.EqualTo(0), shell.Stderr);
        Assert.That(shell.Stdout, Is.EqualTo("status=200\n"));
        Assert.That(_staging.Requests.Select(r => r.Method), Is.EqualTo(new[] { "DELETE" }));
    }

    [Test]
    public void AShellSessionCannotReachTheControlSocket()
    {
        using var d = BackgroundDaemon.Start(["--profile", Repo.DemoProfile], ["sleep", "120"]).Ready();
        string id = d.Id();
        string control = JsonDocument.Parse(AgentShellRunner.Run(["runs", "--json"]).Stdout).RootElement.EnumerateArray()
            .First(r => r.GetProperty("id").GetString() == id).GetProperty("socket").GetString()!;
        var r = d.Shell(Repo.AgentShell, "pending", "--socket", control);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:self-approval]"));
    }

    /// <summary>With a listed command server outside the tree (a tmux server of the person's), the
    /// tree's Unix connects are made on its behalf and the daemon sees its own pid as the peer: the
    /// nested shell is still known to be in a session (it failed with "another pid namespace").</summary>
    [Test]
    public void AShellStartedInsideASessionStaysSupervisedWhileAnOutsideTmuxServerRuns()
    {
        string server = $"agentshell-e2e-{Guid.NewGuid():N}"[..24];
        using (var start = System.Diagnostics.Process.Start("tmux", ["-L", server, "new-session", "-d", "sleep", "120"])!) start.WaitForExit();
        try
        {
            AShellStartedInsideASessionStaysSupervised();
        }
        finally
        {
            using var kill = System.Diagnostics.Process.Start("tmux", ["-L", server, "kill-server"])!;
            kill.WaitForExit();
        }
    }

    [Test]
    public void AShellStartedInsideASessionStaysSupervised()
    {
        using var d = Daemon(Repo.DemoProfile);
        var r = d.Shell(Repo.AgentShell, "shell", "--socket", d.Socket, "--", "bash", "-c", Delete(_prod));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("rc=126"));
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked curl DELETE"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AShellWhoseDaemonDiesFailsClosedAndSaysSo()
    {
        using var d = Daemon();
        var flag = Path.Combine(d.Dir, "go");
        using var shell = d.StartShell("bash", "-c", $"echo started; while [ ! -e {flag} ]; do read -t 0.05 < /dev/zero || true; done; /bin/echo after; echo rc=$?");
        shell.WaitForStdout("started");
        Interop.Process.kill(d.Pid(), 9);
        shell.WaitForStderr("has gone: every command run here now fails (ENOSYS)");
        File.WriteAllText(flag, "");
        shell.WaitForExit();
        Assert.That(shell.Stdout, Does.Contain("rc=126").And.Not.Contain("after"));
        Assert.That(shell.Stderr, Does.Contain("Function not implemented"));
    }

    [Test]
    public void AShellWithoutADaemonRunsNothing()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-nodaemon-").FullName;
        try
        {
            var marker = Path.Combine(dir, "ran");
            var r = AgentShellRunner.Run(["shell", "--socket", Path.Combine(dir, "daemon.sock"), "--", "touch", marker]);
            Assert.That(r.ExitCode, Is.EqualTo(125));
            Assert.That(r.Stderr, Does.Contain("no agentshell daemon is listening on"));
            Assert.That(File.Exists(marker), Is.False);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
