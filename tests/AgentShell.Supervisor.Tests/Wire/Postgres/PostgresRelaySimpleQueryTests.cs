using System.Text;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The simple query protocol through the relay, with the real psql and a byte-level
/// client: statements decided before they reach the server, refusals in the protocol, the session
/// usable afterwards, framing independent of how the bytes arrive.</summary>
[TestFixture]
public sealed class PostgresRelaySimpleQueryTests
{
    private static PostgresServer Pg => PostgresRelaySetUp.Server;

    private static string NewTable()
    {
        string t = "t_" + Guid.NewGuid().ToString("N")[..10];
        Pg.Sql($"CREATE TABLE {t} (id int); INSERT INTO {t} VALUES (1)");
        return t;
    }

    [Test]
    public void APsqlScriptRunsItsSelectAndInsertAndTheDropIsRefused()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        string script = Path.Combine(PostgresRelaySetUp.Dir, $"{t}.sql");
        File.WriteAllText(script, $"SELECT count(*) AS before FROM {t};\nINSERT INTO {t} VALUES (2);\nDROP TABLE {t};\n");
        var r = Psql.Run(relay.ConnInfo(), ["-f", script]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Stdout, Does.Contain("before").And.Contain("INSERT 0 1"));
            Assert.That(r.Stderr, Does.Contain($"ERROR:  agentshell: blocked postgres-wire DROP TABLE {t} (production) [rule default.any:destructive-on-production]"));
            Assert.That(Pg.TableExists(t), Is.True, "the DROP never reached the server");
            Assert.That(Pg.Sql($"SELECT count(*) FROM {t}"), Is.EqualTo("2"), "the INSERT ran");
            Assert.That(relay.Decisions.Select(d => d.Verdict.Forward), Is.EqualTo(new[] { true, true, false }));
        });
    }

    [Test]
    public void AQueryWithOneBlockedStatementRunsNoneOfThem()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        var r = Psql.Run(relay.ConnInfo(), ["-c", $"INSERT INTO {t} VALUES (2); TRUNCATE {t}; INSERT INTO {t} VALUES (3)"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            Assert.That(r.Stderr, Does.Contain($"blocked postgres-wire TRUNCATE {t} (production)").And.Contain("the query's 3 statements were refused together; none ran"));
            Assert.That(Pg.Sql($"SELECT count(*) FROM {t}"), Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task ARefusalInATransactionAbortsItAndTheSessionGoesOn()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        var begin = await c.QueryAsync($"BEGIN; INSERT INTO {t} VALUES (2)");
        var drop = await c.QueryAsync($"DROP TABLE {t}");
        var rollback = await c.QueryAsync("ROLLBACK");
        var select = await c.QueryAsync("SELECT 41 + 1");
        Assert.Multiple(() =>
        {
            Assert.That(begin[^1].Body, Is.EqualTo("T"u8.ToArray()), "in a transaction block");
            var error = drop.Single(m => m.Type == 'E');
            Assert.That(error.Field('C'), Is.EqualTo("42501"));
            Assert.That(error.Field('S'), Is.EqualTo("ERROR"));
            Assert.That(error.Field('M'), Does.StartWith($"agentshell: blocked postgres-wire DROP TABLE {t} (production)"));
            Assert.That(drop[^1].Body, Is.EqualTo("E"u8.ToArray()), "the transaction is aborted, as after any error");
            Assert.That(rollback[^1].Body, Is.EqualTo("I"u8.ToArray()));
            Assert.That(select.Single(m => m.Type == 'D').Column0(), Is.EqualTo("42"));
            Assert.That(Pg.Sql($"SELECT count(*) FROM {t}"), Is.EqualTo("1"), "the INSERT was rolled back");
        });
    }

    [Test]
    public async Task MessagesSplitIntoSingleBytesOrCoalescedAreReadTheSame()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        foreach (byte b in PgWireClient.Query($"SELECT count(*) FROM {t}"))
        {
            await c.SendAsync([b]);
            await Task.Delay(1);
        }
        var split = await c.ReadUntilReadyAsync();
        // Three queries in one write, the refused one in the middle: answers come back in order.
        await c.SendAsync([.. PgWireClient.Query("SELECT 1"), .. PgWireClient.Query($"DROP TABLE {t}"), .. PgWireClient.Query("SELECT 3")]);
        var a = await c.ReadUntilReadyAsync();
        var b2 = await c.ReadUntilReadyAsync();
        var c3 = await c.ReadUntilReadyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(split.Single(m => m.Type == 'D').Column0(), Is.EqualTo("1"));
            Assert.That(a.Single(m => m.Type == 'D').Column0(), Is.EqualTo("1"));
            Assert.That(b2.Single(m => m.Type == 'E').Field('C'), Is.EqualTo("42501"));
            Assert.That(c3.Single(m => m.Type == 'D').Column0(), Is.EqualTo("3"));
            Assert.That(Pg.TableExists(t), Is.True);
        });
    }

    [Test]
    public async Task AStatementAboveTheBoundIsDrainedAndRefusedAndTheSessionGoesOn()
    {
        using var relay = PostgresRelaySetUp.Relay(limits: PostgresRelayLimits.Default with { MaxStatementBytes = 64 * 1024 });
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        var huge = await c.QueryAsync("SELECT '" + new string('x', 200 * 1024) + "'");
        var after = await c.QueryAsync("SELECT 7");
        Assert.Multiple(() =>
        {
            var e = huge.Single(m => m.Type == 'E');
            Assert.That(e.Field('C'), Is.EqualTo("42501"));
            Assert.That(e.Field('M'), Does.Contain("[rule supervisor:postgres-statement-too-large]"));
            Assert.That(after.Single(m => m.Type == 'D').Column0(), Is.EqualTo("7"));
            Assert.That(relay.Decisions.Select(d => d.Request.Sql), Is.EqualTo(new[] { "SELECT 7" }), "the large one was not decided (nor forwarded)");
        });
    }

    [Test]
    public async Task AStatementWhoseDecisionFailsIsRefused()
    {
        using var relay = PostgresRelaySetUp.Relay();
        relay.FailDecisionsOn = "pg_sleep";
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        var failed = await c.QueryAsync("SELECT pg_sleep(0)");
        var fine = await c.QueryAsync("SELECT 8");
        Assert.Multiple(() =>
        {
            var e = failed.Single(m => m.Type == 'E');
            Assert.That((e.Field('C'), e.Field('M')), Is.EqualTo(("42501", "agentshell: refused the statement: the decision on it failed, and a statement that was not decided is not forwarded [rule supervisor:postgres-decision-failed]")));
            Assert.That(relay.WaitForNotice("RelayRefusal: agentshell: the decision on a statement to postgresql://127.0.0.1"), Does.Contain("test: the decider broke"));
            Assert.That(fine.Single(m => m.Type == 'D').Column0(), Is.EqualTo("8"));
        });
    }

    [TestCase(new byte[] { (byte)'Q', 0, 0, 0, 2 }, "length 2")]
    [TestCase(new byte[] { (byte)'Z', 0, 0, 0, 4 }, "unknown message type 0x5a")]
    [TestCase(new byte[] { (byte)'Q', 0, 0, 0, 13, (byte)'S', (byte)'E', (byte)'L', 0, (byte)'D', (byte)'R', (byte)'O', (byte)'P', 0 }, "malformed Query")]
    public async Task MalformedInputClosesTheConnectionAndNothingIsForwarded(byte[] bad, string why)
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        await c.SendAsync(bad);
        var next = await c.ReadAsync();
        Assert.Multiple(() =>
        {
            Assert.That(next, Is.Null, "the relay closed the connection");
            Assert.That(relay.WaitForNotice(why), Does.StartWith("ProtocolViolation: "));
            Assert.That(relay.Decisions, Is.Empty);
        });
    }

    [Test]
    public async Task ANonPostgresOpeningIsNotRelayed()
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", relay.Port);
        var s = tcp.GetStream();
        await s.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n"));
        var buf = new byte[16];
        Assert.That(await s.ReadAsync(buf), Is.Zero);
        Assert.That(relay.WaitForNotice("not postgres"), Is.EqualTo("not postgres"));
    }
}
