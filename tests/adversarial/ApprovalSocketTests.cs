namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, class 3: the agent cuts the person off from approvals, by removing the
/// control socket or by running a client that "cleans up" the socket it cannot reach. Neither
/// touches it: the socket is read-only for the tree, and a client removes a socket only when its
/// supervisor's lock is free (the supervisor is gone). A person outside still approves.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ApprovalSocketTests(string guard) : ProductionFixture(guard)
{
    [Test]
    public void RemovingTheSocketAndRunningPendingInsideLeaveAPersonAbleToApprove()
    {
        // The URL is a variable: a literal DELETE to production would be refused at python's exec.
        string py = $"import urllib.request\nu = '{Prod.Url("/volumes/1")}'\nr = urllib.request.urlopen(urllib.request.Request(u, method='DELETE')); print('status', r.status)";
        string sock = Path.Combine(Path.GetTempPath(), $"agentshell-adv-{Guid.NewGuid():N}.sock");
        // The wire off for production: python's connect (an unknown client) is paused for a person,
        // not its DELETE refused at the wire by the demo profile's rule.
        string profile = Path.Combine(Path.GetTempPath(), $"agentshell-adv-{Guid.NewGuid():N}.json");
        File.WriteAllText(profile, """{ "Description": "test: the wire off for production", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } } }""");
        using var cleanUp = new ProfileFile(profile);
        using var run = new BackgroundRun(sock, ["--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", profile, "--pause-timeout", "60"], ["bash", "-c",
            $"rm -f {sock} {sock}.lock; echo rm=$?; " +
            $"{Repo.AgentShell} pending --socket {sock}; echo pending=$?; {Repo.AgentShell} watch --socket {sock}; echo watch=$?; " +
            $"{Repo.Python} -c \"$0\"", py]);
        string id = run.WaitForPause();
        Assert.That(File.Exists(run.Socket), Is.True, "the socket is still there");
        Assert.That(run.Stdout, Does.Contain("rm=1").And.Contain("pending=").And.Not.Contain("pending=0").And.Not.Contain("watch=0"));
        Assert.That(run.Stderr, Does.Contain("a supervised process cannot"));
        var approve = run.Client("approve", id);
        Assert.That(approve.ExitCode, Is.EqualTo(0), approve.Stderr);
        Assert.That(run.WaitForExit(), Is.EqualTo(0), run.Stderr);
        Assert.That(run.Stdout, Does.Contain("status 200"));
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }), "approved by a person, so it went");
    }
}

/// <summary>Removes a test's profile file when the test is done.</summary>
internal sealed class ProfileFile(string path) : IDisposable
{
    public void Dispose() => File.Delete(path);
}
