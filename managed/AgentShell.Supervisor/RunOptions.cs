using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor;

/// <summary>Where outbound connects are decided.</summary>
public enum ConnectGuardMode
{
    /// <summary>In the kernel when the connect programs load (root), else by seccomp notification.</summary>
    Auto,
    /// <summary>In the kernel (eBPF cgroup connect programs); the run refuses to start without them.</summary>
    Kernel,
    /// <summary>Every connect stops in the supervisor (seccomp user notification).</summary>
    Seccomp,
}

/// <summary>Options of one supervised run.</summary>
public sealed class RunOptions
{
    /// <summary>Path of agentshell-launch.</summary>
    public required string LauncherPath { get; init; }
    /// <summary>The agent command and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    /// <summary>The compiled policy.</summary>
    public required Policy Policy { get; init; }
    /// <summary>Decides execs; default: the <see cref="ExecDecider"/> over <see cref="Policy"/>.</summary>
    public IExecDecider? Decider { get; init; }
    /// <summary>Become the tree's subreaper and reap every child (the CLI). False when hosted in a
    /// process that has children of its own (tests): only the agent is waited for.</summary>
    public bool OwnsProcess { get; init; } = true;
    /// <summary>Where the supervisor writes its own messages.</summary>
    public TextWriter Log { get; init; } = Console.Error;
    /// <summary>Receiving threads.</summary>
    public int Threads { get; init; } = 2;
    /// <summary>How long a pause waits and what a timeout means.</summary>
    public PauseSettings? Pause { get; init; }
    /// <summary>No start-up notes and no one-line pause notice on the terminal (errors and
    /// warnings about reduced protection are still printed).</summary>
    public bool Quiet { get; init; }
    /// <summary>Address → environment map; default: the policy's addresses and resolved host names.</summary>
    public Network.IAddressEnvironments? Addresses { get; init; }
    /// <summary>OTLP exporter of audit records, pauses and metrics; null (the default): export is off
    /// and nothing of it is built. Owned by the caller; the run or daemon starts it.</summary>
    public Telemetry.TelemetryExporter? Telemetry { get; init; }
    /// <summary>Audit log; null: decisions are not recorded.</summary>
    public Audit.AuditLog? Audit { get; init; }
    /// <summary>Control socket path; default: a new one in <see cref="SocketPaths.Directory"/>.</summary>
    public string? SocketPath { get; init; }
    /// <summary>Where connects are decided.</summary>
    public ConnectGuardMode ConnectGuard { get; init; } = ConnectGuardMode.Auto;
    /// <summary>The root-mode connect programs; default: agentshell-connect.bpf.o beside the launcher.</summary>
    public string? BpfObjectPath { get; init; }
    /// <summary>The connect programs, already loading (root); null: loaded when the run starts.
    /// The caller disposes it (closing them if the run did not take them).</summary>
    public Network.KernelGuardPreload? Preload { get; init; }
    /// <summary>Paths made read-only for the tree (<see cref="ProtectedPaths"/>); the control socket
    /// is added by the run. Empty: nothing is protected, and the tree gets no namespaces.</summary>
    public IReadOnlyList<string> Protect { get; init; } = [];
    /// <summary>Refuse to run (exit 125) when the paths cannot be made read-only for the tree.</summary>
    public bool RequireProtection { get; init; }
    /// <summary>Called once the supervision is set up, just before the agent starts.</summary>
    public Action<RunStarted>? Started { get; init; }
}
