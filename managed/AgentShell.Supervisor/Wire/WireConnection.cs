using System.Net;
using System.Net.Sockets;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Wire;

/// <summary>The process that opened a terminated connection, as it was when it connected: whose
/// stderr hears a refusal, whose chain and argv a person sees, and what the connect was trusted
/// with before the wire layer (used only when the protocol is not recognised).</summary>
internal sealed class WireClient(int pid, int tgid, ProcessTable.ConnectKey key, ulong? generation, TrustLedger.Settled settled)
{
    private string? _exe;
    private string[]? _cmdline;

    /// <summary>The thread that connected (its stderr gets the one-line reasons).</summary>
    public int Pid { get; } = pid;

    /// <summary>Its process.</summary>
    public int Tgid { get; } = tgid;

    /// <summary>The process's program and the destination (what connect decisions are remembered under).</summary>
    public ProcessTable.ConnectKey Key { get; } = key;

    /// <summary>Root mode: the kernel's program generation of the connect; null in seccomp mode.</summary>
    public ulong? Generation { get; } = generation;

    /// <summary>How the connect was settled without asking when it was made (an exec that named
    /// production, a remembered answer): today's decision, for a protocol the wire does not know.</summary>
    public TrustLedger.Settled Settled { get; } = settled;

    /// <summary>Whose credentials its upstream sockets are made with (<see cref="UpstreamOwner"/>): null for the supervisor's.</summary>
    public TaskCredentials? Owner { get; init; }

    /// <summary>The process's executable (read once).</summary>
    public string? Exe => _exe ??= ProcessInfo.ExePath(Tgid);

    /// <summary>The process's command line (read once; empty once it is gone).</summary>
    public string[] Cmdline => _cmdline ??= ProcessInfo.Cmdline(Tgid);

    /// <summary>Its program's name, for messages: "python3".</summary>
    public string Program => Exe is { } e ? Path.GetFileName(e) : Cmdline.Length > 0 ? Path.GetFileName(Cmdline[0]) : "?";
}

/// <summary>One connection of the tree terminated by the supervisor: the process's socket (now
/// connected to us), where it meant to go, and who opened it.</summary>
internal sealed class WireConnection(Socket socket, IPEndPoint destination, string environment, WireClient client)
{
    /// <summary>The process's connection, accepted by the wire listener or the gate.</summary>
    public Socket Socket { get; } = socket;

    /// <summary>Where the process meant to connect (IPv4 as IPv4, never v4-mapped).</summary>
    public IPEndPoint Destination { get; } = destination;

    /// <summary>The environment of <see cref="Destination"/> ("production").</summary>
    public string Environment { get; } = environment;

    /// <summary>Who opened it.</summary>
    public WireClient Client { get; } = client;

    /// <summary>The destination's address as a literal ("10.0.0.5", "2001:db8::1").</summary>
    public string Host => _host ??= Destination.Address.ToString(); // PERF: once per connection, not per request
    private string? _host;

    /// <summary>A TCP connection to <see cref="Destination"/> made as the process's own (<see cref="WireSockets.Connect"/>).</summary>
    public Socket ConnectUpstreamSocket() => WireSockets.Connect(Destination, Client.Owner);

    /// <summary>Refuses the connection: an RST, so the process reads ECONNRESET and nothing has reached the destination.</summary>
    public void Reset() => ConnectGate.Reset(Socket);
}
