namespace AgentShell.Tests.Shared;

/// <summary>Paths of the built tool (`make` leaves them in bin/).</summary>
internal static class Repo
{
    internal static readonly string Root = FindRoot();
    internal static string AgentShell => Path.Combine(Root, "bin", "agentshell");
    internal static string Launcher => Path.Combine(Root, "bin", "agentshell-launch");
    internal static string DemoProfile => Path.Combine(Root, "profiles", "demo.json");
    /// <summary>demo.json plus a rule that pauses DELETEs (tests/profiles/pause.json).</summary>
    /// <summary>Switches the wire layer off for production: connection-level decisions, as for a protocol the wire does not know.</summary>
    internal static string WireOffProfile => Path.Combine(Root, "tests", "profiles", "wire-off.json");
    internal static string PauseProfile => Path.Combine(Root, "tests", "profiles", "pause.json");
    internal static string PostgresPauseProfile => Path.Combine(Root, "tests", "profiles", "postgres-pause.json");
    /// <summary>The production credential e2e-root (tests/profiles/credentials.json); its secret is <see cref="ProductionToken"/>.</summary>
    internal static string CredentialsProfile => Path.Combine(Root, "tests", "profiles", "credentials.json");
    internal const string ProductionToken = "e2e-prod-token-5f4e3d2c1b0a";
    internal static string Setsid => File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
    internal static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>The full path of <paramref name="tool"/> on PATH; fails the test when it is not installed.</summary>
    internal static string Which(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        Assert.Fail($"{tool} is not installed (scripts/setup.sh installs it)");
        return "";
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "AgentShell.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("AgentShell.sln not found above " + AppContext.BaseDirectory);
    }
}
