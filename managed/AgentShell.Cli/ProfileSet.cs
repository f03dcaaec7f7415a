using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using AgentShell.Supervisor;

namespace AgentShell.Cli;

/// <summary>Resolves which profile files a command loads, and loads them once. Layers, in order:
/// the shipped <c>default.json</c> (always), the system directory (<c>/etc/agentshell/*.json</c>),
/// the user directory (<c>$XDG_CONFIG_HOME/agentshell/*.json</c>, else
/// <c>~/.config/agentshell/*.json</c>), then each <c>--profile</c> in order. Nothing is loaded
/// from the working directory or the repository the agent works in.</summary>
internal static class ProfileSet
{
    /// <summary>Overrides the directory holding the shipped <c>default.json</c>.</summary>
    internal const string ProfilesDirVariable = "AGENTSHELL_PROFILES_DIR";

    /// <summary>Overrides the system profile directory (tests; default <c>/etc/agentshell</c>).</summary>
    internal const string SystemDirVariable = "AGENTSHELL_SYSTEM_PROFILES_DIR";

    /// <summary>Loads the profiles for a run and says which files were loaded. The rules' own cases
    /// run unless this user's <see cref="RuleTestCache"/> holds a pass for these very bytes.</summary>
    internal static Policy LoadForRun(IReadOnlyList<string> profiles, TextWriter log)
    {
        var files = Resolve(profiles);
        var policy = Policy.Load(files, RuleTestCache.ForThisUser());
        log.WriteLine($"agentshell: profiles: {string.Join(", ", files)}");
        if (policy.Warnings.Count > 0)
            log.WriteLine($"agentshell: note: {policy.Warnings.Count} rule test case(s) name commands no parser understands yet; `agentshell profiles validate` lists them");
        return policy;
    }

    /// <summary>Every file to load, in layer order, as absolute paths (duplicates dropped, first kept).
    /// Throws <see cref="ProfileException"/> when the shipped default.json cannot be found.</summary>
    internal static List<string> Resolve(IReadOnlyList<string> profiles)
    {
        var files = new List<string> { DefaultProfile() };
        files.AddRange(JsonFilesIn(SystemDirectory()));
        if (UserDirectory() is string user) files.AddRange(JsonFilesIn(user));
        foreach (var p in profiles) files.Add(ShippedHint(Path.GetFullPath(p), p, files[0]));
        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The shipped default.json: <c>$AGENTSHELL_PROFILES_DIR</c>, else
    /// <c>&lt;exe dir&gt;/../profiles/</c>, else <c>&lt;exe dir&gt;/../share/agentshell/profiles/</c>.</summary>
    internal static string DefaultProfile()
    {
        var tried = new List<string>();
        if (Environment.GetEnvironmentVariable(ProfilesDirVariable) is { Length: > 0 } dir)
        {
            // An explicit directory is the only candidate: a wrong setting must not fall back silently.
            string f = Path.GetFullPath(Path.Combine(dir, "default.json"));
            if (File.Exists(f)) return f;
            throw new ProfileException(f, "", $"the shipped default profile is missing (from ${ProfilesDirVariable}); point ${ProfilesDirVariable} at the directory holding default.json");
        }
        string exeDir = ExecutableDirectory();
        foreach (var rel in (string[])["../profiles", "../share/agentshell/profiles"])
        {
            string f = Path.GetFullPath(Path.Combine(exeDir, rel, "default.json"));
            if (File.Exists(f)) return f;
            tried.Add(f);
        }
        throw new ProfileException(tried[0], "",
            $"the shipped default profile is missing (looked for {string.Join(" and ", tried)}); reinstall agentshell or set ${ProfilesDirVariable} to the directory holding default.json");
    }

    // `--profile aws` names a file, which the working directory seldom holds: where a shipped
    // profile has that name, the error gives its path (it is not taken silently: a file of that
    // name in the directory would mean something else another day).
    private static string ShippedHint(string full, string given, string defaultProfile)
    {
        if (File.Exists(full) || given.Contains('/')) return full;
        string shipped = Path.Combine(Path.GetDirectoryName(defaultProfile)!, given.EndsWith(".json", StringComparison.Ordinal) ? given : given + ".json");
        if (!File.Exists(shipped)) return full;
        throw new ProfileException(full, "", $"file not found; the shipped profile of that name is {shipped}: pass --profile {shipped}");
    }

    /// <summary>The system profile directory.</summary>
    internal static string SystemDirectory() =>
        Environment.GetEnvironmentVariable(SystemDirVariable) is { Length: > 0 } d ? d : "/etc/agentshell";

    /// <summary>The user profile directory, or null when neither XDG_CONFIG_HOME nor HOME is set.</summary>
    internal static string? UserDirectory()
    {
        if (Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "agentshell");
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
            return Path.Combine(home, ".config", "agentshell");
        return null;
    }

    private static IEnumerable<string> JsonFilesIn(string dir)
    {
        if (!Directory.Exists(dir)) return [];
        try
        {
            return Directory.GetFiles(dir, "*.json").Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Profiles there may be stricter than the rest: running without them would weaken the policy.
            throw new ProfileException(dir, "", $"the profile directory cannot be read ({e.Message}); its profiles may apply to this run, so nothing runs: let this user read it (e.g. chmod 755 {dir}) or remove it");
        }
    }

    private static string ExecutableDirectory()
    {
        // Environment.ProcessPath is the agentshell binary under NativeAOT and the dotnet host
        // otherwise; AppContext.BaseDirectory is the directory of agentshell.dll in the latter case.
        string? exe = Environment.ProcessPath;
        if (exe != null && Path.GetFileNameWithoutExtension(exe) == "agentshell") return Path.GetDirectoryName(Path.GetFullPath(exe))!;
        return AppContext.BaseDirectory;
    }
}
