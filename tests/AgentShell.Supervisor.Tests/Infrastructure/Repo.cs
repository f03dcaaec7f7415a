namespace AgentShell.Supervisor.Tests.Infrastructure;

/// <summary>Paths of the built tool (`make` leaves them in bin/).</summary>
internal static class Repo
{
    internal static readonly string Root = FindRoot();
    internal static string AgentShell => Path.Combine(Root, "bin", "agentshell");
    internal static string Launcher => Path.Combine(Root, "bin", "agentshell-launch");
    internal static string DemoProfile => Path.Combine(Root, "profiles", "demo.json");
    internal static string Setsid => File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
    internal static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "AgentShell.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("AgentShell.sln not found above " + AppContext.BaseDirectory);
    }
}
