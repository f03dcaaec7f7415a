using AgentShell.Core.Profiles;
using AgentShell.Supervisor;
using AgentShell.Supervisor.Daemon;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell daemon [--profile P]... [--socket PATH] -- CMD ARGS`.</summary>
[Verb("daemon", HelpText = "A container entrypoint: run CMD supervised as init (reaps orphans, passes signals on, exits with CMD's status) and supervise the shells `agentshell shell` attaches later. Usage: agentshell daemon [--profile P]... [--socket PATH] -- CMD [ARGS...]")]
public sealed class DaemonVerb
{
    /// <summary>Profile files, layered in order.</summary>
    [Option('p', "profile", HelpText = "Profile JSON file (repeatable; later files take precedence).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>The daemon socket.</summary>
    [Option("socket", HelpText = "The daemon socket shells attach through (default: $AGENTSHELL_DAEMON_SOCKET, else $XDG_RUNTIME_DIR/agentshell/daemon.sock, else /run/agentshell/daemon.sock).")]
    public string? Socket { get; set; }

    /// <summary>Receiving threads per session.</summary>
    [Option("threads", Default = 2, HelpText = "Threads receiving seccomp notifications, per session.")]
    public int Threads { get; set; } = 2;

    /// <summary>No start-up line, no pause notice for the command's own tree.</summary>
    [Option('q', "quiet", HelpText = "Do not print the start-up line or pause notices of CMD's own tree.")]
    public bool Quiet { get; set; }

    /// <summary>Pause timeout override.</summary>
    [Option("pause-timeout", HelpText = "Seconds a paused request waits for an answer (default: the profile's Pause.TimeoutSeconds, 300).")]
    public int? PauseTimeout { get; set; }

    /// <summary>Audit log file.</summary>
    [Option("audit", HelpText = "Audit log file (default: $XDG_STATE_HOME/agentshell/audit.jsonl, else ~/.local/state/agentshell/audit.jsonl).")]
    public string? AuditFile { get; set; }

    /// <summary>Refuse to run when agentshell's files cannot be made read-only for the trees.</summary>
    [Option("require-protection", HelpText = "Refuse to start (exit 125) when the profiles, audit log, sockets and agentshell's own files cannot be made read-only for CMD's tree (user namespaces disabled, a restricted container); attached shells then refuse too. Without it the daemon goes on and says so.")]
    public bool RequireProtection { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute(string[] command)
    {
        if (command.Length == 0)
        {
            Console.Error.WriteLine("agentshell daemon: no command given. Usage: agentshell daemon [--profile P]... [--socket PATH] -- CMD [ARGS...] (in a container: -- sleep infinity)");
            return Program.UsageError;
        }
        using var start = SupervisingStart.Prepare(Profiles, Quiet, AuditFile);
        if (start == null) return Program.UsageError;
        var (policy, telemetry, audit) = (start.Policy, start.Telemetry, start.Audit);
        string launcher = Launcher.Path();
        var daemon = new SupervisingDaemon(new RunOptions
        {
            Protect = start.ProtectedPaths(Profiles, launcher),
            RequireProtection = RequireProtection,
            Audit = audit,
            Telemetry = telemetry,
            LauncherPath = launcher,
            Command = command,
            Policy = policy,
            Threads = Math.Clamp(Threads, 1, 16),
            Quiet = Quiet,
            ConnectGuard = ConnectGuardMode.Seccomp,
            Pause = PauseTimeout is int t && t > 0
                ? new Core.Policy.PauseSettings { TimeoutSeconds = t, OnTimeout = policy.Pause.OnTimeout }
                : policy.Pause,
        }, DaemonSocketPaths.Resolve(Socket));
        return daemon.Run();
    }
}
