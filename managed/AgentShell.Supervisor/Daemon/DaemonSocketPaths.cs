namespace AgentShell.Supervisor.Daemon;

/// <summary>Where the daemon socket is: <c>--socket</c>, else <c>$AGENTSHELL_DAEMON_SOCKET</c>, else
/// <c>$XDG_RUNTIME_DIR/agentshell/daemon.sock</c> when that variable is set, else
/// <c>/run/agentshell/daemon.sock</c>. `daemon` and `shell` resolve it the same way, so a shell
/// started with the daemon's environment finds it.</summary>
public static class DaemonSocketPaths
{
    /// <summary>The variable naming the daemon socket.</summary>
    public const string Variable = "AGENTSHELL_DAEMON_SOCKET";

    /// <summary>The socket when nothing else names one.</summary>
    public const string Default = "/run/agentshell/daemon.sock";

    /// <summary>The daemon socket's absolute path. <paramref name="environment"/> is a seam for tests
    /// (default: this process's environment).</summary>
    public static string Resolve(string? explicitPath, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(explicitPath)) return Path.GetFullPath(explicitPath);
        if (environment(Variable) is { Length: > 0 } fromEnv) return Path.GetFullPath(fromEnv);
        if (environment("XDG_RUNTIME_DIR") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "agentshell", "daemon.sock");
        return Default;
    }

    /// <summary>Creates the socket's directory (0700) when missing and refuses one that others could
    /// write to: whoever can write there could replace the socket between our bind and a shell's connect.</summary>
    internal static void PrepareDirectory(string socketPath)
    {
        string dir = Path.GetDirectoryName(socketPath) ?? "/";
        if (!Directory.Exists(dir))
        {
            try { Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot create {dir} ({e.Message}); choose a socket with --socket or ${Variable} (or set XDG_RUNTIME_DIR)");
            }
        }
        if (!Interop.Files.TryLStat(dir, out var st) || !st.IsDirectory)
            throw new IOException($"{dir} is not a directory (a symlink is refused)");
        uint me = Interop.Process.GetUid();
        if (st.Uid != me && st.Uid != 0)
            throw new IOException($"{dir} belongs to uid {st.Uid}; the daemon socket needs a directory of uid {me} or root");
        if ((st.Permissions & 0x12 /* 022 */) != 0)
            throw new IOException($"{dir} is writable by others (mode {Convert.ToString(st.Permissions, 8)}); choose a directory only you can write to");
    }
}
