using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>Which file a command name runs, found as execvp(3) and a shell find it: a name with a
/// slash is a path (relative to the working directory); any other is looked up in the
/// directories of the command's own <c>PATH</c>, the first executable regular file winning.</summary>
internal static class ProgramSearch
{
    // glibc's execvp when PATH is unset (confstr _CS_PATH).
    private const string DefaultPath = "/bin:/usr/bin";

    /// <summary>The absolute path <paramref name="name"/> runs with <paramref name="ctx"/>'s PATH and
    /// working directory, or null when there is no such file.</summary>
    public static string? Find(string name, IExecContext ctx)
    {
        if (name.Length == 0) return null;
        if (name.Contains('/'))
        {
            string? path = Absolute(name, ctx.WorkingDirectory);
            // The kernel is asked to run it whatever its mode: a path names the file it decides.
            return path != null && File.Exists(path) ? path : null;
        }
        foreach (var dir in (ctx.GetEnvironmentVariable("PATH") ?? DefaultPath).Split(':'))
        {
            // An empty entry is the working directory.
            string? path = Absolute(Path.Combine(dir.Length == 0 ? "." : dir, name), ctx.WorkingDirectory);
            if (path != null && IsExecutableFile(path)) return path;
        }
        return null;
    }

    private static string? Absolute(string path, string? cwd) =>
        path.StartsWith('/') ? path : cwd == null ? null : Path.GetFullPath(Path.Combine(cwd, path));

    // A PATH search passes over files it may not run (EACCES) and goes on to the next directory.
    private static bool IsExecutableFile(string path)
    {
        try
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return File.Exists(path) && (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // vanished or unreadable: the search goes on, as execvp's would
        }
    }
}
