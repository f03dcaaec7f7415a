using System.Net.Sockets;

namespace AgentShell.Supervisor.Approval;

/// <summary>Where control sockets live: <c>$XDG_RUNTIME_DIR/agentshell/</c>, else
/// <c>/tmp/agentshell-$UID/</c>, mode 0700 and owned by us (refused otherwise).</summary>
public static class SocketPaths
{
    /// <summary>The directory, created 0700 when missing. Throws <see cref="IOException"/> naming the
    /// fix when it cannot be used.</summary>
    public static string Directory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        bool fromXdg = !string.IsNullOrEmpty(xdg) && System.IO.Directory.Exists(xdg);
        string dir = fromXdg ? Path.Combine(xdg!, "agentshell") : $"/tmp/agentshell-{Interop.Process.GetUid()}";
        try
        {
            if (!System.IO.Directory.Exists(dir))
                System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (UnauthorizedAccessException e)
        {
            // Typically `su` or `sudo -u` keeping the first user's XDG_RUNTIME_DIR (/run/user/0).
            throw new IOException(fromXdg
                ? $"cannot use {dir} for control sockets ({e.Message}): XDG_RUNTIME_DIR={xdg} is not this user's (after su or sudo?); set XDG_RUNTIME_DIR to a directory of your own, or unset it"
                : $"cannot use {dir} for control sockets ({e.Message}); make it yours with mode 0700, or set XDG_RUNTIME_DIR to a directory of your own", e);
        }
        // /tmp is shared: never use a directory someone else made or a symlink to one.
        if (!Interop.Files.TryLStat(dir, out var st))
            throw new IOException($"cannot stat {dir}");
        if (st.Uid != Interop.Process.GetUid() || (st.Mode & 0x1FF) != 0x1C0 || !st.IsDirectory)
            throw new IOException($"{dir} must be a directory owned by uid {Interop.Process.GetUid()} with mode 0700");
        return dir;
    }

    /// <summary>The socket a client should use: <paramref name="explicitPath"/>, else
    /// <c>$AGENTSHELL_SOCKET</c>, else the newest live run's socket. Null when none is live. A socket
    /// is removed only when its supervisor is provably gone (<see cref="IsStale"/>); one that refuses
    /// us (we are a process of its tree) ends the search with a <see cref="ControlException"/>.</summary>
    public static string? Find(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return explicitPath;
        var env = Environment.GetEnvironmentVariable("AGENTSHELL_SOCKET");
        if (!string.IsNullOrEmpty(env)) return env;
        string dir;
        try { dir = Directory(); }
        catch (IOException e) { throw new ControlException(e.Message); } // "no run" would hide why
        foreach (var f in new DirectoryInfo(dir).GetFiles("*.sock").OrderByDescending(f => f.LastWriteTimeUtc))
        {
            try
            {
                using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                s.Connect(new UnixDomainSocketEndPoint(f.FullName));
                return f.FullName;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                throw Refused(f.FullName);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ProtocolType)
            {
                // A live socket of another kind (a daemon socket, SOCK_SEQPACKET): not a control socket.
            }
            catch (SocketException)
            {
                RemoveIfStale(f.FullName);
            }
        }
        return null;
    }

    /// <summary>True only when the supervisor that owned <paramref name="socketPath"/> is provably
    /// gone: its lock file exists and nobody holds it (the kernel released it when that supervisor
    /// exited). A socket without a lock file, or whose lock cannot be opened, is never stale.</summary>
    public static bool IsStale(string socketPath)
    {
        int fd = Interop.Files.Open(ControlEndpoint.LockPathOf(socketPath), Interop.Files.O_RDONLY | Interop.Files.O_CLOEXEC, out _);
        if (fd < 0) return false;
        try { return Interop.Files.TryLockExclusive(fd) == 0; }
        finally { Interop.Libc.close(fd); } // closing drops the lock we may have taken
    }

    /// <summary>Removes a socket whose owner is provably gone, under its lock (<see cref="SocketLock"/>),
    /// so that a supervisor binding it meanwhile is never undone. Anything else is left alone.</summary>
    private static void RemoveIfStale(string socketPath)
    {
        if (!IsStale(socketPath)) return; // a live supervisor that did not answer (or no lock): leave it
        try
        {
            using var l = SocketLock.TryAcquire(socketPath, out _);
            l?.ClaimPath(); // removes the socket only if nothing answers on it; disposing drops the lock
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours to remove (a read-only directory inside a tree) or not a socket: it stays, harmless.
        }
    }

    /// <summary>The error for a socket whose supervisor refused us: we are in its tree.</summary>
    internal static ControlException Refused(string path) =>
        new($"refused: {path} belongs to the agentshell run supervising this process, and a supervised process cannot answer its own requests; run 'agentshell pending', 'watch' or 'approve' in a terminal outside the agent");
}
