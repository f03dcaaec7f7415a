using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary><see cref="PolicyT.Decide(IReadOnlyList{CommandIntent}, IExecContext?)"/>: rule order, severity, layering.</summary>
public class DecideTests
{
    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private const string Base = """
        { 'Environments': { 'production': { 'Hosts': ['127.0.0.2', '*.prod.example.com'], 'EnvVars': { 'APP_ENV': 'production' } },
                            'staging': { 'Hosts': ['127.0.0.3'] } },
          'Rules': [
            { 'Id': 'base:delete-prod', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r1',
              'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/x']] } },
            { 'Id': 'base:write-prod', 'Effects': ['write', 'delete'], 'Environments': ['production'], 'Action': 'pause', 'Reason': 'r2',
              'Tests': { 'Match': [['curl', '-d', 'x', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/x']] } },
            { 'Id': 'base:delete-unknown', 'Effects': ['delete'], 'Environments': ['unknown'], 'Action': 'pause', 'Reason': 'r3',
              'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://example.org/x']], 'NoMatch': [['curl', '-X', 'DELETE', 'http://127.0.0.3/x']] } }
          ] }
        """;

    private static CommandIntent Intent(Effect effect, params Target[] targets) =>
        new() { Tool = "curl", Effect = effect, Targets = targets, Summary = $"{effect} {string.Join(' ', targets.Select(t => t.ToString()))}" };

    private static Target Url(string host, string path = "/") => new() { Kind = TargetKind.Url, Scheme = "http", Host = host, Path = path };

