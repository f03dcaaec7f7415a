namespace AgentShell.Cli;

/// <summary>Finds agentshell-launch: $AGENTSHELL_LAUNCHER, else beside this executable.</summary>
internal static class Launcher
{
    internal static string Path()
    {
        var env = Environment.GetEnvironmentVariable("AGENTSHELL_LAUNCHER");
        if (!string.IsNullOrEmpty(env)) return env;
        var dir = System.IO.Path.GetDirectoryName(Environment.ProcessPath) ?? AppContext.BaseDirectory;
        return System.IO.Path.Combine(dir, "agentshell-launch");
    }
}
