using System.Buffers.Binary;
using System.Text;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The PostgreSQL wire layer attacked as an agent writing its own client would: python3
/// under <c>agentshell run</c> writes protocol bytes built here to a real PostgreSQL on the
/// production address, and the test asks the server afterwards what survived. Each attack must
/// change nothing; the SELECTs beside them must still run. Both connect-guard modes; pauses end
/// with a refusal (after 1 s where a statement may be held, else 2 s).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed partial class WireHostilePostgresTests(string guard) : ProductionPostgresFixture(guard)
{
    private string _marker = null!;

    [SetUp]
    public void SetUp()
    {
        Pg.Sql("DROP FUNCTION IF EXISTS f(); DROP TABLE IF EXISTS customers; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2)");
        _marker = Path.Combine(Path.GetTempPath(), $"agentshell-copy-{Guid.NewGuid():N}");
    }

    [TearDown]
    public void TearDown() => File.Delete(_marker);

    private static byte[] Startup(int minor = 0)
    {
        var m = PgWireClient.Startup("postgres", "postgres");
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4), (3 << 16) | minor);
        return m;
    }

    private static byte[] Q(string sql) => PgWireClient.Query(sql);

    private static byte[] Code(int code, int length = 8, int extra = 0)
    {
        var m = new byte[length];
        BinaryPrimitives.WriteInt32BigEndian(m, length);
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4), code);
        if (length >= 16) BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(8), extra);
        return m;
    }

    private static byte[] Join(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Parse (unnamed), Bind, Execute of <paramref name="sql"/>, then Sync.</summary>
    private static byte[] Extended(string sql) => Join(
        PgWireClient.Frame('P', [0, .. Encoding.UTF8.GetBytes(sql), 0, 0, 0]),
        PgWireClient.Frame('B', [0, 0, 0, 0, 0, 0, 0, 0]),
        PgWireClient.Frame('E', [0, 0, 0, 0, 0]),
        PgWireClient.Frame('S', []));

    /// <summary>Runs python3 under <c>run</c>: it writes each of <paramref name="sends"/>, collecting
    /// what comes back for <paramref name="wait"/> seconds after each; returns the command tags and
    /// error messages the server sent (after <paramref name="skip"/> single-byte answers: 'N' to a
    /// GSSENCRequest or SSLRequest).</summary>
    private List<string> Attack(double wait, int skip, params byte[][] sends) => Run(wait, 2, skip, sends);

    /// <summary>For a statement that may be held: pauses end after 1 s and the last send listens for 3 s
    /// of quiet, so it still hears 2 s past the pause's end (as 4 s did past a 2-s pause).</summary>
    private List<string> AttackHeld(int skip, params byte[][] sends) => Run(3, 1, skip, sends);

    private List<string> Run(double wait, int pause, int skip, byte[][] sends)
    {
        // A send before the last is answered once its bytes end in ReadyForQuery ('Z', length 5,
        // status I/T/E): the server says nothing more until the next message, so waiting out the
        // quiet time there only cost `wait` seconds per send (the last send still waits it out).
        string[] client = RawPython.Client(Pg.Host, Pg.Port, wait, sends, "base64.b64encode(out).decode()",
            answered: @"got[-6:-1] == b'Z\x00\x00\x00\x05' and got[-1:] in (b'I', b'T', b'E')");
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--pause-timeout", pause.ToString(), "--", .. client],
            TimeSpan.FromMinutes(2));
        TestContext.Out.WriteLine(r.Stdout + r.Stderr);
        var got = Convert.FromBase64String(r.Stdout.Trim());
        var said = new List<string>();
        int at = skip;
        while (at + 5 <= got.Length)
        {
            char type = (char)got[at];
            int n = BinaryPrimitives.ReadInt32BigEndian(got.AsSpan(at + 1));
            if (at + 1 + n > got.Length) break;
            var body = got.AsSpan(at + 5, n - 4);
            if (type == 'C') said.Add(Encoding.UTF8.GetString(body[..^1]));
            if (type == 'E')
                foreach (var f in Encoding.UTF8.GetString(body).Split('\0'))
                    if (f.StartsWith('M')) said.Add("error " + f[1..]);
            at += 1 + n;
        }
        return said;
    }

    private int Customers => int.Parse(Pg.Sql("SELECT count(*) FROM customers"));

    [Test]
    public void ADropAfterASelectInOneSimpleQueryIsRefusedWhole()
    {
        var said = Attack(1, 0, Startup(), Q("SELECT 1; DROP TABLE customers"), Q("SELECT 2"));
        Assert.That(said, Has.Count.EqualTo(2));
        Assert.That(said[0], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(said[1], Is.EqualTo("SELECT 1"), "the session stays usable");
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [TestCase("DO $$ BEGIN DROP TABLE customers; END $$")]
    [TestCase("DO $$ BEGIN EXECUTE 'DR' || 'OP TABLE customers'; END $$")]
    [TestCase("DO LANGUAGE plpgsql $x$ BEGIN DELETE FROM customers; END $x$")]
    [TestCase("DO U&'BEGIN DEL\\0045TE FROM customers; END'")]                  // redteam41: a U&'' escape spells DELETE
    [TestCase("DO U&'BEGIN DEL!0045TE FROM customers; END' UESCAPE '!'")]
    public void ADestructiveDoBlockIsRefusedOrHeld(string sql)
    {
        var said = AttackHeld(0, Startup(), Q(sql));
        Assert.That(said, Has.Count.EqualTo(1));
        Assert.That(said[0], Does.StartWith("error agentshell: "));
        Assert.That(Customers, Is.EqualTo(2));
    }

    [Test]
    public void AUnicodeEscapedStringInAReadStillRuns()
    {
        var said = Attack(1, 0, Startup(), Q("SELECT U&'d\\0061t\\+000061' FROM customers"));
        Assert.That(said, Is.EqualTo(new[] { "SELECT 2" }));
    }

    [Test]
    public void AFunctionCreatedThenCalledInALaterMessageDropsNothing()
    {
        var said = AttackHeld(0, Startup(),
            Q("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE customers; END $$"), Q("SELECT f()"));
        Assert.That(said, Has.Count.EqualTo(2));
        Assert.That(said[1], Does.StartWith("error "), "the call did not run: " + string.Join(" | ", said));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void CopyFromProgramRunsNothingOnTheServer()
    {
        var said = AttackHeld(0, Startup(), Q($"COPY customers FROM PROGRAM 'touch {_marker}; echo 9'"));
        Assert.That(said, Has.Count.EqualTo(1));
        Assert.That(said[0], Does.StartWith("error agentshell: "));
        Assert.That(File.Exists(_marker), Is.False);
        Assert.That(Customers, Is.EqualTo(2));
    }

    [Test]
    public void APipelinedDropAfterASyncIsDecidedOnItsOwn()
    {
        var said = Attack(1, 0, Startup(), Join(Extended("SELECT 1"), Extended("DROP TABLE customers"), Extended("SELECT 3")));
        Assert.That(said, Has.Count.EqualTo(3), string.Join(" | ", said));
        Assert.That(said[0], Is.EqualTo("SELECT 1"));
        Assert.That(said[1], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(said[2], Is.EqualTo("SELECT 1"), "the pipeline goes on after the refused statement's Sync");
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void ACancelRequestCarriesNoStatementAfterIt()
    {
        Attack(1, 0, Join(Code(80877102, 16, 12345), Q("DROP TABLE customers")));
        Attack(1, 0, Join(Code(80877102, 16, 12345), Startup(), Q("DROP TABLE customers")));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void AGssEncRequestFirstIsAnsweredNoAndTheSessionIsStillDecided()
    {
        var said = Attack(1, 1, Code(80877104), Startup(), Q("SELECT 1"), Q("DROP TABLE customers"));
        Assert.That(said, Has.Count.EqualTo(2), string.Join(" | ", said));
        Assert.That(said[0], Is.EqualTo("SELECT 1"));
        Assert.That(said[1], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void BytesSentAfterAnSslRequestBeforeItsAnswerAreNotLetIn()
    {
        Attack(1, 0, Join(Code(80877103), Startup(), Q("DROP TABLE customers")));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void AStatementSplitAcrossSegmentsIsDecidedWhole()
    {
        var drop = Q("DROP TABLE customers");
        var said = Attack(0.5, 0, Startup(), drop[..3], drop[3..12], drop[12..], Q("SELECT 1"));
        Assert.That(said, Has.Count.EqualTo(2), string.Join(" | ", said));
        Assert.That(said[0], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(said[1], Is.EqualTo("SELECT 1"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void AProtocol32StartupIsDecidedPerStatement()
    {
        var said = Attack(1, 0, Startup(minor: 2), Q("SELECT 1"), Q("DROP TABLE customers"));
        Assert.That(said, Has.Count.EqualTo(2), string.Join(" | ", said));
        Assert.That(said[0], Is.EqualTo("SELECT 1"));
        Assert.That(said[1], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void AStartupOfAMinorVersionTheRelayDoesNotKnowIsNotPassedUndecided()
    {
        // 3.3 is not a version the relay reads; the server would negotiate it down to 3.0 and run what follows.
        var said = AttackHeld(0, Startup(minor: 3), Q("DROP TABLE customers"));
        Assert.That(said, Has.None.EqualTo("DROP TABLE"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }
}