    [TestCase(Effect.Delete, "127.0.0.2", PolicyAction.Block, "base:delete-prod")]   // first match wins though write-prod matches too
    [TestCase(Effect.Write, "127.0.0.2", PolicyAction.Pause, "base:write-prod")]
    [TestCase(Effect.Read, "127.0.0.2", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase(Effect.Delete, "127.0.0.3", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase(Effect.Delete, "example.org", PolicyAction.Pause, "base:delete-unknown")]
    [TestCase(Effect.Delete, "localhost", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    public void FirstMatchingRuleDecides(Effect effect, string host, PolicyAction action, string ruleId)
    {
        var policy = PolicyT.Load([_tmp.Write("base.json", Base)]);
        var d = policy.Decide([Intent(effect, Url(host))]);
        Assert.That((d.Action, d.RuleId), Is.EqualTo((action, ruleId)));
    }

    [Test]
    public void FallThroughIsTheSharedDefaultAllow()
    {
        var policy = PolicyT.Load([_tmp.Write("base.json", Base)]);
        Assert.That(policy.Decide([Intent(Effect.Read, Url("example.org"))]), Is.SameAs(Decision.DefaultAllow));
        Assert.That(policy.Decide([]), Is.SameAs(Decision.DefaultAllow));
    }

    [Test]
    public void MostSevereActionOverTargetsAndIntentsWins()
    {
        var policy = PolicyT.Load([_tmp.Write("base.json", Base)]);
        var d = policy.Decide([Intent(Effect.Delete, Url("example.org"), Url("127.0.0.3")), Intent(Effect.Delete, Url("127.0.0.2", "/volumes/1"))]);
        Assert.That((d.Action, d.RuleId, d.Environment), Is.EqualTo((PolicyAction.Block, "base:delete-prod", "production")));
        Assert.That(d.Target!.Host, Is.EqualTo("127.0.0.2"));
        Assert.That(d.Describe(), Is.EqualTo("curl Delete http://127.0.0.2/volumes/1 (production) [rule base:delete-prod]"));
    }

    [Test]
    public void LaterLayersRulesComeFirst()
    {
        string user = _tmp.Write("user.json", """
            { 'Rules': [ { 'Id': 'user:allow-prod-deletes-of-tmp', 'Effects': ['delete'], 'Environments': ['production'], 'Paths': ['/tmp/**'],
                           'Action': 'allow', 'Reason': 'scratch data',
                           'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/tmp/a']], 'NoMatch': [['curl', '-X', 'DELETE', 'http://127.0.0.2/volumes/a']] } } ] }
            """);
        var policy = PolicyT.Load([_tmp.Write("base.json", Base), user]);
        Assert.That(policy.Rules.Select(r => r.Id).First(), Is.EqualTo("user:allow-prod-deletes-of-tmp"));
        Assert.That(policy.Decide([Intent(Effect.Delete, Url("127.0.0.2", "/tmp/a"))]).RuleId, Is.EqualTo("user:allow-prod-deletes-of-tmp"));
        Assert.That(policy.Decide([Intent(Effect.Delete, Url("127.0.0.2", "/volumes/a"))]).RuleId, Is.EqualTo("base:delete-prod"));
    }

    [Test]
    public void LaterLayersAddHostsToEnvironments()
    {
        string user = _tmp.Write("user.json", "{ 'Environments': { 'production': { 'Hosts': ['db.acme.internal'] } } }");
        var policy = PolicyT.Load([_tmp.Write("base.json", Base), user]);
        Assert.That(policy.Decide([Intent(Effect.Delete, Url("db.acme.internal"))]).RuleId, Is.EqualTo("base:delete-prod"));
        Assert.That(policy.EnvironmentOf(Url("127.0.0.2")), Is.EqualTo("production"));
    }

    [Test]
    public void LaterLayerWinsATieBetweenEnvironments()
    {
        string user = _tmp.Write("user.json", "{ 'Environments': { 'staging': { 'Hosts': ['*.prod.example.com'] } } }");
        var policy = PolicyT.Load([_tmp.Write("base.json", Base), user]);
        Assert.That(policy.EnvironmentOf(Url("api.prod.example.com")), Is.EqualTo("staging"));
    }

    [Test]
    public void ALaterLayerThatBreaksAnEarlierRulesCasesIsAnError()
    {
        string user = _tmp.Write("user.json", "{ 'Environments': { 'staging': { 'Hosts': ['127.0.0.2'] } } }");
        var e = Assert.Throws<AgentShell.Core.Profiles.ProfileException>(() => PolicyT.Load([_tmp.Write("base.json", Base), user]));
        Assert.That(e!.Errors.Select(x => x.JsonPath), Is.EqualTo(new[] { "Rules[0].Tests.Match[0]", "Rules[1].Tests.Match[0]" }));
        Assert.That(e.Errors[0].Message, Does.Contain("(staging)").And.Contain("does not catch"));
    }

    [Test]
    public void ExecEnvironmentVariablesComeFromTheContext()
    {
        var policy = PolicyT.Load([_tmp.Write("base.json", Base)]);
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["APP_ENV"] = "production" });
        var intent = Intent(Effect.Delete, Url("example.org"));
        Assert.That(policy.Decide([intent], ctx).RuleId, Is.EqualTo("base:delete-prod"));
        Assert.That(policy.Decide([intent]).RuleId, Is.EqualTo("base:delete-unknown"));
        var noTarget = new CommandIntent { Tool = "railway", Effect = Effect.Delete };
        Assert.That(policy.Decide([noTarget], ctx).Environment, Is.EqualTo("production"));
        Assert.That(policy.Decide([noTarget]), Is.SameAs(Decision.DefaultAllow));
    }

    [Test]
    public void RuleFiltersOnToolsHostsAndTargetKinds()
    {
        string p = _tmp.Write("p.json", """
            { 'Rules': [ { 'Id': 't:psql-on-db', 'Tools': ['PSQL'], 'Hosts': ['*.db.example.com'], 'TargetKinds': ['database'], 'Action': 'pause', 'Reason': 'r',
                           'Tests': { 'Match': [['psql', '-h', 'a.db.example.com']], 'NoMatch': [['curl', 'http://a.db.example.com/']] } } ] }
            """);
        var policy = PolicyT.Load([p]);
        var db = new Target { Kind = TargetKind.Database, Host = "a.db.example.com", Port = 5432 };
        Assert.That(policy.Decide([new CommandIntent { Tool = "psql", Effect = Effect.Read, Targets = [db] }]).RuleId, Is.EqualTo("t:psql-on-db"));
        Assert.That(policy.Decide([new CommandIntent { Tool = "pg_dump", Effect = Effect.Read, Targets = [db] }]).RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
        Assert.That(policy.Decide([new CommandIntent { Tool = "psql", Effect = Effect.Read, Targets = [Url("a.db.example.com")] }]).RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
        Assert.That(policy.Decide([new CommandIntent { Tool = "psql", Effect = Effect.Read, Targets = [new Target { Kind = TargetKind.Database, Host = "db.example.com" }] }]).RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
        Assert.That(policy.Warnings, Is.Empty, "the psql case was checked by the real parser");
    }

    [TestCase("10.9.9.9", "production", PolicyAction.Block, "base:delete-prod")]   // an address no profile names, in production by the caller's word
    [TestCase("127.0.0.3", "production", PolicyAction.Block, "base:delete-prod")]  // the caller's environment beats the host's
    [TestCase("127.0.0.2", "staging", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase("127.0.0.2", "no-such-environment", PolicyAction.Pause, "base:delete-unknown")]
    public void DecideInUsesTheGivenEnvironment(string host, string environment, PolicyAction action, string ruleId)
    {
        var policy = PolicyT.Load([_tmp.Write("base.json", Base)]);
        var d = policy.DecideIn([Intent(Effect.Delete, Url(host))], environment);
        Assert.That((d.Action, d.RuleId), Is.EqualTo((action, ruleId)));
    }

    [Test]
    public void AnIntentActingAsATool()
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", """
            { 'Environments': { 'production': { 'Hosts': ['db.prod'] } },
              'Rules': [ { 'Id': 'p:psql-writes', 'Tools': ['psql'], 'Effects': ['write'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r',
                           'Tests': { 'Match': [['psql', '-h', 'db.prod', '-c', 'INSERT INTO t VALUES (1)']], 'NoMatch': [['psql', '-h', 'db.prod', '-c', 'SELECT 1']] } } ] }
            """)]);
        var db = new Target { Kind = TargetKind.Database, Host = "db.prod", Port = 5432 };
        CommandIntent Write(string tool, string? actsAs) => new() { Tool = tool, ActsAs = actsAs, Effect = Effect.Write, Targets = [db] };
        Assert.Multiple(() =>
        {
            Assert.That(policy.Decide([Write("postgres-wire", "psql")]).RuleId, Is.EqualTo("p:psql-writes"));
            Assert.That(policy.Decide([Write("postgres-wire", null)]).RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
            Assert.That(policy.Decide([Write("mysql", "mongosh")]).RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
            Assert.That(policy.Rules[0].Matches(Write("postgres-wire", "psql"), "production"), Is.True);
        });
    }

    [TestCase("/", null, true)]
    [TestCase("/tmp/..", null, true)]
    [TestCase("/usr", null, true)]
    [TestCase("/tmp/build", null, false)]
    [TestCase("~", null, true)]
    [TestCase("/home/dev", null, true)]
    [TestCase("/home/dev/app/dist", null, false)]
    [TestCase(".", "/home/dev/app", true)]
    [TestCase("../.git", "/home/dev/app/src", true)]
    [TestCase("../app/.git", "/home/dev/app/src", false)]
    [TestCase("node_modules", "/home/dev/app", false)]
    public void LocalPathsResolveAgainstTheExecsHomeWorkingDirectoryAndRepository(string path, string? cwd, bool blocked)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", cwd ?? "/home/dev/app", repo: "/home/dev/app");
        // rm -r of a whole tree is a wipe; a filtered delete is judged by its own rule (below).
        var intent = new CommandIntent { Tool = "rm", Effect = Effect.Wipe, Targets = [new Target { Kind = TargetKind.LocalPath, Path = path }] };
        var d = policy.Decide([intent], ctx);
        Assert.That(d.RuleId, Is.EqualTo(blocked ? "default.local:catastrophic-wipe" : Decision.DefaultAllowRuleId));
    }

    // A rule whose paths are all absolute (server data under /var/): relative paths, trailing
    // slashes, .. and look-alikes that only share a prefix, each resolved as the exec would.
    [TestCase("/var/lib/mysql", null, true)]
    [TestCase("/var/lib/mysql/", null, true)]
    [TestCase("/var/lib/mysql/ibdata1", null, true)]
    [TestCase("/var/lib/mysqlx", null, false)]
    [TestCase("/var/spool/cron/crontabs", null, true)]
    [TestCase("/var/tmp/x", null, false)]
    [TestCase("/srv/var/lib/mysql", null, false)]
    [TestCase("mysql/ibdata1", "/var/lib", true)]
    [TestCase("../../var/lib/redis", "/home/dev", true)]
    [TestCase("lib/redis", "/tmp", false)]
    public void AbsolutePathRulesMatchTheResolvedPath(string path, string? cwd, bool paused)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", cwd ?? "/home/dev/app", repo: "/home/dev/app");
        var intent = new CommandIntent { Tool = "truncate", Effect = Effect.Truncate, Targets = [new Target { Kind = TargetKind.LocalPath, Path = path }] };
        var d = policy.Decide([intent], ctx);
        Assert.That(d.RuleId, Is.EqualTo(paused ? "default.local:server-data-and-cron" : Decision.DefaultAllowRuleId));
    }

    // A filtered delete (find -name … -delete, rm without -r) is blocked only across /, the home
    // directory or the repository's history: `find . -name '*.pyc' -delete` was blocked on main.
    [TestCase("/", null, true)]
    [TestCase("~", null, true)]
    [TestCase("/home/dev", null, true)]
    [TestCase("../.git", "/home/dev/app/src", true)]
    [TestCase(".", "/home/dev/app", false)]
    [TestCase("/tmp", null, false)]
    [TestCase("/home/dev/app/src", null, false)]
    public void AFilteredDeleteIsBlockedOnlyAcrossRootHomeOrHistory(string path, string? cwd, bool blocked)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", cwd ?? "/home/dev/app", repo: "/home/dev/app");
        var intent = new CommandIntent { Tool = "find", Effect = Effect.Delete, Targets = [new Target { Kind = TargetKind.LocalPath, Path = path }] };
        var d = policy.Decide([intent], ctx);
        Assert.That(d.RuleId, Is.EqualTo(blocked ? "default.local:selective-delete-in-root-home-or-history" : Decision.DefaultAllowRuleId));
    }

    // The shipped default names platform apps as KubeContexts and the rest are named: prod,
    // production, prod-*, production-*, *-prod, *-production (so prod-like-staging is production
    // until a profile lists it under staging: the safe side for a name that says prod).
    [TestCase(new[] { "fly", "apps", "destroy", "acme-prod", "-y" }, PolicyAction.Block)]
    [TestCase(new[] { "heroku", "pg:reset", "-a", "billing-production", "--confirm", "billing-production" }, PolicyAction.Block)]
    [TestCase(new[] { "netlify", "sites:delete", "prod-site", "--force" }, PolicyAction.Block)]
    [TestCase(new[] { "fly", "apps", "destroy", "acme-staging", "-y" }, PolicyAction.Pause)]    // unknown app: destructive-on-unknown
    [TestCase(new[] { "fly", "apps", "destroy", "product-api", "-y" }, PolicyAction.Pause)]     // "product" is not "prod-"
    [TestCase(new[] { "fly", "status", "-a", "acme-prod" }, PolicyAction.Allow)]
    // A stage, --env or -e that names no environment of its own is looked up as an app name: the
    // catch (prod, acme-prod) and the look-alikes (dev, product, a name no rule lists).
    [TestCase(new[] { "serverless", "remove", "--stage", "prod" }, PolicyAction.Block)]
    [TestCase(new[] { "sls", "remove", "-s", "prod-eu" }, PolicyAction.Block)]
    [TestCase(new[] { "serverless", "remove", "--stage", "production" }, PolicyAction.Block)]  // an environment's own name, as before
    [TestCase(new[] { "serverless", "remove", "--stage", "dev" }, PolicyAction.Pause)]
    [TestCase(new[] { "serverless", "remove", "--stage", "product" }, PolicyAction.Pause)]
    [TestCase(new[] { "serverless", "deploy", "--stage", "prod" }, PolicyAction.Allow)]        // a deploy is a write
    // gh: a secret's or variable's deployment environment, and the repository repo delete names.
    [TestCase(new[] { "gh", "secret", "delete", "DB_PASSWORD", "--env", "production" }, PolicyAction.Block)]
    [TestCase(new[] { "gh", "variable", "delete", "DB_HOST", "--env=prod" }, PolicyAction.Block)]
    [TestCase(new[] { "gh", "repo", "delete", "acme/shop-prod", "--yes" }, PolicyAction.Block)]
    [TestCase(new[] { "gh", "secret", "delete", "DB_PASSWORD", "--env", "staging" }, PolicyAction.Pause)]
    [TestCase(new[] { "gh", "repo", "delete", "acme/product-site", "--yes" }, PolicyAction.Pause)]
    [TestCase(new[] { "gh", "secret", "list", "--env", "production" }, PolicyAction.Allow)]
    public void TheDefaultAppsMarkProductionAppNames(string[] argv, PolicyAction action)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", "/home/dev/app", repo: "/home/dev/app");
        var intents = new AgentShell.Core.Classification.CommandClassifier().Classify(argv, ctx);
        Assert.That(policy.Decide(intents, ctx).Action, Is.EqualTo(action));
    }

    // GKE names its contexts gke_PROJECT_LOCATION_CLUSTER: the shipped default reads a production
    // project or cluster there (EKS ARNs end in cluster/NAME, which */prod and *-prod cover).
    [TestCase("gke_acme-prod_us-central1_main", PolicyAction.Block)]
    [TestCase("gke_prod_europe-west1_main", PolicyAction.Block)]
    [TestCase("gke_acme_us-central1_prod", PolicyAction.Block)]
    [TestCase("gke_production-data_us-east1_main", PolicyAction.Block)]
    [TestCase("arn:aws:eks:us-east-1:123456789012:cluster/prod", PolicyAction.Block)]
    [TestCase("gke_acme-staging_us-central1_main", PolicyAction.Pause)]   // look-alikes: unknown, paused
    [TestCase("gke_acme-products_us-central1_main", PolicyAction.Pause)]
    [TestCase("gke_acme_us-central1_prodigy", PolicyAction.Pause)]
    public void TheDefaultReadsGkeContexts(string context, PolicyAction action)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", "/home/dev/app", repo: "/home/dev/app");
        var intents = new AgentShell.Core.Classification.CommandClassifier().Classify(["kubectl", "--context", context, "delete", "ns", "shop"], ctx);
        Assert.That(policy.Decide(intents, ctx).Action, Is.EqualTo(action));
    }

    // One directory per environment: in the default workspace, the deepest component of the
    // directory terraform works in that the workspace names list names the environment. Catch:
    // -chdir, terragrunt's working dir, the cwd; look-alikes: dev, product, a workspace chosen.
    [TestCase(new[] { "terraform", "-chdir=envs/prod", "destroy", "-auto-approve" }, "/home/dev/infra", PolicyAction.Block)]
    [TestCase(new[] { "terraform", "destroy", "-auto-approve" }, "/home/dev/infra/live/prod/us-east-1/vpc", PolicyAction.Block)]
    [TestCase(new[] { "terragrunt", "destroy", "--terragrunt-working-dir", "live/production/db" }, "/home/dev/infra", PolicyAction.Block)]
    [TestCase(new[] { "terragrunt", "run-all", "destroy", "--working-dir=live/prod-eu" }, "/home/dev/infra", PolicyAction.Block)]
    [TestCase(new[] { "terraform", "-chdir=envs/dev", "destroy", "-auto-approve" }, "/home/dev/infra", PolicyAction.Pause)]
    [TestCase(new[] { "terraform", "destroy", "-auto-approve" }, "/home/dev/products/vpc", PolicyAction.Pause)]
    [TestCase(new[] { "terraform", "-chdir=envs/prod", "plan" }, "/home/dev/infra", PolicyAction.Allow)]
    // The parts as read from the last: empty parts, "." and ".." skipped, any case, a trailing slash.
    [TestCase(new[] { "terraform", "destroy", "-auto-approve" }, "/home/dev/infra/live//PROD/./vpc/", PolicyAction.Block)]
    [TestCase(new[] { "terraform", "destroy", "-auto-approve" }, "/home/dev/infra/live/prod/..", PolicyAction.Block)]
    [TestCase(new[] { "terraform", "destroy", "-auto-approve" }, "/home/dev/infra/live/xprod/.", PolicyAction.Pause)]
    public void ADirectoryNamedProdIsProductionInTheDefaultWorkspace(string[] argv, string cwd, PolicyAction action)
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new FakeRepoContext("/home/dev", cwd, repo: "/nowhere");
        var intents = new AgentShell.Core.Classification.CommandClassifier().Classify(argv, ctx);
        Assert.That(policy.Decide(intents, ctx).Action, Is.EqualTo(action));
    }

    [Test]
    public void AChosenWorkspaceIsTheEnvironmentWhateverTheDirectorySays()
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = new WorkspaceContext("/home/dev/infra/envs/prod", "TF_WORKSPACE", "dev");
        var intents = new AgentShell.Core.Classification.CommandClassifier().Classify(["terraform", "destroy", "-auto-approve"], ctx);
        Assert.That(policy.Decide(intents, ctx).Action, Is.EqualTo(PolicyAction.Pause));   // workspace dev: unknown, not production
        var prod = new WorkspaceContext("/home/dev/infra/envs/dev", "TF_WORKSPACE", "prod");
        Assert.That(policy.Decide(new AgentShell.Core.Classification.CommandClassifier().Classify(["terraform", "destroy", "-auto-approve"], prod), prod).Action,
            Is.EqualTo(PolicyAction.Block));
    }

    private sealed class WorkspaceContext(string cwd, string variable, string value) : IExecContext
    {
        public string? WorkingDirectory => cwd;
        public string? GetEnvironmentVariable(string name) => name == variable ? value : name == "HOME" ? "/home/dev" : null;
        public byte[]? ReadFile(string path, int maxBytes) => null;
    }

    [Test]
    public void AProfileCanListAnAppUnderStaging()
    {
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"),
            _tmp.Write("apps.json", "{ 'Environments': { 'staging': { 'Apps': ['prod-like-staging'] }, 'production': { 'Apps': ['acme-web'] } } }")]);
        var ctx = new FakeRepoContext("/home/dev", "/home/dev/app", repo: "/home/dev/app");
        var c = new AgentShell.Core.Classification.CommandClassifier();
        Assert.Multiple(() =>
        {
            Assert.That(policy.Decide(c.Classify(["fly", "apps", "destroy", "prod-like-staging", "-y"], ctx), ctx).Action, Is.EqualTo(PolicyAction.Allow));
            Assert.That(policy.Decide(c.Classify(["heroku", "apps:destroy", "acme-web", "--confirm", "acme-web"], ctx), ctx).Action, Is.EqualTo(PolicyAction.Block));
        });
    }

    private sealed class FakeRepoContext(string home, string cwd, string repo) : IExecContext
    {
        public string? WorkingDirectory => cwd;
        public string? GetEnvironmentVariable(string name) => name == "HOME" ? home : null;
        public byte[]? ReadFile(string path, int maxBytes) => path == repo + "/.git/HEAD" ? [(byte)'r'] : null;
    }
}
