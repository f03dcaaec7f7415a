using Npgsql;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>TLS on both legs exactly when the client asks and the server accepts (the client sees
/// a leaf of the run CA, the server sees the relay's verified TLS), never a downgrade, and
/// authentication passed through untouched: SCRAM, and cleartext passwords shown to the host only.</summary>
[TestFixture]
public sealed class PostgresRelayTlsTests
{
    private static string RunCaFile => PostgresRelaySetUp.RunCaFile;

    private static string ServerSeesTls => "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

    [Test]
    public void RequireGetsTlsOnBothLegsAndVerifyFullAcceptsTheRunCa()
    {
        using var relay = PostgresRelaySetUp.Relay();
        var r = Psql.Run(relay.ConnInfo(extra: $"sslmode=verify-full sslrootcert={RunCaFile}"), ["-tAc", ServerSeesTls]);
        Assert.Multiple(() =>
        {
            Assert.That((r.ExitCode, r.Stdout.Trim()), Is.EqualTo((0, "t")), r.Stderr);
            Assert.That(relay.LastLeaf, Is.Not.Null);
            Assert.That(PostgresRelaySetUp.RunCa.Verifies(relay.LastLeaf!), Is.True, "the client was shown a leaf of the run CA");
            Assert.That(PostgresRelaySetUp.ServerCa.Verifies(relay.LastUpstreamCertificate!), Is.True, "the relay verified the server's own certificate");
        });
    }

    [Test]
    public void AClientThatDoesNotAskForTlsGetsNoneOnEitherLeg()
    {
        using var relay = PostgresRelaySetUp.Relay();
        var r = Psql.Run(relay.ConnInfo(extra: "sslmode=disable"), ["-tAc", ServerSeesTls]);
        Assert.Multiple(() =>
        {
            Assert.That((r.ExitCode, r.Stdout.Trim()), Is.EqualTo((0, "f")), r.Stderr);
            Assert.That(relay.LastLeaf, Is.Null);
        });
    }

    [Test]
    public void AServerThatFailsVerificationIsRefusedNotDowngraded()
    {
        using var otherCa = new TestCa("some other CA");
        using var relay = new RelayHarness(PostgresRelaySetUp.Server, PostgresRelaySetUp.LoadPolicy(), PostgresRelaySetUp.RunCa, otherCa);
        var r = Psql.Run(relay.ConnInfo(extra: "sslmode=require"), ["-tAc", "SELECT 1"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            Assert.That(relay.LastLeaf, Is.Null, "the client never got to TLS with the relay");
            Assert.That(relay.WaitForNotice("UpstreamTlsFailed: agentshell: TLS to the PostgreSQL server 127.0.0.1 failed"), Is.Not.Null);
            Assert.That(relay.Decisions, Is.Empty);
        });
    }

    [Test]
    public void AClientThatDoesNotTrustTheRunCaFailsItsHandshakeAndIsReported()
    {
        using var relay = PostgresRelaySetUp.Relay();
        string serverCaFile = Path.Combine(PostgresRelaySetUp.Dir, "server-ca.pem");
        File.WriteAllText(serverCaFile, PostgresRelaySetUp.ServerCa.Pem);
        var r = Psql.Run(relay.ConnInfo(extra: $"sslmode=verify-ca sslrootcert={serverCaFile}"), ["-tAc", "SELECT 1"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            Assert.That(r.Stderr, Does.Contain("certificate verify failed"));
            Assert.That(relay.WaitForNotice("ClientRefusedTls: agentshell: a PostgreSQL client of 127.0.0.1 did not complete TLS with the run CA's certificate"), Is.Not.Null);
        });
    }

    [TestCase("sslmode=disable")]
    [TestCase("sslmode=require channel_binding=disable")]
    public void ScramPassesThroughUntouched(string extra)
    {
        using var relay = PostgresRelaySetUp.Relay();
        var r = Psql.Run(relay.ConnInfo("app", extra), ["-tAc", "SELECT current_user"], new Dictionary<string, string> { ["PGPASSWORD"] = PostgresRelaySetUp.AppPassword });
        var wrong = Psql.Run(relay.ConnInfo("app", extra), ["-tAc", "SELECT current_user"], new Dictionary<string, string> { ["PGPASSWORD"] = "not-it" });
        Assert.Multiple(() =>
        {
            Assert.That((r.ExitCode, r.Stdout.Trim()), Is.EqualTo((0, "app")), r.Stderr);
            Assert.That(wrong.Stderr, Does.Contain("password authentication failed for user \"app\""));
            Assert.That(relay.Passwords, Is.Empty, "SCRAM never shows the password");
        });
    }

    [Test]
    public void ScramChannelBindingAcrossTheRelaysTlsIsRefusedWithTheReason()
    {
        using var relay = PostgresRelaySetUp.Relay();
        var r = Psql.Run(relay.ConnInfo("app", "sslmode=require"), ["-tAc", "SELECT 1"], new Dictionary<string, string> { ["PGPASSWORD"] = PostgresRelaySetUp.AppPassword });
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            Assert.That(r.Stderr, Does.Contain("SCRAM channel binding cannot pass through agentshell's TLS interception"));
            Assert.That(relay.WaitForNotice("ChannelBinding: agentshell: a PostgreSQL client to 127.0.0.1 asked for SCRAM channel binding"), Is.Not.Null);
        });
    }

    [Test]
    public void NpgsqlWithScramOverTlsOnBothLegs()
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var c = new NpgsqlConnection($"Host=127.0.0.1;Port={relay.Port};Username=app;Password={PostgresRelaySetUp.AppPassword};Database=postgres;" +
                                           $"SSL Mode=VerifyFull;Root Certificate={RunCaFile};Channel Binding=Disable;Pooling=false;Timeout=15");
        c.Open();
        Assert.That(new NpgsqlCommand(ServerSeesTls, c).ExecuteScalar(), Is.EqualTo(true));
    }

    [Test]
    public void DirectTlsFromTheClientMeansTlsToTheServer()
    {
        using var relay = PostgresRelaySetUp.Relay();
        var csb = new NpgsqlConnectionStringBuilder($"Host=127.0.0.1;Port={relay.Port};Username=postgres;Database=postgres;Pooling=false;Timeout=15")
        {
            SslMode = SslMode.VerifyFull, RootCertificate = RunCaFile, SslNegotiation = SslNegotiation.Direct,
        };
        using var c = new NpgsqlConnection(csb.ConnectionString);
        c.Open();
        var drop = Assert.Throws<PostgresException>(() => new NpgsqlCommand("DROP TABLE IF EXISTS nothing_here", c).ExecuteNonQuery())!;
        Assert.Multiple(() =>
        {
            Assert.That(new NpgsqlCommand(ServerSeesTls, c).ExecuteScalar(), Is.EqualTo(true));
            Assert.That(drop.SqlState, Is.EqualTo("42501"), "statements inside direct TLS are decided too");
        });
    }

    [Test]
    public void ACleartextPasswordIsShownToTheHostAndStillForwarded()
    {
        using var relay = PostgresRelaySetUp.Relay();
        var r = Psql.Run(relay.ConnInfo("clear"), ["-tAc", "SELECT current_user"], new Dictionary<string, string> { ["PGPASSWORD"] = PostgresRelaySetUp.ClearPassword });
        Assert.Multiple(() =>
        {
            Assert.That((r.ExitCode, r.Stdout.Trim()), Is.EqualTo((0, "clear")), r.Stderr);
            Assert.That(relay.Passwords, Is.EqualTo(new[] { PostgresRelaySetUp.ClearPassword }));
            Assert.That(relay.Notices.Concat(relay.Decisions.Select(d => d.Request.Sql)), Has.None.Contains(PostgresRelaySetUp.ClearPassword));
        });
    }
}

