using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>SQL that reaches production under <c>agentshell run</c> looking harmless (red team 7): a
/// search_path the client sets in its startup message, which makes <c>now()</c> the agent's own
/// function for the whole session, and a column type change whose <c>USING</c> overwrites every
/// row. A real PostgreSQL on the production address 127.0.0.2, the real psql and a client that
/// speaks the protocol itself; both connect-guard modes. Each attack destroyed rows on main.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireSessionSettingsTests(string guard) : ProductionPostgresFixture(guard)
{
    [SetUp]
    public void SetUp() =>
        // evil.now() was created earlier (called by its name it pauses, as any unknown function does).
        Pg.Sql("DROP TABLE IF EXISTS customers CASCADE; CREATE TABLE customers (id int, email text); INSERT INTO customers VALUES (1, 'a@x'), (2, 'b@x');"
            + " CREATE SCHEMA IF NOT EXISTS evil; CREATE OR REPLACE FUNCTION evil.now() RETURNS int LANGUAGE sql AS 'DELETE FROM public.customers RETURNING 1'");

    private string Count => Pg.Sql("SELECT count(*) FROM customers");

    /// <summary>A python client of the protocol whose startup message carries <paramref name="parameters"/>
    /// (name, value, …) besides user and database: one Query per statement, one line each with the
    /// command tags and errors that came back.</summary>
    private string[] RawClient(string[] parameters, params string[] queries)
    {
        string extra = string.Concat(parameters.Select(p => p.Replace("\\", "\\\\").Replace("'", "\\'") + "\\0"));
        return
        [
            Repo.Python, "-c", $$"""
            import socket, struct, sys
            s = socket.create_connection(('{{Pg.Host}}', {{Pg.Port}}))
            def msg(t, body): s.sendall(t + struct.pack('!I', len(body) + 4) + body)
            body = struct.pack('!I', 196608) + b'user\0postgres\0database\0postgres\0' + '{{extra}}'.encode() + b'\0'
            s.sendall(struct.pack('!I', len(body) + 4) + body)
            def until_ready():
                out = []
                while True:
                    h = b''
                    while len(h) < 5: h += s.recv(5 - len(h))
                    n = struct.unpack('!I', h[1:])[0] - 4
                    b = b''
                    while len(b) < n: b += s.recv(n - len(b))
                    if h[:1] == b'E': out.append('error ' + [f[1:].decode() for f in b.split(b'\0') if f[:1] == b'M'][0])
                    if h[:1] == b'C': out.append(b[:-1].decode())
                    if h[:1] == b'Z': return out
            print('startup', until_ready(), flush=True)
            for q in sys.argv[1:]:
                msg(b'Q', q.encode() + b'\0'); print(q, '->', until_ready(), flush=True)
            """, .. queries,
        ];
    }

    private AgentShellRunner.Result Supervise(string[] command, IDictionary<string, string>? env = null) =>
        AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", .. command], env: env);

    [TestCase("options", "-c search_path=evil,pg_catalog", TestName = "{m}(OptionsDashC)")]
    [TestCase("options", "-csearch_path=evil,pg_catalog", TestName = "{m}(OptionsDashCJoined)")]
    [TestCase("options", "--search-path=evil,pg_catalog", TestName = "{m}(OptionsLongWithDashes)")]
    [TestCase("options", "-c statement_timeout=5000 -c search_path=\"evil\",\\ PG_CATALOG", TestName = "{m}(OptionsSecondSettingEscapedSpace)")]
    [TestCase("search_path", "evil, pg_catalog", TestName = "{m}(AParameterOfItsOwn)")]
    [TestCase("SEARCH_PATH", "evil,pg_catalog", TestName = "{m}(AParameterInCapitals)")]
    public void AStartupSearchPathMakesItsReadsUnknown(string name, string value)
    {
        // SELECT now() ran evil.now() on main (both rows deleted, the read allowed at once).
        var r = Supervise(RawClient([name, value], "SELECT now()", "SELECT 1"));
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3), r.Stdout + r.Stderr);
        Assert.That(lines[0], Is.EqualTo("startup []"), r.Stderr);
        Assert.That(lines[1], Does.StartWith("SELECT now() -> [").And.Contain("error agentshell: timed out: postgres SELECT now() (names resolved by search_path="), r.Stderr);
        Assert.That(Count, Is.EqualTo("2"), "no row was deleted");
    }

    [TestCase("options", "-c statement_timeout=5000", TestName = "{m}(AnotherSetting)")]
    [TestCase("search_path", "pg_catalog, evil", TestName = "{m}(PgCatalogFirst)")]
    [TestCase("search_path", "evil, public", TestName = "{m}(PgCatalogNotNamed)")]
    [TestCase("application_name", "search_path=evil,pg_catalog", TestName = "{m}(AnApplicationName)")]
    public void AStartupSettingThatKeepsTheBuiltInsFirstIsNoPause(string name, string value)
    {
        // Look-alikes: pg_catalog still comes first, so now() is the built-in and the read passes.
        var r = Supervise(RawClient([name, value], "SELECT now()"));
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "startup []", "SELECT now() -> ['SELECT 1']" }), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("agentshell: paused"));
        Assert.That(Count, Is.EqualTo("2"));
    }

    [Test]
    public void PgOptionsOfAPsqlDoNotTurnNowIntoTheAgentsFunction()
    {
        // The argv says SELECT now(), a read; PGOPTIONS (libpq's options) moved evil before pg_catalog.
        var r = Supervise(["psql", "-h", Pg.Host, "-p", Pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-X", "-tA", "-c", "SELECT now()"],
            new Dictionary<string, string> { ["PGOPTIONS"] = "-c search_path=evil,pg_catalog" });
        Assert.That(r.ExitCode, Is.Not.EqualTo(0), r.Stdout + r.Stderr);
        Assert.That(r.Stderr, Does.Contain("search_path=evil,pg_catalog from the startup message's options"));
        Assert.That(Count, Is.EqualTo("2"), "no row was deleted");
    }

    [TestCase("ALTER TABLE customers ALTER COLUMN email TYPE text USING NULL", TestName = "{m}(Null)")]
    [TestCase("ALTER TABLE customers ALTER email SET DATA TYPE varchar(1) USING email::varchar(1)", TestName = "{m}(CutToOneCharacter)")]
    [TestCase("ALTER TABLE customers ADD COLUMN x int, ALTER COLUMN email TYPE text USING ''", TestName = "{m}(SecondSubcommand)")]
    public void AColumnTypeChangeThatOverwritesEveryRowIsBlocked(string attack)
    {
        // On main this was a write (allowed on production): every email was gone.
        var r = Supervise(RawClient([], attack));
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), r.Stdout + r.Stderr);
        Assert.That(lines[1], Does.Contain("error agentshell: blocked postgres ALTER TABLE customers").And.Contain("[rule default.any:destructive-on-production]"), r.Stderr);
        Assert.That(Pg.Sql("SELECT string_agg(email, ',' ORDER BY id) FROM customers"), Is.EqualTo("a@x,b@x"));
    }

    [Test]
    public void APsqlColumnTypeChangeThatOverwritesEveryRowIsBlockedAtItsExec()
    {
        var r = Supervise(["psql", "-h", Pg.Host, "-p", Pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-X", "-c", "ALTER TABLE customers ALTER COLUMN id TYPE bigint USING 0"]);
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stdout + r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql ALTER TABLE customers ALTER COLUMN id TYPE bigint USING 0 (production)"));
        Assert.That(Pg.Sql("SELECT sum(id) FROM customers"), Is.EqualTo("3"));
    }

    [Test]
    public void AColumnTypeChangeThatKeepsTheValuesRuns()
    {
        // Look-alike: the usual migration converts the column's own values.
        var r = Supervise(RawClient([], "ALTER TABLE customers ALTER COLUMN id TYPE bigint USING id::bigint", "ALTER TABLE customers ALTER COLUMN email TYPE varchar(200)"));
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "startup []", "ALTER TABLE customers ALTER COLUMN id TYPE bigint USING id::bigint -> ['ALTER TABLE']",
            "ALTER TABLE customers ALTER COLUMN email TYPE varchar(200) -> ['ALTER TABLE']",
        }), r.Stderr);
        Assert.That(Pg.Sql("SELECT string_agg(id || ':' || email, ',' ORDER BY id) FROM customers"), Is.EqualTo("1:a@x,2:b@x"));
    }
}
