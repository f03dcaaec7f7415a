using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>The directories a run writes to: its control socket's and the audit log's.</summary>
public static class PathProbes
{
    /// <summary>The control socket directory exists (or is created), is ours with mode 0700, and takes a file.</summary>
    public static Probe SocketDirectory()
    {
        string dir;
        try { dir = SocketPaths.Directory(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(ProbeStatus.Fail, "sockets", $"no usable control socket directory: {e.Message}", "fix the directory's owner and mode (0700), or set XDG_RUNTIME_DIR to a directory of your own");
        }
        return Writable(dir) is string why
            ? new(ProbeStatus.Fail, "sockets", $"{dir} is not writable: {why}", $"make {dir} writable by you")
            : new(ProbeStatus.Ok, "sockets", $"control sockets go to {dir}");
    }

    /// <summary>The audit log's directory exists or can be made, and takes a file; an existing log is appendable.</summary>
    public static Probe AuditDirectory(string logPath)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(logPath))!;
        string existing = dir;
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? "/";
        if (Writable(existing) is string why)
            return new(ProbeStatus.Fail, "audit", $"cannot write the audit log {logPath}: {existing} is not writable ({why})", "pass --audit FILE to run, or set XDG_STATE_HOME to a writable directory");
        if (File.Exists(logPath))
        {
            try { using var f = new FileStream(logPath, FileMode.Append, FileAccess.Write); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new(ProbeStatus.Fail, "audit", $"cannot append to the audit log {logPath}: {e.Message}", $"make {logPath} writable by you, or pass --audit FILE");
            }
        }
        return new(ProbeStatus.Ok, "audit", $"decisions are logged to {logPath}{(dir == existing ? "" : $" ({dir} will be created)")}");
    }

    /// <summary>Null when a file can be created in <paramref name="dir"/>, else why not.</summary>
    private static string? Writable(string dir)
    {
        string probe = Path.Combine(dir, $".agentshell-doctor-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return e.Message; }
    }
}
