using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Tools;

public class ProfileToolTests
{
    private static readonly ProfileTool Tool = new(new ProfileToolDefinition
    {
        Name = "mycli",
        Destructive = ["db drop", "nuke *", "delete-*"],
        TargetFlags = new Dictionary<string, string> { ["--env"] = "environment", ["--host"] = "url", ["--ctx"] = "kube-context" },
    });

    [TestCase("db drop", Effect.Delete)]
    [TestCase("db drop users --force", Effect.Delete)]
    [TestCase("--env prod db drop", Effect.Delete)]
    [TestCase("nuke all", Effect.Delete)]
    [TestCase("nuke", Effect.Write)]
    [TestCase("delete-volume v1", Effect.Delete)]
    [TestCase("db status", Effect.Write)]
    [TestCase("db", Effect.Write)]
    [TestCase("db drop --help", Effect.Read)]
    public void DestructivePatterns(string args, Effect expected) =>
        Assert.That(Tool.Parse(ToolCall.Of(CorpusFixture.Context(), args.Split(' '))).Effect, Is.EqualTo(expected));

    [TestCase("--env production db drop", "environment production")]
    [TestCase("--env=staging db drop", "environment staging")]
    [TestCase("--host db.prod.example.com:5432 db drop", "db.prod.example.com:5432")]
    [TestCase("--ctx prod-eu db drop", "kube context prod-eu")]
    public void TargetFlags(string args, string target) =>
        Assert.That(Tool.Parse(ToolCall.Of(CorpusFixture.Context(), args.Split(' '))).Targets.Select(t => t.ToString()), Has.Some.Contains(target));


    [Test]
    public void AKubeContextTargetFlagFromAProfileNamesTheContext()
    {
        // Before: the loader accepted 'kube-context' but the tool only knew 'context', so the flag
        // made no target and `mycli --ctx prod-eu db drop` was judged with no environment at all.
        using var tmp = new TempProfiles();
        string file = tmp.Write("p.json", "{ 'Tools': { 'mycli': { 'Destructive': ['db drop'], 'TargetFlags': { '--ctx': 'kube-context' } } } }");
        var policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), file]);
        var intents = new CommandClassifier(policy.Tools).Classify(["mycli", "--ctx", "prod-eu", "db", "drop"], CorpusFixture.Context());
        Assert.That(policy.Decide(intents).RuleId, Is.EqualTo("default.any:destructive-on-production"));
    }

    [Test]
    public void AProfileToolCanUseTheWholeTableShape()
    {
        using var tmp = new TempProfiles();
        string file = tmp.Write("p.json", """
            { 'Tools': { 'acme': {
                'ValueFlags': ['--region'],
                'Subcommands': [['cluster rm *', 'wipe'], ['cluster ls', 'read']],
                'Targets': [ { 'Flags': ['--cluster'], 'Kind': 'url', 'Template': 'https://api.acme.example/clusters/{}' },
                             { 'EnvVar': 'ACME_CLUSTER', 'Kind': 'environment', 'Fallback': true },
                             { 'Kind': 'url', 'Template': 'https://api.acme.example/', 'Fallback': true } ],
                'CommonVerbs': true, 'Otherwise': 'unknown', 'NoSubcommand': 'read',
                'EffectFlags': { '--dry-run': 'read' } } } }
            """);
        var tool = new ProfileTool(PolicyT.Load([file]).Tools.Single());
        CommandIntent Parse(string args, IExecContext? ctx = null) => tool.Parse(ToolCall.Of(ctx ?? CorpusFixture.Context(), args.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.That(Parse("--region eu cluster rm c1").Effect, Is.EqualTo(Effect.Wipe));
        Assert.That(Parse("cluster rm c1 --dry-run").Effect, Is.EqualTo(Effect.Read));
        Assert.That(Parse("cluster ls").Effect, Is.EqualTo(Effect.Read));
        Assert.That(Parse("node delete n1").Effect, Is.EqualTo(Effect.Delete), "common verb");
        Assert.That(Parse("frobnicate").Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(Parse("").Effect, Is.EqualTo(Effect.Read));
        Assert.That(Parse("--cluster c9 cluster rm c9").Targets.Single().ToString(), Is.EqualTo("https://api.acme.example/clusters/c9"));
        Assert.That(Parse("cluster rm c1").Targets.Single().ToString(), Is.EqualTo("https://api.acme.example/"));
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["ACME_CLUSTER"] = "production" }, CorpusFixture.Repo);
        Assert.That(Parse("cluster rm c1", ctx).Targets.Single().ToString(), Is.EqualTo("environment production"));
    }
    [Test]
    public void AKubeconfigTargetIsTheCurrentContextAsKubectlReadsIt()
    {
        // corpus16: velero and flux without --kubecontext/--context were "unknown" targets, so
        // `velero restore create` on a production kubeconfig was an unknown effect on nothing known: allowed.
        using var tmp = new TempProfiles();
        string file = tmp.Write("p.json", """
            { 'Tools': { 'kcli': { 'ValueFlags': ['--kubeconfig'], 'Subcommands': [['rm *', 'delete']],
                'Targets': [ { 'Flags': ['--ctx'], 'Kind': 'kube-context' }, { 'Kind': 'kube-context', 'Kubeconfig': true, 'Fallback': true } ] } } }
            """);
        var tool = new ProfileTool(PolicyT.Load([file]).Tools.Single());
        CommandIntent Parse(params string[] args) => tool.Parse(ToolCall.Of(CorpusFixture.Context(), args));
        Assert.That(Parse("rm", "x").Targets.Single().ToString(), Is.EqualTo("kube context prod-eu"), "the fixture's ~/.kube/config");
        Assert.That(Parse("--ctx", "kind-dev", "rm", "x").Targets.Single().ToString(), Is.EqualTo("kube context kind-dev"));
        Assert.That(Parse("--kubeconfig", "/nonexistent", "rm", "x").Targets.Single().Name, Is.Null, "an unreadable kubeconfig leaves the context unknown");
    }

    [Test]
    public void AKubeconfigTargetTakesNoSourceAndOnlyTheKubeContextKind()
    {
        using var tmp = new TempProfiles();
        string file = tmp.Write("p.json", "{ 'Tools': { 'kcli': { 'Targets': [ { 'Flags': ['--ctx'], 'Kind': 'environment', 'Kubeconfig': true } ] } } }");
        var e = Assert.Throws<AgentShell.Core.Profiles.ProfileException>(() => PolicyT.Load([file]))!;
        Assert.That(e.Message, Does.Contain("'Kubeconfig' reads the current context"));
    }

    // corpus12: a stack's name names an environment by its words (ShopProdStack), never by a substring (ProductCatalog).
    [TestCase("ShopProdStack", "prod")]
    [TestCase("Shop-PROD-Api", "prod")]
    [TestCase("ShopPRODStack", "prod")]
    [TestCase("api-production", "production")]
    [TestCase("org/shop/staging", "staging")]
    [TestCase("prod2-db", "prod")]
    [TestCase("stg_eu_api", "stg")]
    [TestCase("ProductCatalogStack", "")]
    [TestCase("reproduce", "")]
    [TestCase("DevProdBridge", "dev,prod")]
    public void EnvironmentWordsOfAName(string name, string words) =>
        Assert.That(string.Join(",", ProfileToolTarget.EnvironmentWords(name)), Is.EqualTo(words));
}
