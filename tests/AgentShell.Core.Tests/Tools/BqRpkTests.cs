using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>corpus24: what bq's and rpk's tables cannot say by words: the flags that overwrite or only
/// check (bq), the project a table reference names (bq) and the servers of rpk's -X options.</summary>
public class BqRpkTests
{
    private static CommandIntent Parse(string tool, params string[] args) => BuiltInTools.Parse(tool, ToolCall.Of(CorpusFixture.Context(), args));

    [TestCase(new[] { "--project_id", "acme-prod", "load", "--replace", "analytics.events", "gs://b/e.csv" }, Effect.Truncate)]
    [TestCase(new[] { "query", "--replace", "--destination_table", "analytics.events", "SELECT 1" }, Effect.Truncate)]
    [TestCase(new[] { "cp", "-f", "acme-prod:analytics.empty", "acme-prod:analytics.events" }, Effect.Truncate)]
    [TestCase(new[] { "cp", "--force=true", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Truncate)]
    [TestCase(new[] { "cp", "-a", "-f", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Write)] // appends
    [TestCase(new[] { "cp", "-n", "-f", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Write)] // no clobber
    [TestCase(new[] { "cp", "--force=false", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Write)]
    [TestCase(new[] { "load", "--noreplace", "a.x", "gs://b/e.csv" }, Effect.Write)]
    [TestCase(new[] { "query", "--dry_run", "DELETE FROM a.x WHERE true" }, Effect.Read)]
    [TestCase(new[] { "--dry_run=true", "query", "DROP TABLE a.x" }, Effect.Read)]
    [TestCase(new[] { "query", "--dry_run=false", "DROP TABLE a.x" }, Effect.Drop)] // absl's false: it runs
    [TestCase(new[] { "--dry_run", "rm", "-f", "-t", "acme-prod:a.x" }, Effect.Drop)] // rm is no job: the flag is ignored
    [TestCase(new[] { "cp", "-f", "--noforce", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Write)] // absl: the last given
    [TestCase(new[] { "cp", "--f", "acme-prod:a.x", "acme-prod:a.y" }, Effect.Truncate)] // absl: a short name with two dashes
    [TestCase(new[] { "query", "-dry_run=false", "DROP TABLE a.x" }, Effect.Drop)]
    public void BqFlagsDecideTheEffect(string[] args, Effect effect) =>
        Assert.That(Parse("bq", args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    // review s40: a table set to expire in seconds is deleted (it was a write). Under a day (Bq.ShortExpirationSeconds)
    // it is gone before a person would see it: drop; a dataset's default drops every table made in it after;
    // a partition expiration deletes every older partition at once.
    [TestCase(new[] { "update", "--expiration", "1", "acme-prod:ds.orders" }, Effect.Drop)]
    [TestCase(new[] { "update", "-expiration=3600", "acme-prod:ds.orders" }, Effect.Drop)]
    [TestCase(new[] { "update", "--default_table_expiration", "60", "acme-prod:ds" }, Effect.Drop)]
    [TestCase(new[] { "update", "-d", "--default_partition_expiration=600", "acme-prod:ds" }, Effect.Drop)]
    [TestCase(new[] { "update", "--time_partitioning_expiration", "2592000", "acme-prod:ds.events" }, Effect.Truncate)]
    [TestCase(new[] { "update", "--expiration", "$SECONDS", "acme-prod:ds.orders" }, Effect.Unknown)]
    [TestCase(new[] { "update", "--expiration", "0", "acme-prod:ds.orders" }, Effect.Write)] // removes the expiration
    [TestCase(new[] { "update", "--expiration", "2592000", "acme-prod:ds.orders" }, Effect.Write)] // 30 days: a lifecycle setting
    [TestCase(new[] { "update", "--default_table_expiration", "86400", "acme-prod:ds" }, Effect.Write)]
    [TestCase(new[] { "update", "--description", "orders", "acme-prod:ds.orders" }, Effect.Write)]
    public void BqUpdateExpirationDecidesTheEffect(string[] args, Effect effect) =>
        Assert.That(Parse("bq", args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [Test]
    public void BqReferenceProjectReplacesTheUnknownDefault()
    {
        var i = Parse("bq", "rm", "-f", "-t", "acme-staging:analytics.events");
        var projects = i.Targets.Where(t => t.Kind == TargetKind.GcpProject).Select(t => t.Name).ToList();
        Assert.That(projects, Does.Contain("acme-staging"));
        Assert.That(projects, Has.None.EqualTo("default").And.None.EqualTo("staging"));
    }

    [Test]
    public void BqProductionWordIsKeptBesideTheReference()
    {
        var i = Parse("bq", "rm", "-f", "-t", "shop-prod-291:analytics.events");
        Assert.That(i.Targets.Select(t => t.Name), Does.Contain("shop-prod-291").And.Contain("prod"));
    }

    [Test]
    public void BqWithoutReferenceKeepsTheDefaultProject() =>
        Assert.That(Parse("bq", "rm", "-f", "-t", "analytics.events").Targets.Select(t => t.Name), Does.Contain("default"));

    [TestCase("brokers=kafka.staging.example.com:9092")]
    [TestCase("admin.hosts=kafka.staging.example.com:9644")]
    public void RpkDashXNamesTheServer(string option)
    {
        var i = Parse("rpk", "topic", "delete", "orders", "-X", option);
        Assert.That(i.Effect, Is.EqualTo(Effect.Delete));
        Assert.That(i.Targets.Select(t => t.Host), Does.Contain("kafka.staging.example.com"));
        Assert.That(i.Targets, Has.None.Matches<Target>(t => t.Kind == TargetKind.Environment && t.Name == "unknown"));
    }

    [Test]
    public void RpkBrokerListIsEveryServer()
    {
        var i = Parse("rpk", "-Xbrokers=a.staging.example.com:9092,b.prod.example.com:9092", "topic", "delete", "orders");
        Assert.That(i.Targets.Select(t => t.Host), Is.SupersetOf(new[] { "a.staging.example.com", "b.prod.example.com" }));
    }

    // review s40: a broker rpk's reader could not parse was dropped, the list's others standing for all.
    [Test]
    public void RpkBrokerThatCannotBeReadIsUnknown()
    {
        var i = Parse("rpk", "topic", "delete", "orders", "-X", "brokers=a.staging.example.com:9092,[bad:9092");
        Assert.That(i.Targets.Select(t => t.Host), Does.Contain("a.staging.example.com"));
        Assert.That(i.Targets, Has.Some.Matches<Target>(t => t.Kind == TargetKind.Environment && t.Name == "unknown"));
    }

    [Test]
    public void RpkOtherDashXKeepsTheUnknownProfile()
    {
        var i = Parse("rpk", "topic", "delete", "orders", "-X", "tls.enabled=true");
        Assert.That(i.Targets, Has.Some.Matches<Target>(t => t.Kind == TargetKind.Environment && t.Name == "unknown"));
    }
}
