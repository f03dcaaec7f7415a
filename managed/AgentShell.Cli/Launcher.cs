namespace AgentShell.Cli;

/// <summary>Finds agentshell-launch (and so the BPF object beside it): <c>$AGENTSHELL_LAUNCHER</c>,
/// else beside this executable (the build tree's <c>bin/</c>), else
/// <c>&lt;exe dir&gt;/../libexec/agentshell/</c> (what <c>make install</c> lays out).</summary>
internal static class Launcher
{
    internal const string Variable = "AGENTSHELL_LAUNCHER";

    /// <summary>The launcher to run: the first candidate that exists, else where this layout expects
    /// it (so the error names that place): libexec in an installed tree, beside us in the build tree.</summary>
    internal static string Path()
    {
        var env = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(env)) return env;
        var candidates = Candidates();
        return candidates.FirstOrDefault(File.Exists) ?? (Installed() ? candidates[1] : candidates[0]);
    }

    /// <summary>True when this executable is <c>$PREFIX/bin/agentshell</c> of a <c>make install</c>
    /// (its manifest is at <c>$PREFIX/share/agentshell/installed-files</c>).</summary>
    private static bool Installed()
    {
        var dir = System.IO.Path.GetDirectoryName(Environment.ProcessPath) ?? AppContext.BaseDirectory;
        return File.Exists(System.IO.Path.Combine(dir, "..", "share", "agentshell", "installed-files"));
    }

    /// <summary>Where the launcher is looked for, in order (without the variable).</summary>
    internal static string[] Candidates()
    {
        // Under NativeAOT Environment.ProcessPath is /proc/self/exe resolved: the real file, so a
        // symlink in PATH to an installed agentshell still finds its libexec directory.
        var dir = System.IO.Path.GetDirectoryName(Environment.ProcessPath) ?? AppContext.BaseDirectory;
        return
        [
            System.IO.Path.Combine(dir, "agentshell-launch"),
            System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, "..", "libexec", "agentshell", "agentshell-launch")),
        ];
    }
}
