using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Wire.Postgres;
using AgentShell.Tests.Shared;

namespace AgentShell.Bench;

/// <summary>PostgreSQL <c>SELECT 1</c> round trip through the wire relay against the same server
/// directly (a real PostgreSQL on loopback, one connection each, simple protocol, the shipped
/// default policy deciding every statement). Target: at most +50 µs per round trip.</summary>
public sealed class PostgresWireBench : IBench
{
    /// <inheritdoc/>
    public string Name => "pgwire";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        PostgresServer server;
        try { server = new PostgresServer("127.0.0.1"); }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"  not measured: {e.Message}");
            return;
        }
        using var _ = server;
        var policy = Policy.Load([Path.Combine(FindRoot(), "profiles", "default.json")]);
        var target = AgentShell.Core.Tools.PostgresWire.Target("127.0.0.1", server.Port, "postgres");
        var (ns, bytes) = h.Measure(50_000, () => policy.DecideIn(AgentShell.Core.Tools.PostgresWire.Intents(AgentShell.Core.Tools.PostgresWire.Scan("SELECT 1", false), target), "production"));
        Harness.Report("classify + decide one statement (SELECT 1)", ns, bytes);
        using var relay = new LoopbackRelay(server, policy);
        using var direct = PgWireClient.ConnectAsync(server.Host, server.Port).GetAwaiter().GetResult();
        using var relayed = PgWireClient.ConnectAsync("127.0.0.1", relay.Port).GetAwaiter().GetResult();
        // Rounds alternate direct and relayed, so drift on a shared machine hits both alike; the
        // added cost is the median of the paired differences.
        const int ops = 1000, rounds = 35;
        for (int i = 0; i < 2000; i++) { Once(direct); Once(relayed); } // warm up (tiering)
        var d = new double[rounds];
        var r = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            d[i] = Round(direct, ops);
            r[i] = Round(relayed, ops);
        }
        var added = d.Zip(r, (x, y) => y - x).ToArray();
        Console.WriteLine($"  SELECT 1 round trip, {rounds} alternating rounds of {ops}: median (min)");
        Console.WriteLine($"  direct                    {Median(d):F1} µs  ({d.Min():F1})");
        Console.WriteLine($"  through the relay         {Median(r):F1} µs  ({r.Min():F1})");
        Console.WriteLine($"  added                     {Median(added):+0.0;-0.0} µs per round trip, median of paired rounds (target ≤ +50 µs); min-to-min {r.Min() - d.Min():+0.0;-0.0} µs");
    }

    private static void Once(PgWireClient c) => c.QueryAsync("SELECT 1").GetAwaiter().GetResult();

    /// <summary>Mean µs per round trip over <paramref name="ops"/> queries.</summary>
    private static double Round(PgWireClient c, int ops)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < ops; i++) Once(c);
        return sw.Elapsed.TotalMicroseconds / ops;
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AgentShell.sln"))) return d.FullName;
        throw new InvalidOperationException("AgentShell.sln not found");
    }

    /// <summary>The relay behind a loopback listener, as the wire dispatcher runs it (no TLS, no pauses).</summary>
    private sealed class LoopbackRelay : IDisposable, IPostgresWireHost
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Policy _policy;

        internal LoopbackRelay(PostgresServer server, Policy policy)
        {
            _policy = policy;
            Destination = new WireDestination(IPAddress.Parse(server.Host), server.Port, null, "production");
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        internal int Port { get; }
        public WireDestination Destination { get; }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket s;
                try { s = await _listener.AcceptSocketAsync(_stop.Token); }
                catch (OperationCanceledException) { return; }
                s.NoDelay = true;
                var stream = new NetworkStream(s, ownsSocket: true);
                var first = new byte[8];
                await stream.ReadExactlyAsync(first);
                _ = PostgresRelay.RunAsync(stream, first, this, _stop.Token);
            }
        }

        public async Task<Stream> ConnectUpstreamAsync(CancellationToken ct)
        {
            var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(Destination.Address, Destination.Port, ct);
            return tcp.GetStream();
        }

        public Task<Stream> AuthenticateClientAsync(Stream client, CancellationToken ct) => throw new NotSupportedException("no TLS in the benchmark");
        public Task<Stream> AuthenticateUpstreamAsync(Stream upstream, CancellationToken ct) => throw new NotSupportedException("no TLS in the benchmark");

        public ValueTask<WireVerdict> DecideAsync(PostgresRequest request, CancellationToken ct) =>
            PostgresDecisions.DecideAsync(_policy, request, (_, _, _) => ValueTask.FromResult(new PauseAnswer(false, "no pauses in the benchmark")), ct);

        public bool IsClientGone() => false;
        public void CleartextPassword(ReadOnlySpan<byte> password, PostgresSession session) { }
        public void Notice(WireNotice kind, string line) => Console.WriteLine("  notice: " + line);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
