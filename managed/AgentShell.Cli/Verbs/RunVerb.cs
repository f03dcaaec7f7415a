using AgentShell.Core.Profiles;
using AgentShell.Supervisor;
using AgentShell.Supervisor.Network;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell run [--profile P]... -- CMD ARGS`.</summary>
[Verb("run", HelpText = "Supervise CMD and its descendants: every exec and connect is decided by the policy. Usage: agentshell run [--profile P]... -- CMD [ARGS...]")]
public sealed class RunVerb
{
    /// <summary>Profile files, layered in order.</summary>
    [Option('p', "profile", HelpText = "Profile JSON file (repeatable; later files take precedence).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>Receiving threads.</summary>
    [Option("threads", Default = 2, HelpText = "Threads receiving seccomp notifications.")]
    public int Threads { get; set; } = 2;

    /// <summary>No start-up lines and no pause notice on the terminal.</summary>
    [Option('q', "quiet", HelpText = "Print no start-up lines (profiles loaded, connect guard notes) and no one-line notice when a request is paused; errors and warnings still print.")]
    public bool Quiet { get; set; }

    /// <summary>Say what the run set up.</summary>
    [Option('v', "verbose", HelpText = "Say which connect guard and which protections are active, and where the control socket is.")]
    public bool Verbose { get; set; }

    /// <summary>Control socket path.</summary>
    [Option("socket", HelpText = "Path of the control socket (default: a new one under $XDG_RUNTIME_DIR/agentshell/, else /tmp/agentshell-UID/).")]
    public string? Socket { get; set; }

    /// <summary>Pause timeout override (tests, demos).</summary>
    [Option("pause-timeout", HelpText = "Seconds a paused request waits for an answer (default: the profile's Pause.TimeoutSeconds, 300).")]
    public int? PauseTimeout { get; set; }

    /// <summary>Audit log file.</summary>
    [Option("audit", HelpText = "Audit log file (default: $XDG_STATE_HOME/agentshell/audit.jsonl, else ~/.local/state/agentshell/audit.jsonl).")]
    public string? AuditFile { get; set; }

    /// <summary>Where connects are decided.</summary>
    [Option("connect-guard", Default = "auto", HelpText = "Where outbound connects are decided: kernel (root: eBPF cgroup programs, no round trip per connect), seccomp (every connect stops in the supervisor), or auto (kernel when it loads, else seccomp).")]
    public string ConnectGuard { get; set; } = "auto";

    /// <summary>Refuse to run when agentshell's files cannot be made read-only for the tree.</summary>
    [Option("require-protection", HelpText = "Refuse to run (exit 125) when the profiles, audit log, control sockets and agentshell's own files cannot be made read-only for the agent (user namespaces disabled, a restricted container). Without it the run goes on and says so.")]
    public bool RequireProtection { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute(string[] command)
    {
        if (command.Length == 0)
        {
            Console.Error.WriteLine("agentshell run: no command given (it goes after '--'). Usage: agentshell run [--profile P]... -- CMD [ARGS...]");
            return Program.UsageError;
        }
        if (!Enum.TryParse<ConnectGuardMode>(ConnectGuard, ignoreCase: true, out var guard) || int.TryParse(ConnectGuard, out _))
        {
            Console.Error.WriteLine($"agentshell run: --connect-guard must be auto, kernel or seccomp, not '{ConnectGuard}'");
            return Program.UsageError;
        }
        // Inside a supervised tree agentshell's own files are read-only (protected), so a nested run
        // would fail on them first with a misleading reason: name the nesting, as the launcher would.
        if (AgentShell.Supervisor.Diagnostics.KernelProbes.AlreadySupervised())
        {
            Console.Error.WriteLine("agentshell: seccomp(SECCOMP_SET_MODE_FILTER): Device or resource busy (another seccomp listener already supervises this process: agentshell cannot run inside another agentshell run)");
            Console.Error.WriteLine("agentshell: nothing was run.");
            return 125;
        }
        string launcher = Launcher.Path();
        // PERF: root mode's programs load while the profiles do; nothing is attached before the run takes them.
        using var preload = KernelGuardPreload.Start(guard, launcher, refiller: Environment.ProcessPath);
        using var start = SupervisingStart.Prepare(Profiles, Quiet, AuditFile);
        if (start == null) return Program.UsageError;
        AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("profiles-loaded");
        var (policy, telemetry, audit) = (start.Policy, start.Telemetry, start.Audit);
        var protect = start.ProtectedPaths(Profiles, launcher);
        AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("protected-paths");
        var run = new SupervisedRun(new RunOptions
        {
            Protect = protect,
            RequireProtection = RequireProtection,
            Audit = audit,
            Telemetry = telemetry,
            LauncherPath = launcher,
            Preload = preload,
            Command = command,
            Policy = policy,
            Threads = Math.Clamp(Threads, 1, 16),
            Quiet = Quiet,
            SocketPath = Socket,
            ConnectGuard = guard,
            Started = Verbose ? Describe : null,
            Pause = PauseTimeout is int t && t > 0
                ? new AgentShell.Core.Policy.PauseSettings { TimeoutSeconds = t, OnTimeout = policy.Pause.OnTimeout }
                : policy.Pause,
        });
        return run.Run();
    }

    private static void Describe(RunStarted s)
    {
        var e = Console.Error;
        e.WriteLine($"agentshell: run {s.RunId}, control socket {s.ControlSocket}");
        e.WriteLine(s.ConnectGuard == ConnectGuardMode.Kernel
            ? "agentshell: connect guard: kernel (eBPF cgroup programs)"
            : $"agentshell: connect guard: seccomp (the kernel guard is not used: {s.WhyNotKernel})");
        foreach (var p in s.Protections) e.WriteLine($"agentshell: protection: {p}");
    }
}
