using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The seed incident's shape: a production token found by the agent and sent to a host
/// that does not look like production (127.0.0.3 is staging in demo.json). The token marks the
/// command as production; the decision names the credential; the token itself appears in no
/// output: not on the agent's stderr, not in `check`, `pending`, `watch` or the audit log.</summary>
[TestFixture]
public sealed class CredentialUnderRunTests
{
    private const string Token = Repo.ProductionToken;

    private static readonly string[] Profiles = ["--profile", Repo.DemoProfile, "--profile", Repo.CredentialsProfile];

    [Test]
    public void AProductionTokenSentToStagingIsBlockedByName()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var curl = Repo.Which("curl");
        var dir = Directory.CreateTempSubdirectory("agentshell-cred-").FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        try
        {
            var r = AgentShellRunner.Run(["run", .. Profiles, "--audit", audit, "--", curl, "-sS", "-X", "DELETE", "-H", "Authorization: Bearer " + Token, staging.Url("/volumes/1")]);
            Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {staging.Url("/volumes/1")} (production credential e2e-root) [rule demo.http:delete-on-production]"));
            Assert.That(staging.Requests, Is.Empty);
            Assert.That(r.Stderr + r.Stdout, Does.Not.Contain(Token));
            var log = File.ReadAllText(audit);
            Assert.That(log, Does.Contain("production credential e2e-root").And.Not.Contain(Token));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void TheSameRequestWithAnotherTokenGoesToStaging()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var r = AgentShellRunner.Run(["run", .. Profiles, "--", Repo.Which("curl"), "-sS", "-X", "DELETE", "-H", "Authorization: Bearer " + Token + "0", staging.Url("/volumes/1")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }), "staging work with a staging token is allowed");
    }

    [Test]
    public void CheckNamesTheCredentialAndNeverPrintsIt()
    {
        var r = AgentShellRunner.Run(["check", .. Profiles, "--", "curl", "-X", "DELETE", "-H", "Authorization: Bearer " + Token, "-u", "deploy:" + Token, "http://127.0.0.3:8080/v/1"]);
        Assert.That(r.ExitCode, Is.EqualTo(4), r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.Contain("credential: production credential e2e-root"));
        Assert.That(r.Stdout + r.Stderr, Does.Not.Contain(Token));
        var json = AgentShellRunner.Run(["check", .. Profiles, "--json", "--", "curl", "-X", "DELETE", "-H", "Authorization: Bearer " + Token, "http://127.0.0.3:8080/v/1"]);
        Assert.That(json.Stdout, Does.Contain("\"credential\":\"e2e-root\"").And.Not.Contain(Token));
    }

    [Test]
    public void APausedRequestCarryingTheTokenShowsItInNeitherPendingNorWatchNorTheLog()
    {
        KernelSetUp.RequireInterception();
        using var staging = new LoopbackHttpServer("127.0.0.3");
        var dir = Directory.CreateTempSubdirectory("agentshell-cred-").FullName;
        var audit = Path.Combine(dir, "audit.jsonl");
        try
        {
            // An unknown method with a production token: unknown effect on production, so it waits.
            using (var run = new BackgroundRun([.. Profiles, "--audit", audit, "--pause-timeout", "60"],
                Repo.Which("curl"), "-sS", "-X", "NUKE", "-H", "Authorization: Bearer " + Token, "https://deploy:" + Token + "@127.0.0.3:1/v/1"))
            {
                string id = run.WaitForPause();
                var pending = run.Client("pending");
                var pendingJson = run.Client("pending", "--json");
                Assert.That(pending.Stdout, Does.Contain(id).And.Contain("(production)"));
                Assert.That(pendingJson.Stdout, Does.Contain("\"credential\":\"e2e-root\""));
                var psi = new ProcessStartInfo(Repo.AgentShell, ["watch", "--socket", run.Socket]) { RedirectStandardInput = true, RedirectStandardOutput = true };
                using (var w = Process.Start(psi)!)
                {
                    var seen = w.StandardOutput.ReadLine() + "\n" + w.StandardOutput.ReadLine();
                    w.StandardInput.WriteLine($"d {id} not with that token");
                    run.WaitForExit();
                    w.StandardInput.Close();
                    seen += w.StandardOutput.ReadToEnd();
                    w.WaitForExit();
                    Assert.That(seen, Does.Contain(id));
                    Assert.That(seen, Does.Not.Contain(Token), seen);
                }
                Assert.That(pending.Stdout + pendingJson.Stdout + run.Stderr, Does.Not.Contain(Token));
            }
            Assert.That(staging.Requests, Is.Empty);
            Assert.That(File.ReadAllText(audit), Does.Contain("e2e-root").And.Not.Contain(Token));
        }
        finally { Directory.Delete(dir, true); }
    }
}
