using AgentShell.Core.Policy;
using AgentShell.Supervisor.Wire.Postgres;
using Npgsql;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The extended protocol through the relay with Npgsql, a real driver: parameters,
/// pipelined batches, a statement held for a person, COPY, LISTEN/NOTIFY and cancel requests.</summary>
[TestFixture]
public sealed class PostgresRelayNpgsqlTests
{
    private static PostgresServer Pg => PostgresRelaySetUp.Server;

    private static string NewTable()
    {
        string t = "n_" + Guid.NewGuid().ToString("N")[..10];
        Pg.Sql($"CREATE TABLE {t} (id int, name text); INSERT INTO {t} VALUES (1, 'one')");
        return t;
    }

    private static NpgsqlConnection Open(RelayHarness relay, string extra = "")
    {
        var c = new NpgsqlConnection($"Host=127.0.0.1;Port={relay.Port};Username=postgres;Database=postgres;SSL Mode=Disable;Pooling=false;Timeout=15;Command Timeout=30;{extra}");
        c.Open();
        return c;
    }

    [Test]
    public void ParametersTravelInBindAndTheStatementIsDecidedAtParse()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = Open(relay);
        using (var insert = new NpgsqlCommand($"INSERT INTO {t} VALUES (@id, @name)", c))
        {
            insert.Parameters.AddWithValue("id", 2);
            insert.Parameters.AddWithValue("name", "DROP TABLE " + t); // data, not a statement
            Assert.That(insert.ExecuteNonQuery(), Is.EqualTo(1));
        }
        var drop = Assert.Throws<PostgresException>(() => new NpgsqlCommand($"DROP TABLE {t}", c).ExecuteNonQuery())!;
        using var count = new NpgsqlCommand($"SELECT count(*) FROM {t} WHERE id > @min", c);
        count.Parameters.AddWithValue("min", 0);
        Assert.Multiple(() =>
        {
            Assert.That(drop.SqlState, Is.EqualTo("42501"));
            Assert.That(drop.MessageText, Does.StartWith($"agentshell: blocked postgres-wire DROP TABLE {t} (production) [rule default.any:destructive-on-production]"));
            Assert.That(count.ExecuteScalar(), Is.EqualTo(2L), "the session is usable after the refusal");
            Assert.That(relay.Decisions.Where(d => d.Request.Sql.Contains(t)).Select(d => d.Request.Kind), Is.EqualTo(new[] { PostgresMessageKind.Parse, PostgresMessageKind.Parse, PostgresMessageKind.Parse }));
        });
    }

    [Test]
    public void APipelinedBatchRunsInOrderAndARefusalInItRollsTheBatchBack()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = Open(relay);
        using (var reads = new NpgsqlBatch(c) { BatchCommands = { new($"SELECT count(*) FROM {t}"), new("SELECT 2"), new("SELECT 3") } })
        using (var r = reads.ExecuteReader())
        {
            var got = new List<long>();
            do { while (r.Read()) got.Add(Convert.ToInt64(r.GetValue(0))); } while (r.NextResult());
            Assert.That(got, Is.EqualTo(new long[] { 1, 2, 3 }));
        }
        using var mixed = new NpgsqlBatch(c) { BatchCommands = { new($"INSERT INTO {t} VALUES (5, 'five')"), new($"DELETE FROM {t}"), new($"INSERT INTO {t} VALUES (6, 'six')") } };
        var e = Assert.Throws<PostgresException>(() => mixed.ExecuteNonQuery())!;
        Assert.Multiple(() =>
        {
            Assert.That(e.SqlState, Is.EqualTo("42501"));
            Assert.That(e.MessageText, Does.Contain($"DELETE FROM {t}"));
            Assert.That(Pg.Sql($"SELECT string_agg(id::text, ',' ORDER BY id) FROM {t}"), Is.EqualTo("1"), "the implicit transaction of the batch was rolled back, as after any error in it");
            Assert.That(new NpgsqlCommand("SELECT 9", c).ExecuteScalar(), Is.EqualTo(9));
        });
    }

    [Test]
    public async Task AHeldStatementReachesTheServerOnlyWhenApproved()
    {
        using var relay = PostgresRelaySetUp.Relay(PostgresRelaySetUp.LoadPolicy("profiles/demo.json", "tests/profiles/postgres-pause.json"));
        var held = new TaskCompletionSource<PauseAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new TaskCompletionSource<Decision>(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.OnPause = (d, _, _) => { asked.TrySetResult(d); return new ValueTask<PauseAnswer>(held.Task); };
        string t = NewTable();
        using var c = Open(relay);
        var drop = Task.Run(() => new NpgsqlCommand($"DROP TABLE {t}", c).ExecuteNonQuery());
        var decision = await asked.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(300);
        Assert.Multiple(() =>
        {
            Assert.That(decision.RuleId, Is.EqualTo("test.pg:destructive-sql-on-production"), "the psql rule holds the wire statement");
            Assert.That(drop.IsCompleted, Is.False);
            Assert.That(Pg.TableExists(t), Is.True, "nothing reached the server while held");
        });
        held.SetResult(new PauseAnswer(true, null));
        await drop.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.That(Pg.TableExists(t), Is.False, "approved, it ran");
    }

    [Test]
    public async Task AnApprovalAfterTheClientLeftIsNotUsed()
    {
        using var relay = PostgresRelaySetUp.Relay(PostgresRelaySetUp.LoadPolicy("profiles/demo.json", "tests/profiles/postgres-pause.json"));
        var held = new TaskCompletionSource<PauseAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.OnPause = (_, _, _) => { asked.TrySetResult(); return new ValueTask<PauseAnswer>(held.Task); };
        string t = NewTable();
        var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        await c.SendAsync(PgWireClient.Query($"DROP TABLE {t}"));
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(15));
        c.Dispose();
        await Task.Delay(200);
        held.SetResult(new PauseAnswer(true, null));
        Assert.Multiple(() =>
        {
            Assert.That(relay.WaitForNotice("ClientGone: agentshell: the client closed its connection while postgres-wire DROP TABLE"), Is.Not.Null);
            Assert.That(Pg.TableExists(t), Is.True, "the approval was not used");
        });
    }

    [Test]
    public void ADeniedStatementIsAnErrorAndTheSessionGoesOn()
    {
        using var relay = PostgresRelaySetUp.Relay(PostgresRelaySetUp.LoadPolicy("profiles/demo.json", "tests/profiles/postgres-pause.json"));
        relay.OnPause = (_, _, _) => ValueTask.FromResult(new PauseAnswer(false, "agentshell: denied by alice after 2s: DROP"));
        string t = NewTable();
        using var c = Open(relay);
        var e = Assert.Throws<PostgresException>(() => new NpgsqlCommand($"DROP TABLE {t}", c).ExecuteNonQuery())!;
        Assert.Multiple(() =>
        {
            Assert.That((e.SqlState, e.MessageText), Is.EqualTo(("42501", "agentshell: denied by alice after 2s: DROP")));
            Assert.That(Pg.TableExists(t), Is.True);
            Assert.That(new NpgsqlCommand("SELECT 1", c).ExecuteScalar(), Is.EqualTo(1));
        });
    }

    [Test]
    public void CopyFromStdinAndToStdoutPassThrough()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = Open(relay);
        using (var w = c.BeginTextImport($"COPY {t} (id, name) FROM STDIN"))
        {
            for (int i = 10; i < 1010; i++) w.Write($"{i}\trow {i}\n");
        }
        string dump;
        using (var r = c.BeginTextExport($"COPY (SELECT id FROM {t} WHERE id >= 1000 ORDER BY id) TO STDOUT")) dump = r.ReadToEnd();
        var program = Assert.Throws<PostgresException>(() => new NpgsqlCommand($"COPY {t} FROM PROGRAM 'id'", c).ExecuteNonQuery())!;
        Assert.Multiple(() =>
        {
            Assert.That(Pg.Sql($"SELECT count(*) FROM {t}"), Is.EqualTo("1001"));
            Assert.That(dump.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(10));
            Assert.That(program.MessageText, Does.Contain("COPY").And.Contain("PROGRAM").And.Contain("[rule default.sql:server-program-on-production]"));
        });
    }

    [Test]
    public async Task NotificationsFromTheServerPassThrough()
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var listener = Open(relay);
        string channel = "ch_" + Guid.NewGuid().ToString("N")[..8];
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => got.TrySetResult($"{e.Channel}:{e.Payload}");
        new NpgsqlCommand($"LISTEN {channel}", listener).ExecuteNonQuery();
        using (var talker = Open(relay)) new NpgsqlCommand($"NOTIFY {channel}, 'hello'", talker).ExecuteNonQuery();
        var wait = Task.Run(() => listener.Wait(TimeSpan.FromSeconds(15)));
        Assert.That(await got.Task.WaitAsync(TimeSpan.FromSeconds(15)), Is.EqualTo($"{channel}:hello"));
        await wait;
    }

    [Test]
    public async Task ACancelRequestOnANewConnectionReachesTheSameServer()
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var c = Open(relay);
        using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", c);
        var started = DateTime.UtcNow;
        var run = Task.Run(() => sleep.ExecuteNonQuery());
        await Task.Delay(500);
        sleep.Cancel();
        var e = Assert.ThrowsAsync<OperationCanceledException>(async () => await run.WaitAsync(TimeSpan.FromSeconds(20)))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.InnerException, Is.TypeOf<PostgresException>().With.Property("SqlState").EqualTo("57014"));
            Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(15)));
            Assert.That(new NpgsqlCommand("SELECT 1", c).ExecuteScalar(), Is.EqualTo(1));
        });
    }
}
