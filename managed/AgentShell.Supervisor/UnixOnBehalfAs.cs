using static AgentShell.Supervisor.Interop.Files;

namespace AgentShell.Supervisor;

/// <summary>A Unix connect made on behalf of a tree task whose credentials are not the supervisor's
/// (<see cref="UnixOnBehalf"/>). Made with ours, it passed root's permission checks for a task that
/// had dropped to another user, and the server was told root's uid (the attack:
/// tests/adversarial/UnixConnectCredentialsTests.cs). Here this thread takes the task's credentials
/// (<see cref="ThreadCredentials"/>), looks the path up again from the task's root or cwd (so each
/// directory's search permission is checked with them), requires the same file the check judged,
/// and connects to it: the kernel checks write permission on the socket with the task's credentials,
/// and the server's SO_PEERCRED carries its uid and gid (the pid stays the supervisor's).
/// What differs from the task's own connect, always toward refusing: a path through a /proc magic
/// link, or one whose file changed since the check, is refused (EPERM, with a line in the run's log);
/// a blocking socket that meets a full backlog gets EAGAIN instead of waiting (a receiving thread does
/// not wait with a task's credentials). The task's LSM context is not taken.</summary>
internal static class UnixOnBehalfAs
{
    private const int O_CLOEXEC = 0x80000;

    /// <summary>Connects <paramref name="socket"/> (a dup of the task's, not closed here) to the file
    /// judged (<paramref name="judged"/>, an O_PATH fd, not closed here) as the task would.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // PERF: the buffers are written before they are read
    public static Verdict Connect(int pid, int socket, int judged, ReadOnlySpan<byte> path, TaskCredentials task, TaskCredentials self, TextWriter log)
    {
        bool absolute = path[0] == (byte)'/';
        // The walk's start, opened with our credentials: the task is in its cwd, under its root, already.
        int start = Open(absolute ? $"/proc/{pid}/root" : $"/proc/{pid}/cwd", O_PATH | O_DIRECTORY | O_CLOEXEC, out _);
        if (start < 0) return Refused(log, pid, "its root or working directory could not be opened");
        Span<byte> name = stackalloc byte[110]; // sun_path's 108 bytes, a NUL
        if (path.Length >= name.Length)
        {
            Interop.Libc.close(start);
            return Verdict.Result((int)Errno.ENAMETOOLONG);
        }
        path.CopyTo(name);
        name[path.Length] = 0;
        var entered = ThreadCredentials.Enter(task, self, out var switched);
        if (entered != 0)
        {
            Interop.Libc.close(start);
            return Refused(log, pid, $"its credentials (uid {task.Euid}) could not be taken for it ({entered})");
        }
        // Nothing is allocated or logged while this thread has the task's credentials: the window
        // holds only the lookup and the connect.
        int file = -1, err;
        Errno lookup = 0;
        bool same = false;
        try
        {
            file = OpenAt2(start, name[..(path.Length + 1)], O_PATH | O_CLOEXEC, (absolute ? RESOLVE_IN_ROOT : 0) | RESOLVE_NO_MAGICLINKS, out lookup);
            same = file >= 0 && TryFStat(file, out var now) && TryFStat(judged, out var was) && now.Identity == was.Identity;
            Span<byte> sa = stackalloc byte[32];
            err = same ? UnixOnBehalf.TryConnect(socket, sa[..UnixOnBehalf.Sockaddr(file, sa)], out _) : 0;
        }
        finally
        {
            switched.Leave();
            if (file >= 0) Interop.Libc.close(file);
            Interop.Libc.close(start);
        }
        if (file < 0)
        {
            // The kernel's own answers to the task; a magic link (ELOOP here) or a walk openat2
            // refuses for its own reasons (EXDEV, EAGAIN) is not one: refused.
            if (lookup is Errno.EACCES or Errno.ENOENT or Errno.ENOTDIR or Errno.ENAMETOOLONG) return Verdict.Result((int)lookup);
            return Refused(log, pid, $"its path could not be looked up with its credentials ({lookup})");
        }
        if (!same) return Refused(log, pid, "its path names another file than the one judged");
        return Verdict.Result(err);
    }

    private static Verdict Refused(TextWriter log, int pid, string why)
    {
        log.WriteLine($"agentshell: pid {pid}'s Unix connect refused: {why}");
        return Verdict.Result((int)Errno.EPERM);
    }
}
