using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>The relay as the wire infrastructure will run it, on loopback: a listener that accepts,
/// reads the first bytes as the dispatcher does, and hands the connection to
/// <see cref="PostgresRelay.RunAsync"/> with a host that opens the upstream to the real PostgreSQL,
/// does TLS with the test CAs, and decides with a real policy. Clients connect to <see cref="Port"/>.</summary>
internal sealed class RelayHarness : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _sessions = [];

    internal RelayHarness(PostgresServer server, Policy policy, TestCa runCa, TestCa serverCa, PostgresRelayLimits? limits = null, int? upstreamPort = null)
    {
        UpstreamPort = upstreamPort ?? server.Port;
        Server = server;
        Policy = policy;
        RunCa = runCa;
        ServerCa = serverCa;
        Limits = limits;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoopAsync);
    }

    internal PostgresServer Server { get; }
    internal Policy Policy { get; }
    internal TestCa RunCa { get; }
    internal TestCa ServerCa { get; }
    internal PostgresRelayLimits? Limits { get; }
    internal int Port { get; }
    internal int UpstreamPort { get; }

    /// <summary>Every decision asked for, in order.</summary>
    internal ConcurrentQueue<(PostgresRequest Request, WireVerdict Verdict)> Decisions { get; } = new();

    /// <summary>Every notice the relay gave.</summary>
    internal ConcurrentQueue<string> Notices { get; } = new();

    /// <summary>Cleartext passwords the relay showed the host.</summary>
    internal ConcurrentQueue<string> Passwords { get; } = new();

    /// <summary>Answers a pause; default: denied at once.</summary>
    internal Func<Decision, PostgresRequest, CancellationToken, ValueTask<PauseAnswer>> OnPause { get; set; } =
        (_, _, _) => ValueTask.FromResult(new PauseAnswer(false, "agentshell: denied by the test"));

    /// <summary>Makes the host's decision throw for statements containing this text (a supervisor error).</summary>
    internal string? FailDecisionsOn { get; set; }

    /// <summary>The leaf certificate the relay showed the last TLS client.</summary>
    internal X509Certificate2? LastLeaf { get; private set; }

    /// <summary>The certificate the last upstream TLS server showed.</summary>
    internal X509Certificate2? LastUpstreamCertificate { get; private set; }

    /// <summary>Waits (up to 10 s) for a notice containing <paramref name="text"/>: the relay reports
    /// after it closed the connection, which the client may notice first.</summary>
    internal string? WaitForNotice(string text)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            if (Notices.FirstOrDefault(n => n.Contains(text, StringComparison.Ordinal)) is string found) return found;
            Thread.Sleep(20);
        }
        return null;
    }

    /// <summary>A libpq connection string to the relay.</summary>
    internal string ConnInfo(string user = "postgres", string extra = "sslmode=disable") =>
        $"host=127.0.0.1 port={Port} user={user} dbname=postgres {extra}";

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            _sessions.Add(Task.Run(() => ServeAsync(s)));
        }
    }

    private async Task ServeAsync(Socket s)
    {
        s.NoDelay = true;
        var stream = new NetworkStream(s, ownsSocket: true);
        // The dispatcher's sniff: the first 8 bytes (a read may bring more; all of it is handed on).
        var first = new byte[64];
        int n = 0;
        while (n < 8)
        {
            int r = await stream.ReadAsync(first.AsMemory(n));
            if (r == 0) { stream.Dispose(); return; }
            n += r;
        }
        var host = new Host(this, s);
        if (first[0] == 0x16)
        {
            // A TLS ClientHello: direct TLS (sslnegotiation=direct). The dispatcher terminates it
            // (ALPN postgresql) and hands the relay the decrypted stream.
            var tls = new SslStream(new PrefixedStream(stream, first.AsMemory(0, n).ToArray()));
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = LastLeaf = RunCa.Issue(host.Destination.Shown),
                    ApplicationProtocols = [new SslApplicationProtocol("postgresql")],
                }, _stop.Token);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                Notices.Enqueue("direct TLS failed: " + e.Message);
                tls.Dispose();
                return;
            }
            await PostgresRelay.RunAsync(tls, ReadOnlyMemory<byte>.Empty, host, _stop.Token, Limits, clientTlsTerminated: true);
            return;
        }
        if (PgProtocol.Recognise(first.AsSpan(0, 8)) == PgProtocol.Opening.None) { Notices.Enqueue("not postgres"); stream.Dispose(); return; }
        await PostgresRelay.RunAsync(stream, first.AsMemory(0, n), host, _stop.Token, Limits);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Task.WaitAll([.. _sessions], TimeSpan.FromSeconds(10));
    }

    private sealed class Host(RelayHarness h, Socket client) : IPostgresWireHost
    {
        public bool IsClientGone()
        {
            try { return client.Poll(0, SelectMode.SelectRead) && client.Available == 0; }
            catch (ObjectDisposedException) { return true; }
        }

        public WireDestination Destination { get; } = new(IPAddress.Parse(h.Server.Host), h.UpstreamPort, null, "production");

        public async Task<Stream> ConnectUpstreamAsync(CancellationToken ct)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(Destination.Address, Destination.Port, ct);
            return tcp.GetStream();
        }

        public async Task<Stream> AuthenticateClientAsync(Stream client, CancellationToken ct)
        {
            var leaf = h.RunCa.Issue(Destination.Shown);
            h.LastLeaf = leaf;
            var ssl = new SslStream(client, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = leaf }, ct);
            return ssl;
        }

        public async Task<Stream> AuthenticateUpstreamAsync(Stream upstream, CancellationToken ct)
        {
            var ssl = new SslStream(upstream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = Destination.Shown,
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert == null) return false;
                    var c = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    h.LastUpstreamCertificate = c;
                    return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && h.ServerCa.Verifies(c);
                },
            }, ct);
            return ssl;
        }

        public async ValueTask<WireVerdict> DecideAsync(PostgresRequest request, CancellationToken ct)
        {
            if (h.FailDecisionsOn is string f && request.Sql.Contains(f, StringComparison.Ordinal)) throw new InvalidOperationException("test: the decider broke");
            var v = await PostgresDecisions.DecideAsync(h.Policy, request, h.OnPause, ct);
            h.Decisions.Enqueue((request, v));
            return v;
        }

        public void CleartextPassword(ReadOnlySpan<byte> password, PostgresSession session) =>
            h.Passwords.Enqueue(System.Text.Encoding.UTF8.GetString(password));

        public void Notice(WireNotice kind, string line) => h.Notices.Enqueue($"{kind}: {line}");
    }
}
