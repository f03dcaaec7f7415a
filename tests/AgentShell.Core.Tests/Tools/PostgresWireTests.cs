using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Tools;

/// <summary><see cref="PostgresWire"/>: statements off the wire become intents that the rules
/// written for psql decide, in the environment of the intercepted connection.</summary>
public class PostgresWireTests
{
    private static readonly Target Prod = PostgresWire.Target("10.20.3.4", 5432, "app");

    private static PolicyT Load(params string[] names) =>
        PolicyT.Load(names.Select(n => Path.Combine(TempProfiles.ShippedDir, n)).ToList());

    [Test]
    public void EachStatementIsAnIntentOfTheWireToolActingAsPsql()
    {
        var intents = PostgresWire.Intents(PostgresWire.Scan("SELECT 1; DROP TABLE users", backslashStrings: false), Prod);
        Assert.Multiple(() =>
        {
            Assert.That(intents.Select(i => i.Effect), Is.EqualTo(new[] { Effect.Read, Effect.Drop }));
            Assert.That(intents.Select(i => i.Summary), Is.EqualTo(new[] { "SELECT 1", "DROP TABLE users" }));
            Assert.That(intents.All(i => i.Tool == "postgres-wire" && i.ActsAs == "psql" && i.Targets.Single() == Prod));
            Assert.That(Prod.ToString(), Is.EqualTo("postgresql://10.20.3.4:5432/app"));
        });
    }

    [Test]
    public void AnEmptyQueryHasNoIntentAndIsAllowed()
    {
        var intents = PostgresWire.Intents(PostgresWire.Scan("", backslashStrings: false), Prod);
        Assert.That(intents, Is.Empty);
        Assert.That(Load("default.json").DecideIn(intents, "production"), Is.SameAs(Decision.DefaultAllow));
    }