/// <summary>A server without TLS: its 'N' reaches the client, which decides (prefer goes on in
/// plaintext, require gives up); the relay never answers 'S' for a leg it cannot make TLS.</summary>
[TestFixture]
public sealed class PostgresRelayNoTlsServerTests
{
    private PostgresServer _plain = null!;

    [OneTimeSetUp] public void Start() => _plain = new PostgresServer("127.0.0.1");
    [OneTimeTearDown] public void Stop() => _plain?.Dispose();

    [TestCase("sslmode=prefer", true)]
    [TestCase("sslmode=require", false)]
    public void TheServersRefusalReachesTheClient(string extra, bool connects)
    {
        using var relay = new RelayHarness(_plain, PostgresRelaySetUp.LoadPolicy(), PostgresRelaySetUp.RunCa, PostgresRelaySetUp.ServerCa);
        var r = Psql.Run(relay.ConnInfo(extra: extra), ["-tAc", "SELECT 1"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode == 0, Is.EqualTo(connects), r.Stderr);
            if (!connects) Assert.That(r.Stderr, Does.Contain("server does not support SSL, but SSL was required"));
            Assert.That(relay.LastLeaf, Is.Null);
        });
    }

    [Test]
    public void ADirectTlsClientIsNotCarriedToTheServerInPlaintext()
    {
        using var relay = new RelayHarness(_plain, PostgresRelaySetUp.LoadPolicy(), PostgresRelaySetUp.RunCa, PostgresRelaySetUp.ServerCa);
        var csb = new NpgsqlConnectionStringBuilder($"Host=127.0.0.1;Port={relay.Port};Username=postgres;Database=postgres;Pooling=false;Timeout=15")
        {
            SslMode = SslMode.VerifyFull, RootCertificate = PostgresRelaySetUp.RunCaFile, SslNegotiation = SslNegotiation.Direct,
        };
        using var c = new NpgsqlConnection(csb.ConnectionString);
        Assert.Catch(() => c.Open());
        Assert.That(relay.WaitForNotice("UpstreamTlsFailed: agentshell: TLS to the PostgreSQL server 127.0.0.1 failed (the server does not offer TLS"), Is.Not.Null);
    }
}
