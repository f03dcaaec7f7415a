using AgentShell.Supervisor.Daemon;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell shell [--socket PATH] [-- CMD ARGS]`.</summary>
[Verb("shell", HelpText = "Start CMD (default: your shell) supervised by a running `agentshell daemon`: for docker exec, an IDE terminal or an agent's launcher. Usage: agentshell shell [--socket PATH] [-- CMD [ARGS...]]")]
public sealed class ShellVerb
{
    /// <summary>The daemon socket.</summary>
    [Option("socket", HelpText = "The daemon's socket (default: $AGENTSHELL_DAEMON_SOCKET, else $XDG_RUNTIME_DIR/agentshell/daemon.sock, else /run/agentshell/daemon.sock).")]
    public string? Socket { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute(string[] command) =>
        new AttachedShell(Launcher.Path(), DaemonSocketPaths.Resolve(Socket), command, Console.Error).Run();
}
