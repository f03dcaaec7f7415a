using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Two agents under `agentshell run` at once, answered from a second terminal with only what
/// each run's pause notice says (`agentshell approve ID`, no --run): the older run's item is found,
/// not only the newest run's. Real filter, real curl, the loopback staging server (127.0.0.3
/// deletes pause under pause.json); runs and clients share a private XDG_RUNTIME_DIR.</summary>
[TestFixture]
public sealed class TwoAgentsTests
{
    private LoopbackHttpServer _staging = null!;
    private string _xdg = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _staging = new LoopbackHttpServer("127.0.0.3");
        _xdg = Directory.CreateTempSubdirectory("agentshell-xdg-").FullName;
        File.SetUnixFileMode(_xdg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(_xdg, "agentshell"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [TearDown]
    public void TearDown()
    {
        _staging.Dispose();
        Directory.Delete(_xdg, true);
    }

    private BackgroundRun PausedDelete(string path, out string id)
    {
        var curl = Repo.Which("curl");
        var run = new BackgroundRun(Path.Combine(_xdg, "agentshell", $"{Guid.NewGuid():N}.sock"),
            ["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--pause-timeout", "60"],
            ["bash", "-c", $"{curl} -sS -o /dev/null -w 'status=%{{http_code}}\\n' -X DELETE {_staging.Url(path)}; echo rc=$?"]);
        id = run.WaitForPause();
        return run;
    }

    /// <summary>A client from the second terminal: no --socket, no --run, only the runtime directory.</summary>
    private AgentShellRunner.Result Client(params string[] args) =>
        AgentShellRunner.Run(args, env: new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = _xdg, ["AGENTSHELL_SOCKET"] = "" });

    [Test]
    public void EachRunsNoticeIsAnsweredAsPrintedWhileAnotherAgentRuns()
    {
        using var older = PausedDelete("/volumes/older", out string olderId);
        Thread.Sleep(1100); // the newer run's socket is newer by the clock the default choice reads
        using var newer = PausedDelete("/volumes/newer", out string newerId);
        Assume.That(olderId.StartsWith(newerId, StringComparison.Ordinal) || newerId.StartsWith(olderId, StringComparison.Ordinal), Is.False,
            "the two random ids overlap; the test needs two distinct ones");

        var pending = Client("pending");
        Assert.That(pending.ExitCode, Is.EqualTo(0), pending.Stderr);
        Assert.That(pending.Stdout, Does.Contain(olderId).And.Contain("/volumes/older").And.Contain(newerId).And.Contain("/volumes/newer"),
            "pending shows every agent's waiting items, not only the newest run's");

        var json = Client("pending", "--json");
        Assert.That(json.ExitCode, Is.EqualTo(0), json.Stderr);
        using (var doc = System.Text.Json.JsonDocument.Parse(json.Stdout))
            Assert.That(doc.RootElement.EnumerateArray().Select(i => i.GetProperty("id").GetString()), Is.EquivalentTo(new[] { olderId, newerId }));

        // The older run's notice said "agentshell approve <olderId>": typed as printed, it must work.
        var ok = Client("approve", olderId);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(older.WaitForExit(), Is.EqualTo(0));
        Assert.That(older.Stdout, Does.Contain("status=200").And.Contain("rc=0"));

        var no = Client("deny", newerId, "--reason", "one delete is enough");
        Assert.That(no.ExitCode, Is.EqualTo(0), no.Stderr);
        newer.WaitForExit();
        Assert.That(newer.Stdout, Does.Contain("rc=126"));
        Assert.That(newer.Stderr, Does.Contain("— one delete is enough"));

        Assert.That(_staging.Requests.Select(r => $"{r.Method} {r.Path}"), Is.EqualTo(new[] { "DELETE /volumes/older" }),
            "the approved delete went through once, the denied one never");

        var none = Client("approve", olderId);
        Assert.That(none.ExitCode, Is.EqualTo(1), "nothing left to approve");
        Assert.That(none.Stderr, Does.Contain($"no pending item '{olderId}'").Or.Contain("no running agentshell supervisor"));
    }
}
