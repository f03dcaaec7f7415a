using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A command handed to a server that was started outside the supervised tree runs without
/// an exec the tree makes: here a tmux server an agent's terminal already had. Its shell in the pane
/// is not supervised, so `tmux send-keys` is decided on the keys it types (corpus18): a DELETE typed
/// into the pane is refused at tmux's exec and never reaches production; a GET goes through and does.</summary>
[TestFixture]
public sealed class HandedOverCommandsTests
{
    private LoopbackHttpServer _prod = null!;
    private string _socket = "";
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (!File.Exists("/usr/bin/tmux")) Assert.Ignore("tmux is not installed here");
        _prod = new LoopbackHttpServer("127.0.0.2");
        _dir = Directory.CreateTempSubdirectory("agentshell-handover-").FullName;
        _socket = $"agentshell-test-{Environment.ProcessId}-{Guid.NewGuid():N}"; // one server per test: a killed one may linger
        // The server and its pane's shell: outside any run, as an agent's terminal would have them.
        var start = System.Diagnostics.Process.Start("/usr/bin/tmux", ["-L", _socket, "new-session", "-d", "-s", "pane", "sh"])!;
        start.WaitForExit();
        Assert.That(start.ExitCode, Is.Zero, "tmux new-session");
    }

    [TearDown]
    public void TearDown()
    {
        System.Diagnostics.Process.Start("/usr/bin/tmux", ["-L", _socket, "kill-server"])?.WaitForExit();
        // tmux leaves the socket file of a killed server behind (its name is this test's alone).
        foreach (var d in Directory.GetDirectories(Path.GetTempPath(), "tmux-*"))
            if (File.Exists(Path.Combine(d, _socket))) File.Delete(Path.Combine(d, _socket));
        _prod?.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private AgentShellRunner.Result SendKeys(string keys) => AgentShellRunner.Run(
        ["run", "--profile", Repo.DemoProfile, "--", "/usr/bin/tmux", "-L", _socket, "send-keys", "-t", "pane", keys, "Enter"], cwd: _dir);


    [Test]
    public void ADeleteTypedIntoAPaneOutsideTheTreeIsRefusedAtTmuxsExec()
    {
        var r = SendKeys($"curl -sS -X DELETE {_prod.Url("/volumes/1")}");
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("blocked curl DELETE").And.Contain("demo.http:delete-on-production"));
        Assert.That(_prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the DELETE ran in the pane");
    }

    [Test]
    public void AReadTypedIntoThePaneGoesThroughAndReachesProduction()
    {
        var r = SendKeys($"curl -sS -o /dev/null {_prod.Url("/volumes/1")}");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(_prod.Saw("GET", TimeSpan.FromSeconds(5)), Is.True, "the pane's shell never ran the GET (is the test's server reachable?)");
    }
}
