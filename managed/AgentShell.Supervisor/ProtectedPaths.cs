namespace AgentShell.Supervisor;

/// <summary>The paths a run makes read-only for its tree (native/launcher/protect.c), so the agent
/// cannot weaken the next run or erase the record: where profiles are read from (the system and
/// user profile directories, every profile file, the shipped profiles), the audit log, the
/// control sockets, and agentshell's own files. A directory agentshell owns is protected whole,
/// so nothing can be created in it either: the directory of its executables unless it is a shared
/// one (a bin directory on PATH, the home directory), and the audit log's and control socket's
/// directories when they are agentshell's own (named for it, as the defaults are). Elsewhere only
/// its own files there are. A profile
/// directory that does not exist yet is created first, so the tree cannot create it; where it
/// cannot be created (EACCES: /etc as a user), the tree cannot create it either.</summary>
public static class ProtectedPaths
{
    // Directories that hold other programs' files: never made read-only whole.
    private static readonly string[] Shared =
        ["/", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/lib", "/usr/local/lib", "/usr/libexec",
         "/usr/share", "/usr/local/share", "/opt", "/etc", "/tmp", "/var/tmp", "/run", "/dev/shm", "/home", "/root"];

    /// <summary>The directories profiles are read from, as a run reads them:
    /// <paramref name="systemDirectory"/> (/etc/agentshell), $XDG_CONFIG_HOME/agentshell and
    /// ~/.config/agentshell (both: a later run may see either).</summary>
    public static IReadOnlyList<string> ProfileDirectories(string systemDirectory)
    {
        var dirs = new List<string> { systemDirectory };
        if (Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
            dirs.Add(Path.Combine(xdg, "agentshell"));
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
            dirs.Add(Path.Combine(home, ".config", "agentshell"));
        return dirs;
    }

    /// <summary>The directory of the rules' cached test results (<see cref="RuleTestCache"/>),
    /// created 0700 first so the tree cannot create it: an entry there lets a run skip its
    /// profiles' own cases, so it is protected as the profiles are. Empty without a home.</summary>
    public static IReadOnlyList<string> CacheDirectories()
    {
        if (RuleTestCache.DefaultDirectory() is not string dir) return [];
        try { Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // We cannot create it, and the tree, which runs as we do, cannot either.
            return [];
        }
        return [dir];
    }

    /// <summary>agentshell's own files: <paramref name="executable"/>, the launcher, and root mode's
    /// BPF object beside it (which a run as root loads into the kernel).</summary>
    public static IReadOnlyList<string> OwnFiles(string executable, string launcher) =>
        [executable, launcher, Network.KernelConnectGuard.DefaultObjectPath(launcher)];

    /// <summary>Every path to protect, absolute with symlinks resolved, parents first.</summary>
    /// <param name="profileFiles">Every profile file the run loaded (the shipped default.json first).</param>
    /// <param name="profileDirectories">The directories profiles are read from (<see cref="ProfileDirectories"/>).</param>
    /// <param name="auditLog">The audit log file, or null.</param>
    /// <param name="ownFiles">agentshell's own files: its executable, the launcher, the BPF object.</param>
    public static IReadOnlyList<string> Collect(IEnumerable<string> profileFiles, IEnumerable<string> profileDirectories, string? auditLog,
        IEnumerable<string> ownFiles) => Collect(profileFiles, profileDirectories, auditLog, ownFiles, null);

    /// <summary><paramref name="paths"/> and a run's control socket (its directory when it is
    /// agentshell's, else the socket and its lock), bound before the tree starts.</summary>
    public static IReadOnlyList<string> WithControlSocket(IReadOnlyList<string> paths, string controlSocket) =>
        Collect([], [], null, [], controlSocket, paths);

    private static IReadOnlyList<string> Collect(IEnumerable<string> profileFiles, IEnumerable<string> profileDirectories, string? auditLog,
        IEnumerable<string> ownFiles, string? controlSocket, IEnumerable<string>? already = null)
    {
        var paths = new List<string>(already ?? []);
        foreach (var dir in profileDirectories) AddDirectory(paths, dir, create: true);
        foreach (var f in profileFiles)
        {
            Add(paths, f);
            // The shipped profiles live in a directory of their own (profiles/, share/agentshell/profiles).
            if (Path.GetFileName(f) == "default.json" && Path.GetDirectoryName(f) is { } shipped) AddOwned(paths, shipped);
        }
        if (auditLog != null) AddFileOrNamedDirectory(paths, auditLog);
        foreach (var f in ownFiles) AddFileOrDirectory(paths, f);
        if (controlSocket != null)
        {
            AddFileOrNamedDirectory(paths, controlSocket);
            Add(paths, Approval.ControlEndpoint.LockPathOf(controlSocket));
        }
        return Normalize(paths);
    }

    /// <summary>The file's directory unless it is a shared one, else the file.</summary>
    private static void AddFileOrDirectory(List<string> paths, string file)
    {
        var full = Interop.Files.RealPath(file, out _) ?? Path.GetFullPath(file);
        var dir = Path.GetDirectoryName(full);
        if (!IsShared(dir)) Add(paths, dir!);
        else Add(paths, full);
    }

    /// <summary>The file's directory when it is named for agentshell (the defaults:
    /// ~/.local/state/agentshell, $XDG_RUNTIME_DIR/agentshell, /tmp/agentshell-UID), else the file:
    /// a directory the person named with --audit or --socket may be the agent's to write in.</summary>
    private static void AddFileOrNamedDirectory(List<string> paths, string file)
    {
        var full = Interop.Files.RealPath(file, out _) ?? Path.GetFullPath(file);
        var dir = Path.GetDirectoryName(full);
        if (dir != null && Path.GetFileName(dir).StartsWith("agentshell", StringComparison.Ordinal)) Add(paths, dir);
        else Add(paths, full);
    }

    private static void AddOwned(List<string> paths, string dir)
    {
        if (!IsShared(Interop.Files.RealPath(dir, out _) ?? dir)) Add(paths, dir);
    }

    private static bool IsShared(string? dir)
    {
        if (string.IsNullOrEmpty(dir)) return true;
        dir = Path.TrimEndingDirectorySeparator(dir);
        if (Array.IndexOf(Shared, dir) >= 0) return true;
        var home = Environment.GetEnvironmentVariable("HOME");
        return home != null && (dir == Path.TrimEndingDirectorySeparator(home) || dir == Path.Combine(home, "bin") || dir == Path.Combine(home, ".local", "bin"));
    }

    private static void AddDirectory(List<string> paths, string dir, bool create)
    {
        if (create && !Directory.Exists(dir))
        {
            // 0755: a profile directory every user reads (/etc/agentshell as root); never 0700, which
            // would make every other user's run fail on an unreadable system profile directory.
            try { Directory.CreateDirectory(dir, (UnixFileMode)Convert.ToInt32("755", 8)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // We cannot create it (EACCES, EROFS), and the tree, which runs as we do, cannot either.
                return;
            }
        }
        Add(paths, dir);
    }

    private static void Add(List<string> paths, string path)
    {
        // A path that does not exist cannot be bound; one of ours that might appear is protected
        // through its directory instead.
        if (Interop.Files.RealPath(path, out _) is { } real) paths.Add(real);
    }

    /// <summary>Distinct, parents before what they hold, and nothing already inside a protected directory.</summary>
    private static IReadOnlyList<string> Normalize(List<string> paths)
    {
        var sorted = paths.Distinct(StringComparer.Ordinal).OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToList();
        var result = new List<string>();
        foreach (var p in sorted)
        {
            bool covered = result.Any(r => p.StartsWith(r.EndsWith('/') ? r : r + "/", StringComparison.Ordinal));
            if (!covered) result.Add(p);
        }
        return result;
    }
}
