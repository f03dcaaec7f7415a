using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>PostgreSQL decided at the wire under <c>agentshell run</c>: a real PostgreSQL on the
/// production address 127.0.0.2 and the real psql; each statement a connection carries is decided
/// on its own, whatever the argv said. Both connect-guard modes.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WirePostgresTests(string guard) : ProductionPostgresFixture(guard)
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Pg.Sql("DROP VIEW IF EXISTS v; DROP TABLE IF EXISTS x; DROP TABLE IF EXISTS t2; DROP FUNCTION IF EXISTS f(); DROP FUNCTION IF EXISTS public.now(); DROP TABLE IF EXISTS customers; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2)");
        _tmp = Directory.CreateTempSubdirectory("agentshell-wire-pg-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, true);

    /// <summary>Lets a psql whose argv shows no statement go at its exec (tests/profiles/wire-psql.json).</summary>
    private static string Opaque => Path.Combine(Repo.Root, "tests", "profiles", "wire-psql.json");

    /// <summary>A python program that runs psql with <paramref name="sqlFile"/> on its stdin (a
    /// shell's "cat f | psql" or "psql &lt; f" is read through by the shell's parser) and prints its exit code.</summary>
    private string[] PsqlFedBy(string sqlFile, params string[] more) =>
        [Repo.Python, "-c", $"import subprocess, sys\nr = subprocess.run({PyList(Psql(more))}, stdin=open({PyStr(sqlFile)}))\nprint('rc=%d' % r.returncode, flush=True)"];

    private static string PyStr(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
    private static string PyList(string[] a) => "[" + string.Join(", ", a.Select(PyStr)) + "]";

    private string[] Psql(params string[] more) =>
        ["psql", "-h", Pg.Host, "-p", Pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-X", .. more];

    [Test]
    public void AScriptsDropIsRefusedAtTheWireWhileItsSelectAndInsertRun()
    {
        // The statements come through a pipe: nothing in psql's argv says what it will send.
        string sql = Path.Combine(_tmp, "script.sql");
        File.WriteAllText(sql, "SELECT count(*) FROM customers;\nINSERT INTO customers VALUES (3);\nDROP TABLE customers;\nSELECT count(*) FROM customers;\n");
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", Opaque, "--", .. PsqlFedBy(sql, "-tA")]);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "2", "INSERT 0 1", "3", "rc=0" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked postgres DROP TABLE customers (production) [rule default.any:destructive-on-production]"));
        Assert.That(Pg.Sql("SELECT count(*) FROM customers"), Is.EqualTo("3"), "the table survives with the inserted row");
    }

    [Test]
    public void APsqlFileWithADropIsRefusedAtItsExecAndNothingOfItRuns()
    {
        // psql -f: the file is read with the command, so its DROP refuses the exec before any statement is sent.
        string sql = Path.Combine(_tmp, "script.sql");
        File.WriteAllText(sql, "SELECT count(*) FROM customers;\nINSERT INTO customers VALUES (3);\nDROP TABLE customers;\n");
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", Opaque, "--", .. Psql("-tA", "-f", sql)]);
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stdout + r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql DROP TABLE customers (production) [rule default.any:destructive-on-production]"));
        Assert.That(Pg.Sql("SELECT count(*) FROM customers"), Is.EqualTo("2"), "not even the INSERT ran");
    }

    [Test]
    public void AStatementHeldAtTheWireRunsOnceApprovedFromOutside()
    {
        // Under the pause profile the DROP, sent on stdin, waits at the wire for a person.
        string sql = Path.Combine(_tmp, "drop.sql");
        File.WriteAllText(sql, "DROP TABLE customers;\n");
        using var run = new BackgroundRun(null, ["--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", Repo.PostgresPauseProfile, "--profile", Opaque, "--pause-timeout", "30"],
            PsqlFedBy(sql));
        string id = run.WaitForPause();
        var pending = run.Client("pending");
        Assert.That(pending.Stdout, Does.Contain("postgres DROP TABLE customers (production)").And.Contain("[rule test.pg:destructive-sql-on-production]")
            .And.Contain("Database postgres as postgres"), pending.Stdout);
        Assert.That(Pg.TableExists("customers"), Is.True, "nothing runs while it waits");
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(run.Stdout, Does.Contain("DROP TABLE").And.Contain("rc=0"), run.Stderr);
        Assert.That(Regex.Matches(run.Stderr, "agentshell: paused").Count, Is.EqualTo(1), run.Stderr);
        Assert.That(Pg.TableExists("customers"), Is.False);
    }

    /// <summary>A program no parser knows, speaking the protocol itself (tests/Shared/PgWireClient.cs's
    /// simple query in python): one Query per statement of <paramref name="queries"/>, one line each
    /// (its newlines shown as spaces) with the command tags and errors that came back.</summary>
    private string[] RawClient(params string[] queries) =>
    [
        Repo.Python, "-c", $$"""
            import socket, struct, sys
            s = socket.create_connection(('{{Pg.Host}}', {{Pg.Port}}))
            def msg(t, body): s.sendall(t + struct.pack('!I', len(body) + 4) + body)
            body = struct.pack('!I', 196608) + b'user\0postgres\0database\0postgres\0\0'
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
            until_ready()
            for q in sys.argv[1:]:
                msg(b'Q', q.encode() + b'\0'); print(q.replace('\n', ' '), '->', until_ready(), flush=True)
            """, .. queries,
    ];

    [Test]
    public void AnUnknownClientsDropIsRefusedAtTheWire()
    {
        // Its SELECT passes, its DROP is refused with the rule id.
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--", .. RawClient("SELECT 1", "DROP TABLE customers")]);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), r.Stdout + r.Stderr);
        Assert.That(lines[0], Is.EqualTo("SELECT 1 -> ['SELECT 1']"));
        Assert.That(lines[1], Does.StartWith("DROP TABLE customers -> ['error agentshell: blocked postgres DROP TABLE customers (production) [rule default.any:destructive-on-production]"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [TestCase("SELECT purge_customers/**/()", TestName = "{m}(ACommentBeforeTheParenthesis)")]
    [TestCase("SELECT purge_customers--x\n()", TestName = "{m}(ALineCommentBeforeTheParenthesis)")]
    [TestCase("COPY (SELECT purge_customers()) TO STDOUT", TestName = "{m}(InACopysQuery)")]
    [TestCase("CREATE TABLE x AS SELECT purge_customers()", TestName = "{m}(InACreateTableAs)")]
    [TestCase("CREATE VIEW v AS SELECT purge_customers()", TestName = "{m}(InAView)")]
    [TestCase("BEGIN; DECLARE c CURSOR FOR SELECT purge_customers(); FETCH ALL FROM c; COMMIT", TestName = "{m}(InACursor)")]
    [TestCase("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS E'DEL\\105TE FROM customers RETURNING 1'; SELECT f()", TestName = "{m}(AsItsOwnEscapedBody)")]
    [TestCase("CREATE TABLE t2 (a int); INSERT INTO t2 VALUES (1); ALTER TABLE t2 ADD COLUMN z int DEFAULT purge_customers()", TestName = "{m}(AsANewColumnsDefault)")]
    [TestCase("CREATE TABLE t2 (a int CHECK (purge_customers() IS NOT NULL)); INSERT INTO t2 VALUES (1)", TestName = "{m}(InACheck)")]
    [TestCase("ALTER FUNCTION purge_customers() RENAME TO now; SELECT public.now()", TestName = "{m}(RenamedAfterABuiltIn)")]
    public void AFunctionThatDeletesRunsOnlyAsACallThePersonSees(string attack)
    {
        // purge_customers() is the application's own; called plainly it pauses (an unknown function),
        // and nobody answers here. Each attack ran it, or an equivalent of its own, unasked on main.
        Pg.Sql("CREATE OR REPLACE FUNCTION purge_customers() RETURNS int LANGUAGE sql AS 'DELETE FROM customers RETURNING 1'");
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--",
            .. RawClient(attack, "SELECT * FROM v", "SELECT count/**/(*) FROM customers")]);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3), r.Stdout + r.Stderr);
        Assert.That(lines[0], Does.Contain("error agentshell: "), r.Stderr);
        Assert.That(lines[2], Is.EqualTo("SELECT count/**/(*) FROM customers -> ['SELECT 1']"), "a built-in that reads is still a read");
        Assert.That(Pg.Sql("SELECT count(*) FROM customers"), Is.EqualTo("2"), "no row was deleted");
    }

    [Test]
    public void APsqlOverVerifiedTlsWithAScramPasswordIsDecidedPerStatement()
    {
        // Both legs TLS: psql verifies the run CA's leaf (PGSSLROOTCERT, set for the tree), the
        // supervisor verifies the server against the test CA (its own SSL_CERT_FILE); the SCRAM
        // login passes through (the tree gets PGCHANNELBINDING=disable).
        using var ca = new TestCa();
        var key = ca.Server.GetECDsaPrivateKey()!;
        using var pg = new PostgresServer("127.0.0.2", new PostgresServerOptions(
            HbaLines: ["hostssl all app 0.0.0.0/0 scram-sha-256", "host all app 0.0.0.0/0 reject"],
            CertificatePem: ca.Server.ExportCertificatePem(), KeyPem: key.ExportPkcs8PrivateKeyPem()));
        pg.Sql("CREATE ROLE app LOGIN SUPERUSER PASSWORD 'app-secret'; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1)");
        string sql = Path.Combine(_tmp, "script.sql");
        File.WriteAllText(sql, "SELECT count(*) FROM customers;\nSELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\nDROP TABLE customers;\n");
        string[] psql = [Repo.Python, "-c", $"import subprocess\nr = subprocess.run({PyList(["psql", $"host=127.0.0.2 port={pg.Port} user=app dbname=postgres sslmode=verify-full", "-X", "-tA"])}, stdin=open({PyStr(sql)}))\nprint('rc=%d' % r.returncode, flush=True)"];
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--profile", Opaque, "--", .. psql],
            env: new Dictionary<string, string> { ["SSL_CERT_FILE"] = ca.PemFile, ["PGPASSWORD"] = "app-secret" });
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "1", "t", "rc=0" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked postgres DROP TABLE customers (production) [rule default.any:destructive-on-production]"));
        Assert.That(pg.TableExists("customers"), Is.True);
    }
}
