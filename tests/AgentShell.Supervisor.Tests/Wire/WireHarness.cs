using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Network;
using AgentShell.Supervisor.Wire;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The wire layer in this process, with its real parts (policy, decisions, pending
/// registry, dispatcher, protocol handlers), serving connections made over loopback to an upstream
/// stand-in: what a protocol handler's tests need without a supervised tree. The process is a pid
/// that does not exist, so no stderr is written and no audit record made.</summary>
internal sealed class WireHarness : IDisposable
{
    /// <summary>A pid no process has (above the kernel's pid_max limit).</summary>
    internal const int NoPid = 0x3fff_fff0;

    private readonly TcpListener _front = new(IPAddress.Loopback, 0);
    private readonly TcpListener _upstream = new(IPAddress.Loopback, 0);
    private readonly Func<Socket, Task> _serveUpstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("agentshell-wire-harness-").FullName;

    internal PendingRegistry Registry { get; }
    internal Policy Policy { get; }
    internal WireDispatcher Dispatcher { get; }
    internal StringWriter Log { get; } = new();
    /// <summary>How the connections are settled without asking (today's decision).</summary>
    internal TrustLedger.Settled Settled { get; set; } = TrustLedger.Settled.No;
    /// <summary>The client's process: none by default; a real one where its mapped code is looked at
    /// (a connection settled on an exec's trust, <see cref="ExecMappings"/>).</summary>
    internal int Pid { get; set; } = NoPid;
    /// <summary>Connections the upstream stand-in accepted.</summary>
    internal int UpstreamConnections;

    /// <param name="profileJson">A profile layered over default.json (single quotes for double).</param>
    /// <param name="serveUpstream">Serves each connection the upstream stand-in accepts.</param>
    internal WireHarness(string profileJson, Func<Socket, Task> serveUpstream)
    {
        _serveUpstream = serveUpstream;
        string profile = Path.Combine(_dir, "p.json");
        File.WriteAllText(profile, profileJson.Replace('\'', '"'));
        Policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), profile]);
        var log = TextWriter.Synchronized(Log);
        var trust = new TrustLedger(Policy, null, null, null, log);
        var notifier = new BlockNotifier();
        var recorder = new AuditRecorder(null, "test", NoPid, log);
        var held = new HeldNotifications(-1, trust, new VerifiedExecs(null, trust, notifier, recorder, log), notifier, log);
        Registry = new PendingRegistry(new PauseSettings { TimeoutSeconds = 30 });
        Registry.Answering += held.ApplyAnswer;
        var scope = new PendingScope("test", held);
        var unknown = new UnknownClients(Policy, Registry, scope, new SelfIdentity(0, null, null, NoPid));
        Dispatcher = new WireDispatcher(WireProtocols.Create(), Policy, new WireDecisions(Policy, Registry, scope, held, notifier, recorder, NoPid, log),
            new WireFallback(trust, unknown, held, notifier, recorder), null, notifier, log);
        _front.Start();
        _upstream.Start();
        _ = AcceptUpstream();
    }

    internal IPEndPoint Upstream => (IPEndPoint)_upstream.LocalEndpoint;

    /// <summary>A client connection to "production" (the upstream stand-in), terminated by the wire layer.</summary>
    internal async Task<Socket> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync((IPEndPoint)_front.LocalEndpoint);
        var accepted = await _front.AcceptSocketAsync();
        var key = new ProcessTable.ConnectKey(Pid, 1, Address16.From(Upstream.Address.GetAddressBytes()), Upstream.Port);
        var c = new WireConnection(accepted, Upstream, "production", new WireClient(Pid, Pid, key, null, Settled));
        new Thread(() => Dispatcher.Serve(c)) { IsBackground = true }.Start();
        return client;
    }

    private async Task AcceptUpstream()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _upstream.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref UpstreamConnections);
            _ = Task.Run(async () => { using (s) await _serveUpstream(s); });
        }
    }

    /// <summary>An upstream that records each HTTP request (head and body, by Content-Length) and answers <paramref name="response"/>.</summary>
    internal static Func<Socket, Task> Http(ConcurrentQueue<string> requests, string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") => async s =>
    {
        var buf = new List<byte>();
        var tmp = new byte[65536];
        while (true)
        {
            int end;
            while ((end = IndexOf(buf, "\r\n\r\n")) < 0)
            {
                int n = await s.ReceiveAsync(tmp);
                if (n == 0) return;
                buf.AddRange(tmp.AsSpan(0, n).ToArray());
            }
            string head = Encoding.Latin1.GetString(buf.GetRange(0, end + 4).ToArray());
            int length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)).Select(l => int.Parse(l[15..])).FirstOrDefault();
            while (buf.Count < end + 4 + length)
            {
                int n = await s.ReceiveAsync(tmp);
                if (n == 0) return;
                buf.AddRange(tmp.AsSpan(0, n).ToArray());
            }
            requests.Enqueue(head + Encoding.UTF8.GetString(buf.GetRange(end + 4, length).ToArray()));
            buf.RemoveRange(0, end + 4 + length);
            await s.SendAsync(Encoding.Latin1.GetBytes(response));
        }
    };

    private static int IndexOf(List<byte> b, string what)
    {
        for (int i = 0; i + what.Length <= b.Count; i++)
        {
            int j = 0;
            while (j < what.Length && b[i + j] == what[j]) j++;
            if (j == what.Length) return i;
        }
        return -1;
    }

    /// <summary>Reads from <paramref name="s"/> until <paramref name="until"/> has been seen <paramref name="times"/> times, or it closes.</summary>
    /// <summary>Two connected loopback TCP sockets (blocking, as the relay's own are).</summary>
    internal static (Socket Near, Socket Far) Pair()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(1);
        var far = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        far.Connect(l.LocalEndPoint!);
        return (l.Accept(), far);
    }

    internal static async Task<string> ReadAsync(Socket s, string until, int times = 1, int seconds = 10)
    {
        var sb = new StringBuilder();
        var buf = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (Count(sb.ToString(), until) < times)
        {
            int n;
            try { n = await s.ReceiveAsync(buf, SocketFlags.None, timeout.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException) { break; }
            if (n == 0) break;
            sb.Append(Encoding.Latin1.GetString(buf, 0, n));
        }
        return sb.ToString();
    }

    private static int Count(string s, string what)
    {
        int c = 0;
        for (int i = s.IndexOf(what, StringComparison.Ordinal); i >= 0; i = s.IndexOf(what, i + what.Length, StringComparison.Ordinal)) c++;
        return c;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _front.Stop();
        _upstream.Stop();
        Registry.Dispose();
        Directory.Delete(_dir, true);
    }
}
