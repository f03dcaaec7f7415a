using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Credentials seen at the wire (issue 14): a python program reads the production token
/// from a file (no argv shows it) and sends it in a header, the query or Basic auth to production
/// (127.0.0.2, terminated by the supervisor). The decision names the credential; the token appears
/// nowhere: not on stderr, in the 403 body, in a pending item or the audit log. A look-alike token
/// is nobody's. What the wire cannot see: connections it does not terminate (staging 127.0.0.3 is
/// decided at connect, its requests unread), see the README's limits of the wire layer.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireCredentialTests(string guard) : ProductionStandInFixture(guard, "agentshell-wire-cred-")
{
    private const string Token = Repo.ProductionToken;

    private string[] Options(string audit) =>
        ["--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", Repo.CredentialsProfile, "--audit", audit, "--pause-timeout", "30"];

    /// <summary>A python program sending <paramref name="method"/> with the token of file
    /// <paramref name="tokenFile"/> as <paramref name="carrier"/> says; prints the status, the rule and the body.</summary>
    private string[] Python(string method, string tokenFile, string carrier)
    {
        string py = $$"""
            import base64, urllib.request, urllib.error
            t = open('{{tokenFile}}').read().strip()
            url, headers = '{{Http.Url("/volumes/1")}}', {}
            carrier = '{{carrier}}'
            if carrier == 'bearer': headers['Authorization'] = 'Bearer ' + t
            elif carrier == 'basic': headers['Authorization'] = 'Basic ' + base64.b64encode(('deploy:' + t).encode()).decode()
            elif carrier == 'query': url += '?private_token=' + t
            else: headers[carrier] = t
            try:
                r = urllib.request.urlopen(urllib.request.Request(url, method='{{method}}', headers=headers)); print('{{method}}', r.status)
            except urllib.error.HTTPError as e:
                print('{{method}}', e.code, e.headers.get('X-AgentShell-Rule'), e.read().decode().strip())
            """;
        return [Repo.Python, "-c", py];
    }

    private string TokenFile(string token)
    {
        string f = Path.Combine(Tmp, "found-token");
        File.WriteAllText(f, token + "\n");
        return f;
    }

    [TestCase("bearer")]
    [TestCase("basic")]
    [TestCase("X-Api-Key")]
    [TestCase("PRIVATE-TOKEN")]
    [TestCase("query")]
    public void ADeleteCarryingTheProductionTokenIsRefusedAtTheWireNamingTheCredential(string carrier)
    {
        string audit = Path.Combine(Tmp, "audit.jsonl");
        var r = AgentShellRunner.Run(["run", .. Options(audit), "--", .. Python("DELETE", TokenFile(Token), carrier)]);
        Assert.That(r.Stdout, Does.StartWith("DELETE 403 demo.http:delete-on-production agentshell: blocked http DELETE"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("(production credential e2e-root) [rule demo.http:delete-on-production]"), "the 403 body names the credential");
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked http DELETE {Http.Url("/volumes/1")}").And.Contain("(production credential e2e-root) [rule demo.http:delete-on-production]"));
        Assert.That(Http.Requests, Is.Empty);
        string log = File.ReadAllText(audit);
        Assert.That(log, Does.Contain("e2e-root"));
        Assert.That(r.Stdout + r.Stderr + log, Does.Not.Contain(Token));
    }

    [Test]
    public void ALookAlikeTokenIsNobodysAtTheWire()
    {
        string audit = Path.Combine(Tmp, "audit.jsonl");
        var r = AgentShellRunner.Run(["run", .. Options(audit), "--", .. Python("DELETE", TokenFile(Token + "0"), "bearer")]);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked http DELETE {Http.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"), r.Stdout);
        Assert.That(r.Stdout + r.Stderr + File.ReadAllText(audit), Does.Not.Contain("e2e-root"));
    }

    [Test]
    public void AHeldRequestCarryingTheTokenShowsTheCredentialAndNeverTheSecret()
    {
        string audit = Path.Combine(Tmp, "audit.jsonl");
        // An unknown method on production waits for a person.
        using (var run = new BackgroundRun(null, Options(audit), Python("NUKE", TokenFile(Token), "query")))
        {
            string id = run.WaitForPause();
            var pending = run.Client("pending");
            var json = run.Client("pending", "--json");
            Assert.That(pending.Stdout, Does.Contain(id).And.Contain("private_token=*** (production)"), pending.Stdout);
            Assert.That(json.Stdout, Does.Contain("\"credential\":\"e2e-root\""), json.Stdout);
            Assert.That(pending.Stdout + json.Stdout, Does.Not.Contain(Token));
            run.Client("deny", id, "--reason", "not with that token");
            Assert.That(run.WaitForExit(), Is.EqualTo(0));
            Assert.That(run.Stdout, Does.StartWith("NUKE 403"), run.Stderr);
            Assert.That(run.Stdout + run.Stderr, Does.Not.Contain(Token));
        }
        Assert.That(Http.Requests, Is.Empty);
        Assert.That(File.ReadAllText(audit), Does.Contain("e2e-root").And.Not.Contain(Token));
    }
}
