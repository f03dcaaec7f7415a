using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

public class PolicyTests
{
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;

    private const string Environments = """
        { 'Environments': {
            'production': { 'Hosts': ['*.prod.example.com', 'db.example.com:5432', '10.20.0.0/16', '[2001:db8::]/32', '127.0.0.2'],
                            'KubeContexts': ['prod-*', 'arn:aws:eks:*:cluster/prod'], 'AwsProfiles': ['prod'], 'GcpProjects': ['acme-prod'],
                            'AzureSubscriptions': ['acme-production'], 'TerraformWorkspaces': ['prod*'],
                            'EnvVars': { 'RAILWAY_ENVIRONMENT': 'production' }, 'Apps': ['acme-web', 'prod-*', '*-production'] },
            'staging': { 'Hosts': ['*.staging.example.com', 'api.prod.example.com', '10.20.9.0/24', '127.0.0.3'],
                         'KubeContexts': ['prod-sandbox'], 'EnvVars': { 'RAILWAY_ENVIRONMENT': 'staging' }, 'Apps': ['prod-like-staging'] } },
          'Rules': [] }
        """;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([_tmp.Write("envs.json", Environments)]);
    }

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    private static Target Url(string host, int? port = null) => new() { Kind = TargetKind.Url, Scheme = "https", Host = host, Port = port, Path = "/" };
    private static Target Named(TargetKind kind, string name) => new() { Kind = kind, Name = name };
    private static LocalExecContext Env(params string[] kv) =>
        new(Enumerable.Range(0, kv.Length / 2).ToDictionary(i => kv[2 * i], i => kv[2 * i + 1]), "/home/dev/app");

    [TestCase("web.prod.example.com", null, "production")]
    [TestCase("WEB.Prod.Example.COM.", null, "production")]
    [TestCase("api.prod.example.com", null, "staging")]          // exact name beats the glob
    [TestCase("x.api.prod.example.com", null, "production")]
    [TestCase("db.example.com", 5432, "production")]
    [TestCase("db.example.com", 5433, "unknown")]
    [TestCase("10.20.1.1", null, "production")]
    [TestCase("10.20.9.7", null, "staging")]                      // longer prefix wins
    [TestCase("2001:db8:1::1", null, "production")]
    [TestCase("127.0.0.2", 8080, "production")]                   // loopback listed by a profile
    [TestCase("127.0.0.3", null, "staging")]
    [TestCase("127.0.0.5", null, "local")]
    [TestCase("localhost", null, "local")]
    [TestCase("LOCALHOST.", null, "local")]
    [TestCase("::1", null, "local")]
    [TestCase("example.org", null, "unknown")]
    // Loopback in the other address forms an address parser accepts (inet_aton bases, short forms,
    // mapped IPv6), and names made of the same characters that are not addresses.
    [TestCase("127.1", null, "local")]
    [TestCase("0x7f.1", null, "local")]
    [TestCase("0X7F000001", null, "local")]
    [TestCase("2130706433", null, "local")]
    [TestCase("0177.0.0.1", null, "local")]
    [TestCase("::ffff:127.0.0.1", null, "local")]
    [TestCase("127.0.0.1.nip.io", null, "unknown")]
    [TestCase("dead.beef", null, "unknown")]
    [TestCase("db.example.org", null, "unknown")]
    // A list a parser did not split is no host: its text matched the glob of its last entry
    // (db.prod…,db.staging… read as staging). What it reaches is not known.
    [TestCase("db.prod.example.com,db.staging.example.com", null, "unknown")]
    [TestCase("db.staging.example.com,db.prod.example.com", null, "unknown")]
    [TestCase("127.0.0.3,127.0.0.5", null, "unknown")]
    public void EnvironmentOfHosts(string host, int? port, string expected) =>
        Assert.That(_policy.EnvironmentOf(Url(host, port)), Is.EqualTo(expected));

    [TestCase(TargetKind.KubeContext, "prod-eu", "production")]
    [TestCase(TargetKind.KubeContext, "prod-sandbox", "staging")]  // exact beats glob
    [TestCase(TargetKind.KubeContext, "arn:aws:eks:eu-west-1:1234:cluster/prod", "production")]
    [TestCase(TargetKind.KubeContext, "dev-eu", "unknown")]
    [TestCase(TargetKind.AwsProfile, "PROD", "production")]
    [TestCase(TargetKind.AwsProfile, "default", "unknown")]
    [TestCase(TargetKind.GcpProject, "acme-prod", "production")]
    [TestCase(TargetKind.AzureSubscription, "acme-production", "production")]
    [TestCase(TargetKind.TerraformWorkspace, "prod-eu", "production")]
    [TestCase(TargetKind.TerraformWorkspace, "default", "unknown")]
    [TestCase(TargetKind.Environment, "staging", "staging")]
    [TestCase(TargetKind.Environment, "prod", "unknown")]            // a name no profile defines is not trusted
    public void EnvironmentOfNames(TargetKind kind, string name, string expected) =>
        Assert.That(_policy.EnvironmentOf(Named(kind, name)), Is.EqualTo(expected));

    [Test]
    public void LocalPathsAndHostlessDatabasesAreLocal()
    {
        Assert.That(_policy.EnvironmentOf(new Target { Kind = TargetKind.LocalPath, Path = "/etc" }), Is.EqualTo("local"));
        Assert.That(_policy.EnvironmentOf(new Target { Kind = TargetKind.Database, Database = "app" }), Is.EqualTo("local"));
    }

    [TestCase("production", "example.org", "production")]
    [TestCase("staging", "example.org", "staging")]
    [TestCase("production", "api.staging.example.com", "staging")] // a host's own environment wins
    [TestCase("production", "localhost", "local")]
    [TestCase("development", "example.org", "unknown")]
    public void EnvVarsNameTheEnvironmentOfUnknownTargets(string value, string host, string expected) =>
        Assert.That(_policy.EnvironmentOf(Url(host), Env("RAILWAY_ENVIRONMENT", value)), Is.EqualTo(expected));

    [Test]
    public void EnvVarsComeFromTheExecContextOnly()
    {
        Assert.That(_policy.EnvironmentOf(Url("example.org")), Is.EqualTo("unknown"));
        Assert.That(_policy.EnvironmentOf(Url("example.org"), Env()), Is.EqualTo("unknown"));
    }

    [TestCase("web.prod.example.com", null, "production", "*.prod.example.com")]
    [TestCase("api.prod.example.com", null, "staging", "api.prod.example.com")]   // the exact name that won, not the glob
    [TestCase("db.example.com", 5432, "production", "db.example.com:5432")]
    [TestCase("10.20.9.7", null, "staging", "10.20.9.0/24")]                     // the longer prefix that won
    [TestCase("10.20.1.1", null, "production", "10.20.0.0/16")]
    [TestCase("2001:db8:1::1", null, "production", "[2001:db8::]/32")]
    public void TheMatchNamesTheHostEntryThatDecidedTheEnvironment(string host, int? port, string env, string pattern)
    {
        var m = _policy.EnvironmentMatch(Url(host, port), null);
        Assert.That(m, Is.Not.Null);
        Assert.That((m!.Environment, m.Kind, m.Pattern), Is.EqualTo((env, EnvironmentSourceKind.Hosts, pattern)));
        Assert.That(m.Source, Does.EndWith("envs.json"));
    }

    [TestCase(TargetKind.KubeContext, "prod-eu", EnvironmentSourceKind.KubeContexts, "prod-*")]
    [TestCase(TargetKind.KubeContext, "prod-sandbox", EnvironmentSourceKind.KubeContexts, "prod-sandbox")]
    [TestCase(TargetKind.AwsProfile, "PROD", EnvironmentSourceKind.AwsProfiles, "prod")]
    [TestCase(TargetKind.GcpProject, "acme-prod", EnvironmentSourceKind.GcpProjects, "acme-prod")]
    [TestCase(TargetKind.TerraformWorkspace, "prod-eu", EnvironmentSourceKind.TerraformWorkspaces, "prod*")]
    public void TheMatchNamesTheNameEntryThatDecidedTheEnvironment(TargetKind kind, string name, EnvironmentSourceKind source, string pattern)
    {
        var m = _policy.EnvironmentMatch(Named(kind, name), null);
        Assert.That((m?.Kind, m?.Pattern), Is.EqualTo(((EnvironmentSourceKind?)source, pattern)));
    }

    // A platform API URL naming an app (fly -a NAME, heroku --app NAME): the app's environment when
    // Apps lists it (an exact name beats a glob of another environment), else the host's.
    [TestCase("api.fly.io", "acme-web", "production", "acme-web")]
    [TestCase("api.heroku.com", "billing-production", "production", "*-production")]
    [TestCase("api.fly.io", "prod-eu", "production", "prod-*")]
    [TestCase("api.fly.io", "prod-like-staging", "staging", "prod-like-staging")]
    [TestCase("web.prod.example.com", "scratch", "production", "*.prod.example.com")]   // app not listed: the host decides
    public void AnAppNamedByTheTargetIsClassifiedByApps(string host, string app, string env, string pattern)
    {
        var t = new Target { Kind = TargetKind.Url, Scheme = "https", Host = host, Path = "/apps/" + app, Name = app };
        var m = _policy.EnvironmentMatch(t, null);
        Assert.That((m?.Environment, m?.Pattern), Is.EqualTo(((string?)env, (string?)pattern)));
    }

    [Test]
    public void AnAppNoProfileListsLeavesTheHostUnknown() =>
        Assert.That(_policy.EnvironmentMatch(new Target { Kind = TargetKind.Url, Scheme = "https", Host = "api.fly.io", Path = "/apps/acme-staging", Name = "acme-staging" }, null), Is.Null);

    [Test]
    public void TheMatchOfAnEnvVarEnvironmentIsTheVariable()
    {
        var m = _policy.EnvironmentMatch(Url("example.org"), Env("RAILWAY_ENVIRONMENT", "production"));
        Assert.That((m?.Environment, m?.Kind, m?.Pattern), Is.EqualTo(("production", (EnvironmentSourceKind?)EnvironmentSourceKind.EnvVars, "RAILWAY_ENVIRONMENT=production")));
    }

    [TestCase("localhost")]        // built-in local: no profile entry put it there
    [TestCase("example.org")]      // unknown
    public void NoEntryMatchesWhatNoProfileNamed(string host) =>
        Assert.That(_policy.EnvironmentMatch(Url(host), null), Is.Null);

    [Test]
    public void ADecisionCarriesTheEntryThatMadeItsTargetProduction()
    {
        var policy = PolicyT.Load([_tmp.Write("rules.json", """
            { 'Environments': { 'production': { 'Hosts': ['*.prod.example.com'], 'EnvVars': { 'APP_ENV': 'prod' } } },
              'Rules': [ { 'Id': 't:delete-on-production', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'no',
                           'Tests': { 'Match': [['curl', '-X', 'DELETE', 'https://a.prod.example.com/x']], 'NoMatch': [['curl', 'https://a.prod.example.com/x']] } } ] }
            """)]);
        var classifier = new AgentShell.Core.Classification.CommandClassifier(policy.Tools);
        var byHost = policy.Decide(classifier.Classify(["curl", "-X", "DELETE", "https://a.prod.example.com/x"], Env()), Env());
        Assert.That(byHost.Action, Is.EqualTo(PolicyAction.Block));
        Assert.That(byHost.MatchedBy?.Pattern, Is.EqualTo("*.prod.example.com"));
        var byVariable = policy.Decide(classifier.Classify(["curl", "-X", "DELETE", "https://api.example.org/x"], Env("APP_ENV", "prod")), Env("APP_ENV", "prod"));
        Assert.That(byVariable.Action, Is.EqualTo(PolicyAction.Block));
        Assert.That(byVariable.MatchedBy?.Pattern, Is.EqualTo("APP_ENV=prod"));
    }

    [Test]
    public void SettingsDefaultWhenNoProfileSetsThem()
    {
        Assert.That(_policy.Pause.TimeoutSeconds, Is.EqualTo(300));
        Assert.That(_policy.Pause.OnTimeout, Is.EqualTo(PolicyAction.Block));
        Assert.That(_policy.Network.UnknownClientToProduction, Is.EqualTo(PolicyAction.Pause));
        Assert.That(_policy.Network.Clients, Is.Empty);
        Assert.That(_policy.SettingSources, Is.Empty);
    }
}
