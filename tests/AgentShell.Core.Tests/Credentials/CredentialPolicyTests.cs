using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Credentials;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Credentials;

/// <summary>A listed credential marks the environment: the decision is taken in the credential's
/// environment (besides the host's), names the credential, and never holds the secret; a token
/// that differs by one character is nobody's.</summary>
public class CredentialPolicyTests
{
    private const string Root = "rw_root_5c1d2e3f4a5b6c7d";
    private const string Staging = "rw_stage_0a1b2c3d4e5f";

    private TempProfiles _tmp = null!;
    private readonly CommandClassifier _classifier = new();

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private PolicyT Load(string extra = "") => PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("creds.json", $$"""
        { 'Environments': {
            'production': { 'Hosts': ['backboard.railway.app'], 'Credentials': [ { 'Name': 'railway-root', 'Sha256': '{{CredentialTable.Fingerprint(Root)}}' } ] },
            'staging': { 'Hosts': ['api.staging.example.net'], 'Credentials': [ { 'Name': 'railway-staging', 'Sha256': '{{CredentialTable.Fingerprint(Staging)}}' } ] } }
          {{extra}} }
        """)]);

    private Decision Decide(PolicyT policy, string[] argv, Dictionary<string, string>? env = null)
    {
        var ctx = new LocalExecContext(env ?? new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" }, "/tmp");
        return policy.Decide(_classifier.Classify(argv, ctx), ctx);
    }

    [Test]
    public void AProductionTokenSentToAHostNoProfileKnowsIsProduction()
    {
        var d = Decide(Load(), ["curl", "-X", "DELETE", "-H", "Authorization: Bearer " + Root, "https://api.unlisted.example.org/v1/volumes/1"]);
        Assert.That((d.Action, d.RuleId, d.Environment, d.Credential), Is.EqualTo((PolicyAction.Block, "default.any:destructive-on-production", "production", "railway-root")));
        Assert.That(d.Describe(), Does.Contain("(production credential railway-root)"));
        Assert.That(d.Describe(), Does.Not.Contain(Root));
    }

    [Test]
    public void AProductionTokenSentToLocalhostIsProductionToo()
    {
        // A local proxy in front of the control plane: the token says where the request ends up.
        var d = Decide(Load(), ["curl", "-X", "DELETE", "-H", "Project-Access-Token: " + Root, "http://localhost:8080/graphql"]);
        Assert.That((d.Action, d.Environment, d.Credential), Is.EqualTo((PolicyAction.Block, "production", "railway-root")));
    }

    [Test]
    public void ATokenThatDiffersByOneCharacterIsNobodys()
    {
        var lookalike = Root[..^1] + (Root[^1] == 'd' ? 'e' : 'd');
        var d = Decide(Load(), ["curl", "-X", "DELETE", "-H", "Authorization: Bearer " + lookalike, "https://api.unlisted.example.org/v1/volumes/1"]);
        Assert.That((d.Action, d.RuleId, d.Environment, d.Credential), Is.EqualTo((PolicyAction.Pause, "default.any:destructive-on-unknown", "unknown", (string?)null)));
    }

    [Test]
    public void AStagingTokenSentToAProductionHostIsStillJudgedAsProduction()
    {
        var d = Decide(Load(), ["curl", "-X", "DELETE", "-H", "Authorization: Bearer " + Staging, "https://backboard.railway.app/graphql/v2"]);
        Assert.That((d.Action, d.Environment, d.Credential), Is.EqualTo((PolicyAction.Block, "production", (string?)null)));
    }

    [TestCase("PGPASSWORD", new[] { "psql", "-h", "db.unlisted.example.org", "-c", "DROP TABLE t" })]
    [TestCase("RAILWAY_TOKEN", new[] { "railway", "volume", "delete", "--volume", "data" })]
    [TestCase("GITHUB_TOKEN", new[] { "gh", "repo", "delete", "acme/app", "--yes" })]
    [TestCase("AWS_SECRET_ACCESS_KEY", new[] { "aws", "--profile", "sandbox", "s3", "rb", "s3://bucket", "--force" })]
    public void ACredentialInTheExecsEnvironmentMarksItsCommand(string variable, string[] argv)
    {
        var d = Decide(Load(), argv, new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", [variable] = Root });
        Assert.That((d.Action, d.Environment, d.Credential), Is.EqualTo((PolicyAction.Block, "production", "railway-root")));
    }

    [Test]
    public void AReadWithAProductionTokenIsAllowed()
    {
        var d = Decide(Load(), ["curl", "-H", "Authorization: Bearer " + Root, "https://api.unlisted.example.org/v1/me"]);
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void TheWireLayerMatchesASecretOrAHeaderValue()
    {
        var t = Load().Credentials;
        Assert.That(t.Match(Encoding.UTF8.GetBytes(Root)) is { } m ? (m.Environment, m.Name) : default, Is.EqualTo(("production", "railway-root")));
        Assert.That(t.MatchHeaderValue(Encoding.UTF8.GetBytes("Bearer " + Root))?.Name, Is.EqualTo("railway-root"));
        Assert.That(t.MatchHeaderValue(Encoding.UTF8.GetBytes("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:" + Staging))))?.Name, Is.EqualTo("railway-staging"));
        Assert.That(t.Match(Encoding.UTF8.GetBytes(Root + " ")), Is.Null);
        Assert.That(t.MatchHeaderValue(Encoding.UTF8.GetBytes("Bearer nothing-listed")), Is.Null);
    }

    [Test]
    public void AValueOfACredentialFileIsACredentialOfItsEnvironment()
    {
        var env = _tmp.Write(".env.production", $"# deploy\nRAILWAY_TOKEN=\"{Root}x\"\nDATABASE_URL=postgresql://app:pg-secret-77@db.internal/app\nDEBUG=0\n");
        var json = _tmp.Write("railway-config.json", $"{{ 'user': {{ 'token': 'json-token-123456' }}, 'projects': {{}} }}");
        var policy = Load($", 'CredentialFiles': [ '{env}', '{json}' ]");
        var d = Decide(policy, ["curl", "-X", "DELETE", "-H", $"Authorization: Bearer {Root}x", "https://api.unlisted.example.org/v1/volumes/1"]);
        Assert.That((d.Action, d.Credential), Is.EqualTo((PolicyAction.Block, env + ":RAILWAY_TOKEN")));
        d = Decide(policy, ["psql", "postgresql://app:pg-secret-77@db.unlisted.example.org/app", "-c", "DROP TABLE t"]);
        Assert.That((d.Action, d.Credential), Is.EqualTo((PolicyAction.Block, env + ":DATABASE_URL")));
        d = Decide(policy, ["curl", "-X", "DELETE", "-H", "X-Api-Key: json-token-123456", "https://api.unlisted.example.org/v1/x"]);
        Assert.That((d.Action, d.Credential), Is.EqualTo((PolicyAction.Block, json + ":token")));
    }

    [Test]
    public void ACredentialFileIsReadAgainWhenItChanges()
    {
        var file = Path.Combine(_tmp.Dir, "later.env");
        var policy = Load($", 'CredentialFiles': [ '{file}' ]");
        string[] argv = ["curl", "-X", "DELETE", "-H", "Authorization: Bearer fresh-token-abcdef", "https://api.unlisted.example.org/v1/x"];
        Assert.That(Decide(policy, argv).Environment, Is.EqualTo("unknown"), "not there yet");
        File.WriteAllText(file, "TOKEN=fresh-token-abcdef\n");
        Assert.That(Decide(policy, argv).Credential, Is.EqualTo(file + ":TOKEN"));
        File.WriteAllText(file, "TOKEN=another-token-ghijkl\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        string[] other = ["curl", "-X", "DELETE", "-H", "Authorization: Bearer another-token-ghijkl", "https://api.unlisted.example.org/v1/x"];
        Assert.That(Decide(policy, other).Credential, Is.EqualTo(file + ":TOKEN"), "the new value");
        Assert.That(Decide(policy, argv).Credential, Is.EqualTo(file + ":TOKEN"), "the old value, read once, stays known");
    }

    [Test]
    public void ATokenReadAndThenItsFileDeletedStaysProduction()
    {
        // The attack: read the token, remove (or chmod 000) the file, then send the token.
        var file = _tmp.Write("gone.env", "TOKEN=short-lived-token-987654\n");
        var policy = Load($", 'CredentialFiles': [ '{file}' ]");
        string[] argv = ["curl", "-X", "DELETE", "-H", "Authorization: Bearer short-lived-token-987654", "https://api.unlisted.example.org/v1/x"];
        Assert.That(Decide(policy, argv).Credential, Is.EqualTo(file + ":TOKEN"));
        File.Delete(file);
        var d = Decide(policy, argv);
        Assert.That((d.Action, d.Credential), Is.EqualTo((PolicyAction.Block, file + ":TOKEN")));
    }

    [Test]
    public void ARuleCaseCanCarryACredential()
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", $$"""
            { 'Environments': { 'production': { 'Credentials': [ { 'Name': 'root', 'Sha256': '{{CredentialTable.Fingerprint(Root)}}' } ] } },
              'Rules': [ { 'Id': 't:prod', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r',
                'Tests': { 'Match': [['curl', '-X', 'DELETE', '-H', 'Authorization: Bearer {{Root}}', 'https://x.example.org/a']],
                           'NoMatch': [['curl', '-X', 'DELETE', '-H', 'Authorization: Bearer not-the-root', 'https://x.example.org/a']] } } ] }
            """)]);
        Assert.That(policy.Rules.Single().Id, Is.EqualTo("t:prod"));
    }
}
