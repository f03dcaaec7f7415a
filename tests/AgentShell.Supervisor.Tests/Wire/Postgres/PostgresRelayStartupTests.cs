using System.Net.Sockets;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The opening of a connection, byte by byte: GSSENCRequest, plaintext smuggled after an
/// SSLRequest, a startup message that is malformed or never finishes.</summary>
[TestFixture]
public sealed class PostgresRelayStartupTests
{
    private static readonly byte[] GssEncRequest = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30];
    private static readonly byte[] SslRequest = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

    private static async Task<NetworkStream> ConnectAsync(RelayHarness relay)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", relay.Port);
        return tcp.GetStream();
    }

    private static async Task<int> ReadByteAsync(Stream s)
    {
        var b = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await s.ReadAsync(b, timeout.Token) == 0 ? -1 : b[0];
    }

    [Test]
    public async Task GssEncryptionIsDeclinedAndTheClientGoesOnInPlaintext()
    {
        using var relay = PostgresRelaySetUp.Relay();
        await using var s = await ConnectAsync(relay);
        await s.WriteAsync(GssEncRequest);
        int answer = await ReadByteAsync(s);
        await s.WriteAsync(PgWireClient.Startup("postgres", "postgres"));
        await s.WriteAsync(PgWireClient.Query("SELECT 5"));
        var got = new List<byte>();
        var buf = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!got.Contains((byte)'5'))
        {
            int n = await s.ReadAsync(buf, timeout.Token);
            if (n == 0) break;
            got.AddRange(buf[..n]);
        }
        Assert.Multiple(() =>
        {
            Assert.That(answer, Is.EqualTo('N'));
            Assert.That(got, Does.Contain((byte)'D'), "the query ran after the startup");
        });
    }

    [Test]
    public async Task PlaintextSentAfterSslRequestBeforeTheAnswerIsNotLetIn()
    {
        using var relay = PostgresRelaySetUp.Relay();
        await using var s = await ConnectAsync(relay);
        byte[] smuggled = [.. SslRequest, .. PgWireClient.Startup("postgres", "postgres"), .. PgWireClient.Query("DROP TABLE x")];
        await s.WriteAsync(smuggled);
        Assert.Multiple(() =>
        {
            Assert.That(ReadByteAsync(s).Result, Is.EqualTo(-1), "closed without an answer");
            Assert.That(relay.WaitForNotice("data after SSLRequest"), Does.StartWith("ProtocolViolation"));
            Assert.That(relay.Decisions, Is.Empty);
        });
    }

    [Test]
    public async Task AStartupWithoutAUserIsClosed()
    {
        using var relay = PostgresRelaySetUp.Relay();
        await using var s = await ConnectAsync(relay);
        byte[] noUser = [0, 0, 0, 27, 0, 3, 0, 0, .. "database\0postgres\0\0"u8];
        await s.WriteAsync(noUser);
        Assert.Multiple(() =>
        {
            Assert.That(ReadByteAsync(s).Result, Is.EqualTo(-1));
            Assert.That(relay.WaitForNotice("malformed startup message"), Is.Not.Null);
        });
    }

    [Test]
    public async Task AStartupThatNeverFinishesIsClosedAfterTheTimeout()
    {
        using var relay = PostgresRelaySetUp.Relay(limits: PostgresRelayLimits.Default with { StartupTimeout = TimeSpan.FromSeconds(1) });
        await using var s = await ConnectAsync(relay);
        await s.WriteAsync(new byte[] { 0, 0, 0, 80, 0, 3, 0, 0, (byte)'u' });
        var started = DateTime.UtcNow;
        Assert.Multiple(() =>
        {
            Assert.That(ReadByteAsync(s).Result, Is.EqualTo(-1));
            Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(relay.WaitForNotice("did not get through its startup in 1s"), Is.Not.Null);
        });
    }

    [Test]
    public void AnUnreachableServerClosesTheClientsConnectionAndIsReported()
    {
        var closed = new TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var relay = new RelayHarness(PostgresRelaySetUp.Server, PostgresRelaySetUp.LoadPolicy(), PostgresRelaySetUp.RunCa, PostgresRelaySetUp.ServerCa, upstreamPort: port);
        var r = Psql.Run(relay.ConnInfo(extra: "sslmode=prefer"), ["-tAc", "SELECT 1"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            Assert.That(relay.WaitForNotice($"UpstreamUnreachable: agentshell: the PostgreSQL server 127.0.0.1:{port} could not be reached"), Is.Not.Null);
        });
    }
}
