using System.Net.Sockets;
using System.Text;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests;

/// <summary>The control socket with real sockets: malformed or hostile clients get an error or
/// are dropped; the supervisor keeps serving.</summary>
[TestFixture]
public sealed class ControlServerTests
{
    [Test]
    public void HostileClientsAreDroppedAndTheServerKeepsServing()
    {
        using var server = Serve(refuseEveryClient: false);
        var sock = server.SocketPath;

        string Exchange(byte[] bytes, bool readAnswer = true)
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(sock));
            // A client the server drops may see its send cut short (EPIPE, ECONNRESET): that is the drop.
            try { s.Send(bytes); }
            catch (SocketException e) when (!readAnswer && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted) { }
            if (!readAnswer) return "";
            s.ReceiveTimeout = 5000;
            var buf = new byte[4096];
            int n = s.Receive(buf);
            return Encoding.UTF8.GetString(buf, 0, n);
        }

        Assert.That(Exchange("not json\n"u8.ToArray()), Does.Contain("\"ok\":false").And.Contain("malformed JSON"));
        Assert.That(Exchange("[1,2]\n"u8.ToArray()), Does.Contain("not a JSON object"));
        Assert.That(Exchange("{\"v\":2,\"op\":\"pending\"}\n"u8.ToArray()), Does.Contain("unsupported protocol version"));
        Assert.That(Exchange("{\"v\":1,\"op\":\"approve\",\"id\":7}\n"u8.ToArray()), Does.Contain("missing id"));
        Assert.That(Exchange("{\"v\":1,\"op\":\"rm -rf\"}\n"u8.ToArray()), Does.Contain("unknown op"));
        Exchange(Encoding.UTF8.GetBytes(new string('x', 200_000)), readAnswer: false); // a line too long: dropped
        Exchange([], readAnswer: false);                                                // connect and leave

        Assert.That(Exchange("{\"v\":1,\"op\":\"pending\"}\n"u8.ToArray()), Does.Contain("\"ok\":true").And.Contain("\"items\":[]"));
    }

    [Test]
    public void ARefusedClientThatSendsAfterTheRefusalStillReadsWhy()
    {
        // A tree process reaching the socket is refused at once; its request may arrive after that.
        // It must still read the refusal, not fail its send with EPIPE (a race seen in the
        // end-to-end self-approval tests under load).
        using var server = Serve(refuseEveryClient: true);
        var sock = server.SocketPath;
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(sock));
        s.ReceiveTimeout = 5000;
        Assert.That(s.Poll(5_000_000, SelectMode.SelectRead), Is.True, "the refusal is sent before any request");
        Thread.Sleep(100); // the server has answered and moved on
        Assert.DoesNotThrow(() => s.Send("{\"v\":1,\"op\":\"pending\"}\n"u8.ToArray()), "the request is taken, not met with EPIPE");
        var buf = new byte[4096];
        int n = s.Receive(buf);
        Assert.That(Encoding.UTF8.GetString(buf, 0, n), Does.Contain("refused: a supervised process cannot answer its own requests"));
        Assert.That(s.Receive(buf), Is.EqualTo(0), "then the end of the stream");
    }

    [Test]
    public void AFloodOfRefusedClientsHoldsAtMostSixteenConnectionsOpen()
    {
        // The look-alike of the test above: draining a refused client's request holds a thread, so
        // only so many are drained at once; past that a refused client is closed at once.
        using var server = Serve(refuseEveryClient: true);
        var sock = server.SocketPath;
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                clients.Add(s);
                s.Connect(new UnixDomainSocketEndPoint(sock));
            }
            var buf = new byte[4096];
            foreach (var s in clients)
            {
                s.ReceiveTimeout = 5000;
                Assert.That(Encoding.UTF8.GetString(buf, 0, s.Receive(buf)), Does.Contain("refused"), "every client reads its refusal");
            }
            Thread.Sleep(100); // the ones past the bound are closed by now; the drained ones wait 500 ms
            int open = 0;
            foreach (var s in clients)
            {
                try { s.Send("{}\n"u8.ToArray()); open++; }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.Shutdown or SocketError.ConnectionReset or SocketError.ConnectionAborted or (SocketError)32)
                {
                    // Closed by the server: past the bound.
                }
            }
            Assert.That(open, Is.LessThanOrEqualTo(16), "no more than 16 refused clients are held open at once");
        }
        finally
        {
            foreach (var s in clients) s.Dispose();
        }
    }

    /// <summary>A control server on a socket of its own; <paramref name="refuseEveryClient"/> makes
    /// every client look like a process of the tree.</summary>
    private static TestServer Serve(bool refuseEveryClient) => new(refuseEveryClient);

    private sealed class TestServer : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("agentshell-ctl-").FullName;
        private readonly PendingRegistry _registry;
        private readonly ControlEndpoint _endpoint;
        private readonly ControlServer _server;

        public TestServer(bool refuseEveryClient)
        {
            SocketPath = Path.Combine(_dir, "ctl.sock");
            _registry = new PendingRegistry(new Moq.Mock<INotificationResponder>().Object, AgentShell.Core.Policy.PauseSettings.Default);
            _endpoint = ControlEndpoint.Bind(SocketPath);
            _server = new ControlServer(_endpoint, "test", ["agent"], _registry, _ => refuseEveryClient, TextWriter.Null);
        }

        public string SocketPath { get; }

        public void Dispose()
        {
            _server.Dispose();
            _endpoint.Dispose();
            _registry.Dispose();
            Directory.Delete(_dir, true);
        }
    }
}
