using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class PsqlTests
{
    private static CommandIntent Parse(params string[] args) => Psql.Parse(ToolCall.Of(CorpusFixture.Context(), args));

    // Each form checked against psql 15 (glibc getopt_long).
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAc", "DROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAc", "SELECT 1" }, Effect.Read)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-tAcDROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "--hos=db.prod.example.com", "--comm=DROP TABLE t" }, Effect.Drop)]
    [TestCase(new[] { "--hos", "db.prod.example.com", "--comm", "TRUNCATE t" }, Effect.Truncate)]
    [TestCase(new[] { "app", "-c", "DROP TABLE t", "-h", "db.prod.example.com" }, Effect.Drop)]
    [TestCase(new[] { "-h", "db.prod.example.com", "--COMMAND=SELECT 1" }, Effect.Unknown)]
    [TestCase(new[] { "-h", "db.prod.example.com", "--s", "x=1", "-c", "SELECT 1" }, Effect.Unknown)]
    [TestCase(new[] { "-h", "db.prod.example.com", "-c" }, Effect.Unknown)]
    [TestCase(new[] { "--help=commands" }, Effect.Read)]
    public void OptionsAreReadAsPsqlReadsThem(string[] args, Effect effect) =>
        Assert.That(Parse(args).Effect, Is.EqualTo(effect), string.Join(' ', args));

    [TestCase("-")]
    [TestCase("/dev/stdin")]
    [TestCase("/dev/fd/0")]
    [TestCase("/proc/self/fd/0")]
    public void AFileThatIsStdinIsReadFromWhatThePipeCarries(string name)
    {
        var known = new ToolCall { Args = ["-h", "db.prod.example.com", "-f", name], Context = CorpusFixture.Context(), StdinText = "DROP TABLE t;" };
        var opaque = new ToolCall { Args = ["-h", "db.prod.example.com", "-f", name], Context = CorpusFixture.Context(), StdinOpaque = true };
        Assert.That(Psql.Parse(known).Effect, Is.EqualTo(Effect.Drop));
        Assert.That(Psql.Parse(opaque).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void ProcessSubstitutionIsUnknown() =>
        Assert.That(Parse("-h", "db.prod.example.com", "-f", "/dev/fd/63").Effect, Is.EqualTo(Effect.Unknown));

    [Test]
    public void PgWrapperClusterOptionNamesANetworkHost()
    {
        var i = Parse("--cluster", "15/db.prod.example.com:6432", "-c", "DROP TABLE t");
        Assert.That(i.Targets.Single().ToString(), Is.EqualTo("postgresql://db.prod.example.com:6432"));
        var env = new LocalExecContext(new Dictionary<string, string> { ["PGCLUSTER"] = "15/db.prod.example.com:5432" });
        Assert.That(Psql.Parse(ToolCall.Of(env, "-c", "DROP TABLE t")).Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        Assert.That(Parse("--cluster", "15/main", "-c", "DROP TABLE t").Targets.Single().Host, Is.Null);
    }

    [TestCase("\\c \"host=db.prod.example.com dbname=app\"", "postgresql://db.prod.example.com:5432/app")]
    [TestCase("\\connect app admin db.prod.example.com 6432", "postgresql://db.prod.example.com:6432/app")]
    [TestCase("\\c postgresql://db.prod.example.com/app", "postgresql://db.prod.example.com:5432/app")]
    [TestCase("\\c other - -", "postgresql://db.staging.example.com:5432/other")]
    public void ConnectNamesTheServerTheLaterStatementsRunOn(string connect, string target)
    {
        var i = Parse("-h", "db.staging.example.com", "-c", connect, "-c", "DROP TABLE t");
        Assert.That(i.Effect, Is.EqualTo(Effect.Drop));
        Assert.That(i.Targets.Select(t => t.ToString()), Has.Member(target));
    }

    private static CommandIntent ParseWith(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var vars = new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["PATH"] = "/usr/bin:/bin" };
        foreach (var (k, v) in env) vars[k] = v;
        return Psql.Parse(ToolCall.Of(new LocalExecContext(vars, CorpusFixture.Repo), args));
    }

    // libpq tries each host of a list in turn, and connects to hostaddr whatever host says: every one
    // is a server the statement may reach. Only the first host was read, and hostaddr not at all.
    [TestCase(new[] { "-h", "db.prod.example.com,db.staging.example.com", "-c", "DROP TABLE t" }, "db.prod.example.com")]
    [TestCase(new[] { "-h", "db.staging.example.com,db.prod.example.com", "-c", "DROP TABLE t" }, "db.prod.example.com")]
    [TestCase(new[] { "host=db.staging.example.com,db.prod.example.com dbname=app", "-c", "DROP TABLE t" }, "db.prod.example.com")]
    [TestCase(new[] { "postgresql://db.staging.example.com,db.prod.example.com:5433/app", "-c", "DROP TABLE t" }, "db.prod.example.com")]
    [TestCase(new[] { "postgresql://u:pw@[::1]:5432,db.prod.example.com/app", "-c", "DROP TABLE t" }, "db.prod.example.com")]
    [TestCase(new[] { "host=db.staging.example.com hostaddr=203.0.113.5", "-c", "DROP TABLE t" }, "203.0.113.5")]
    [TestCase(new[] { "postgresql://db.staging.example.com/app?hostaddr=203.0.113.5", "-c", "DROP TABLE t" }, "203.0.113.5")]
    [TestCase(new[] { "-h", "db.staging.example.com", "host=x hostaddr=203.0.113.5", "-c", "DROP TABLE t" }, "203.0.113.5")]
    public void EveryServerOfAListAndTheAddressAreTargets(string[] args, string host)
    {
        var i = Parse(args);
        Assert.That(i.Effect, Is.EqualTo(Effect.Drop));
        Assert.That(i.Targets.Select(t => t.Host), Has.Member(host), string.Join(' ', args));
    }

    [Test]
    public void PghostaddrIsTheAddressConnectedTo()
    {
        var i = ParseWith(new Dictionary<string, string> { ["PGHOSTADDR"] = "203.0.113.5" }, "-h", "db.staging.example.com", "-c", "DROP TABLE t");
        Assert.That(i.Targets.Select(t => t.Host), Is.EquivalentTo(new[] { "db.staging.example.com", "203.0.113.5" }));
        var list = ParseWith(new Dictionary<string, string> { ["PGHOST"] = "a.example.com,b.example.com", ["PGPORT"] = "5433,5434" }, "-c", "SELECT 1");
        Assert.That(list.Targets.Select(t => t.ToString()), Is.EqualTo(new[] { "postgresql://a.example.com:5433", "postgresql://b.example.com:5434" }));
    }

    // libpq's sslkey=ENGINE:KEY dlopens ENGINE when it is a path (after the connect): unknown, from PGSSLKEY too;
    // an ordinary key file, and a conninfo's own key over the variable's, are not.
    [Test]
    public void AnEngineKeyFromTheEnvironmentIsUnknown()
    {
        Assert.That(ParseWith(new Dictionary<string, string> { ["PGSSLKEY"] = "./e.so:k" }, "-h", "db.prod.example.com", "-c", "SELECT 1").Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(ParseWith(new Dictionary<string, string> { ["PGSSLKEY"] = "/home/u/.postgresql/client.key" }, "-h", "db.prod.example.com", "-c", "SELECT 1").Effect, Is.EqualTo(Effect.Read));
        Assert.That(ParseWith(new Dictionary<string, string> { ["PGSSLKEY"] = "./e.so:k" }, "host=db.prod.example.com sslkey=/home/u/k.pem", "-c", "SELECT 1").Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void OneHostIsOneTarget()
    {
        // The look-alike: a single host, a socket directory, a URI with one host: one target as before.
        Assert.That(Parse("-h", "db.staging.example.com", "-c", "DROP TABLE t").Targets.Select(t => t.Host), Is.EqualTo(new[] { "db.staging.example.com" }));
        Assert.That(Parse("postgresql://db.staging.example.com:5433/app", "-c", "SELECT 1").Targets.Select(t => t.ToString()), Is.EqualTo(new[] { "postgresql://db.staging.example.com:5433/app" }));
        Assert.That(Parse("-h", "/var/run/postgresql", "-c", "SELECT 1").Targets.Single().Host, Is.Null);
    }

    [Test]
    public void DropdbDropsTheNamedDatabaseOnEachServer()
    {
        var i = PostgresTools.DropDb(ToolCall.Of(CorpusFixture.Context(), ["-h", "db.staging.example.com,db.prod.example.com", "app"]));
        Assert.That(i.Targets.Select(t => t.ToString()), Is.EqualTo(new[] { "postgresql://db.staging.example.com:5432/app", "postgresql://db.prod.example.com:5432/app" }));
    }
}
