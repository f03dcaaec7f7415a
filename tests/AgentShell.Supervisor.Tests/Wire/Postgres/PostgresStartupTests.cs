using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The startup's effect on the relay's sockets: it must leave them in blocking mode. One
/// async call on a .NET socket makes it non-blocking for good, and the relay's blocking reads then
/// go through the socket engine's epoll thread (measured: the SELECT 1 round trip cost ~2.5x the C relay's).</summary>
[TestFixture]
public sealed class PostgresStartupTests
{
    private static readonly byte[] SslRequest = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(nint fd, int cmd);

    private const int F_GETFL = 3, O_NONBLOCK = 0x800;

    private static bool NonBlocking(Socket s)
    {
        int flags = fcntl(s.Handle, F_GETFL);
        Assert.That(flags, Is.Not.EqualTo(-1), "fcntl(F_GETFL)");
        return (flags & O_NONBLOCK) != 0;
    }

    [Test]
    public void AnSslRequestAnsweredNAndAStartupLeaveBothLegsInBlockingMode()
    {
        var (client, app) = WireHarness.Pair();
        var (upstream, server) = WireHarness.Pair();
        using var _ = client; using var __ = app; using var ___ = upstream; using var ____ = server;
        var startup = PgWireClient.Startup("alice", "shop");
        var toServer = new List<byte>();
        var fakeServer = Task.Run(() =>
        {
            var b = new byte[256];
            int n = server.Receive(b);
            toServer.AddRange(b.AsSpan(0, n).ToArray());
            server.Send("N"u8);
            while (toServer.Count < 8 + startup.Length && (n = server.Receive(b)) > 0) toServer.AddRange(b.AsSpan(0, n).ToArray());
        });
        app.Send(SslRequest);
        var answer = Task.Run(() =>
        {
            var one = new byte[1];
            int n = app.Receive(one);
            app.Send(startup);
            return n == 1 ? one[0] : -1;
        });
        var owned = new List<IDisposable>();
        var started = PostgresStartup.Negotiate(new NetworkStream(client), ReadOnlyMemory<byte>.Empty, new Host(upstream), PostgresRelayLimits.Default, owned, false, CancellationToken.None);
        Assert.That(fakeServer.Wait(TimeSpan.FromSeconds(10)) && answer.Wait(TimeSpan.FromSeconds(10)), "the exchange finished");
        Assert.Multiple(() =>
        {
            Assert.That(started?.Session.User, Is.EqualTo("alice"));
            Assert.That(answer.Result, Is.EqualTo('N'), "the server's N reached the client");
            Assert.That(toServer, Is.EqualTo(SslRequest.Concat(startup).ToList()), "the SSLRequest, then the startup, reached the server");
            Assert.That(NonBlocking(client), Is.False, "the client's leg");
            Assert.That(NonBlocking(upstream), Is.False, "the server's leg");
        });
    }

    [Test]
    public void TheProbeSeesASocketThatAnAsyncReadLeftNonBlocking()
    {
        // The look-alike: the check above would catch an async call creeping back into the startup.
        var (a, b) = WireHarness.Pair();
        using var _ = a; using var __ = b;
        Assert.That(NonBlocking(a), Is.False, "a fresh accepted socket blocks");
        var read = a.ReceiveAsync(new byte[1], SocketFlags.None);
        b.Send("x"u8);
        Assert.That(read.Wait(TimeSpan.FromSeconds(10)) && NonBlocking(a), Is.True);
    }

    private sealed class Host(Socket upstream) : IPostgresWireHost
    {
        public WireDestination Destination { get; } = new(IPAddress.Loopback, 5432, null, "production");
        public Task<Stream> ConnectUpstreamAsync(CancellationToken ct) => Task.FromResult<Stream>(new NetworkStream(upstream));
        public Task<Stream> AuthenticateClientAsync(Stream client, CancellationToken ct) => throw new NotSupportedException("no TLS in this test");
        public Task<Stream> AuthenticateUpstreamAsync(Stream up, CancellationToken ct) => throw new NotSupportedException("no TLS in this test");
        public ValueTask<WireVerdict> DecideAsync(PostgresRequest request, CancellationToken ct) => throw new NotSupportedException("no statement in a startup");
        public bool IsClientGone() => false;
        public void CleartextPassword(ReadOnlySpan<byte> password, PostgresSession session) { }
        public void Notice(WireNotice kind, string line) => Assert.Fail($"unexpected notice {kind}: {line}");
    }
}