    // The rules written for psql decide wire statements with the same rule ids.
    [TestCase("DROP TABLE users", PolicyAction.Block, "postgres.sql:destructive-on-production")]
    [TestCase("DELETE FROM sessions", PolicyAction.Block, "postgres.sql:destructive-on-production")]
    [TestCase("INSERT INTO t VALUES (1)", PolicyAction.Pause, "postgres.sql:write-on-production")]
    [TestCase("DO $$ BEGIN PERFORM cleanup(); END $$", PolicyAction.Pause, "postgres.sql:write-on-production")] // a function it cannot see into
    [TestCase("SELECT count(*) FROM users", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase("SELECT 'DROP TABLE users'", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase("SELECT 1; TRUNCATE orders", PolicyAction.Block, "postgres.sql:destructive-on-production")]
    public void PsqlRulesDecideWireStatements(string sql, PolicyAction action, string ruleId)
    {
        var policy = Load("default.json", "postgres.json");
        var d = policy.DecideIn(PostgresWire.Intents(PostgresWire.Scan(sql, false), Prod), "production");
        Assert.That((d.Action, d.RuleId), Is.EqualTo((action, ruleId)));
    }

    [Test]
    public void WithoutPsqlRulesTheDefaultRulesDecide()
    {
        var policy = Load("default.json");
        var drop = policy.DecideIn(PostgresWire.Intents(PostgresWire.Scan("DROP TABLE users", false), Prod), "production");
        var copy = policy.DecideIn(PostgresWire.Intents(PostgresWire.Scan("COPY t FROM PROGRAM 'sh'", false), Prod), "production");
        var insert = policy.DecideIn(PostgresWire.Intents(PostgresWire.Scan("INSERT INTO t VALUES (1)", false), Prod), "production");
        Assert.Multiple(() =>
        {
            Assert.That((drop.Action, drop.RuleId, drop.Environment), Is.EqualTo((PolicyAction.Block, "default.any:destructive-on-production", "production")));
            Assert.That(copy.Action, Is.EqualTo(PolicyAction.Block));
            Assert.That(insert.Action, Is.EqualTo(PolicyAction.Allow));
        });
    }

    [Test]
    public void AFunctionCallIsUnknownAndPausesOnProduction()
    {
        var d = Load("default.json").DecideIn([PostgresWire.FunctionCall(964, Prod)], "production");
        Assert.That((d.Action, d.RuleId), Is.EqualTo((PolicyAction.Pause, "default.any:unknown-effect-on-production")));
    }

    [Test]
    public void ARuleForAnotherToolDoesNotApply()
    {
        using var tmp = new TempProfiles();
        var policy = PolicyT.Load([tmp.Write("p.json", """
            { 'Environments': { 'production': { 'Hosts': ['db.prod'] } },
              'Rules': [ { 'Id': 'x:mysql-writes', 'Tools': ['mysql'], 'Effects': ['write'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r',
                           'Tests': { 'Match': [['mysql', '-h', 'db.prod', '-e', 'INSERT INTO t VALUES (1)']], 'NoMatch': [['mysql', '-h', 'db.prod', '-e', 'SELECT 1']] } } ] }
            """)]);
        var d = policy.DecideIn(PostgresWire.Intents(PostgresWire.Scan("INSERT INTO t VALUES (1)", false), Prod), "production");
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [TestCase("search_path", "evil,pg_catalog")]
    [TestCase("search_path", "\"$user\", pg_catalog")]
    [TestCase("Search_Path", "evil, PG_CATALOG")]
    [TestCase("search_path", "pg_temp,\"pg_catalog\"")]
    [TestCase("options", "-c search_path=evil,pg_catalog")]
    [TestCase("options", "-csearch_path=evil,pg_catalog")]
    [TestCase("options", "--search-path=evil,pg_catalog")]
    [TestCase("options", "-c statement_timeout=0 --search_path=evil,pg_catalog")]
    [TestCase("options", "-c search_path=evil,\\ pg_catalog")]
    [TestCase("options", "-c")]                       // not understood
    [TestCase("options", "-e")]
    [TestCase("options", "-c search_path")]
    public void AStartupSearchPathBeforePgCatalogShadowsTheBuiltIns(string name, string value) =>
        Assert.That(PostgresWire.StartupShadows(name, value), Does.Contain(name == "options" && value.Contains('=') ? "from the startup message's options" : "startup message"));

    [TestCase("search_path", "pg_catalog, evil")]
    [TestCase("search_path", "evil, public")]
    [TestCase("search_path", "\"PG_CATALOG\", evil")] // another schema: pg_catalog itself is still first
    [TestCase("search_path", "")]
    [TestCase("options", "")]
    [TestCase("options", "-c statement_timeout=5000 -c DateStyle=ISO")]
    [TestCase("options", "--search_path=pg_catalog,evil")]
    [TestCase("client_encoding", "UTF8")]
    [TestCase("application_name", "search_path=evil,pg_catalog")]
    public void AStartupSettingThatKeepsTheBuiltInsFirstShadowsNothing(string name, string value) =>
        Assert.That(PostgresWire.StartupShadows(name, value), Is.Null);

    [Test]
    public void AShadowedSessionsReadsAreUnknownAndItsDropStaysADrop()
    {
        var scan = PostgresWire.Shadowed(PostgresWire.Scan("SELECT now(); INSERT INTO t VALUES (1); DROP TABLE t", false), "search_path=evil,pg_catalog from the startup message");
        Assert.That(scan.Statements.Select(s => s.Effect), Is.EqualTo(new[] { Effect.Unknown, Effect.Unknown, Effect.Drop }));
        Assert.That(scan.Effect, Is.EqualTo(Effect.Drop));
        Assert.That(scan.Statements[0].Text, Is.EqualTo("SELECT now() (names resolved by search_path=evil,pg_catalog from the startup message)"));
        var d = Load("default.json").DecideIn(PostgresWire.Intents(PostgresWire.Shadowed(PostgresWire.Scan("SELECT now()", false), "x"), Prod), "production");
        Assert.That((d.Action, d.RuleId), Is.EqualTo((PolicyAction.Pause, "default.any:unknown-effect-on-production")));
    }
}
