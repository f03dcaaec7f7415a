using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>A Unix connect of the tree made by the supervisor to the file it judged, while a listed
/// command server outside the tree exists (<see cref="CommandServers.AnyOutside"/>). A CONTINUE would
/// let the kernel copy the sockaddr and look its path up again after the check: another thread
/// rewriting sun_path, or a symlink swapped in a directory the tree writes, made that second lookup
/// name the outside server (tests/adversarial/native/unix-race.c: 1–3 in 200 on main). The judged
/// file is held as an O_PATH fd, and the process's socket (a dup, pidfd_getfd) is connected to
/// /proc/self/fd/N: the kernel follows that magic link to the same inode, whatever the path names
/// by then. The server sees the supervisor's pid in SO_PEERCRED, and the task's uid and gid: a task
/// whose credentials differ from ours is connected by <see cref="UnixOnBehalfAs"/>, with its own. tmux
/// and screen test the peer's uid only, and the approval socket, which refuses tree pids, is refused
/// by identity before any connect is made.</summary>
internal static class UnixOnBehalf
{
    /// <summary>sockaddr_un of /proc/self/fd/<paramref name="fd"/> into <paramref name="into"/> (at least 32 bytes): its length.</summary>
    internal static int Sockaddr(int fd, Span<byte> into)
    {
        into[0] = 1; // AF_UNIX, little-endian
        into[1] = 0;
        "/proc/self/fd/"u8.CopyTo(into[2..]);
        int k = 2 + "/proc/self/fd/".Length;
        fd.TryFormat(into[k..], out int w, provider: System.Globalization.CultureInfo.InvariantCulture);
        k += w;
        into[k++] = 0;
        return k;
    }

    /// <summary>Connects socket <paramref name="sockFd"/> of the notified task to the file
    /// <paramref name="pathFd"/> (an O_PATH fd, owned and closed here) and answers with the connect's
    /// result. A Unix connect waits only while the listener's backlog is full: it is tried
    /// non-blocking inline (a blocking socket is made non-blocking for that call and back), and only a
    /// blocking socket that met a full backlog waits, off the receiving thread.
    /// PERF: the thread pool's hop cost ~20 µs a connect here; three fcntl calls ~1.</summary>
    public static Verdict Connect(int listener, ref seccomp_notif n, int sockFd, int pathFd, ReadOnlySpan<byte> path, TaskPidfds pidfds, TextWriter log)
    {
        int pid = (int)n.pid;
        int fd = pidfds.GetFd(listener, n.id, pid, sockFd, out var e);
        if (fd < 0)
        {
            Interop.Libc.close(pathFd);
            // As OnBehalfConnect.Dup: EBADF for no such fd, else EPERM (gone or out of reach: nothing to connect).
            return Verdict.Result((int)(e == Errno.EBADF ? Errno.EBADF : Errno.EPERM));
        }
        // The kernel checks a Unix connect with the connecting task's credentials (search on the path's
        // directories, write on the socket) and hands them to the server (SO_PEERCRED). A task whose
        // credentials differ from ours (a tree that dropped to another user under a root supervisor)
        // is connected with its own (UnixOnBehalfAs).
        if (!TaskCredentials.TreeCannotDiffer)
        {
            var task = TaskCredentials.OfTask(pid);
            // Still waiting after the read: the status read was the notifying task's (its tid not reused).
            if (task != null && !Interop.Seccomp.IdValid(listener, n.id)) task = null;
            if (task == null || TaskCredentials.Self is not { } self)
            {
                Interop.Libc.close(fd);
                Interop.Libc.close(pathFd);
                log.WriteLine($"agentshell: pid {pid}'s Unix connect refused: its credentials could not be read");
                return Verdict.Result((int)Errno.EPERM);
            }
            if (!task.ChecksAs(self))
            {
                var answer = UnixOnBehalfAs.Connect(pid, fd, pathFd, path, task, self, log);
                Interop.Libc.close(fd);
                Interop.Libc.close(pathFd);
                return answer;
            }
        }
        Span<byte> sa = stackalloc byte[32];
        int len = Sockaddr(pathFd, sa);
        int err = TryConnect(fd, sa[..len], out bool blocking);
        if (!blocking || err != (int)Errno.EAGAIN)
        {
            Interop.Libc.close(fd);
            Interop.Libc.close(pathFd);
            return Verdict.Result(err);
        }
        Network.OnBehalfConnect.Later(listener, n.id, pid, fd, sa[..len].ToArray(), log, alsoClose: pathFd);
        return Verdict.Parked;
    }

    /// <summary>connect(2) of <paramref name="socket"/> to <paramref name="sa"/>, tried non-blocking: 0 or
    /// the errno, EAGAIN where a <paramref name="blocking"/> socket met a full backlog. The process's
    /// thread is in this connect and its socket is not connected yet, so no other use of it sees the
    /// flag in between. PERF: one F_GETFL, and F_SETFL there and back only for a blocking socket.</summary>
    internal static int TryConnect(int socket, ReadOnlySpan<byte> sa, out bool blocking)
    {
        int flags = Interop.Sockets.StatusFlags(socket);
        blocking = flags < 0 || (flags & Interop.Sockets.NonBlockingFlag) == 0;
        bool flipped = flags >= 0 && blocking && Interop.Sockets.SetStatusFlags(socket, flags | Interop.Sockets.NonBlockingFlag);
        int err = blocking && !flipped ? (int)Errno.EAGAIN : Interop.Sockets.Connect(socket, sa);
        if (flipped) Interop.Sockets.SetStatusFlags(socket, flags);
        return err;
    }

    /// <summary>The pid that listens on the listed socket <paramref name="identity"/> (SO_PEERCRED of a
    /// probe connection carries the listener's credentials from its listen()); 0 when it is in another
    /// pid namespace, -1 when it cannot be learnt. The probe is made to the file at
    /// <paramref name="path"/> only while it is that socket: a socket of the tree's own renamed onto
    /// the listed path (the outside one moved away) is not asked in its place.</summary>
    public static int ListenerPid(string path, (ulong Dev, ulong Ino) identity) => ListenerPid(path, identity, out _);

    /// <summary>How long a socket file must have been bound without a listener before a refused probe
    /// calls it dead: a server binds, then listens at once (tmux, dockerd, systemd), so one that still
    /// refuses this long after its bind (its file's ctime) has no listener coming.</summary>
    internal static long DeadAfterNs = 2_000_000_000;

    /// <summary>As <see cref="ListenerPid(string, (ulong, ulong))"/>; <paramref name="dead"/>: the probe was
    /// refused (ECONNREFUSED: no socket listens on that file, the kernel's own answer) and the file was
    /// bound at least <see cref="DeadAfterNs"/> ago: a stale socket a killed server left behind.</summary>
    public static int ListenerPid(string path, (ulong Dev, ulong Ino) identity, out bool dead)
    {
        dead = false;
        int file = Interop.Files.Open(path, Interop.Files.O_PATH | 0x80000 /* O_CLOEXEC */, out _);
        if (file < 0) return -1;
        int probe = -1;
        try
        {
            if (!Interop.Files.TryFStat(file, out var st) || st.Identity != identity) return -1;
            probe = Interop.UnixSockets.NewProbe(out _);
            if (probe < 0) return -1;
            Span<byte> sa = stackalloc byte[32];
            int err = Interop.Sockets.Connect(probe, sa[..Sockaddr(file, sa)]);
            if (err == (int)Errno.ECONNREFUSED)
                dead = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100 - st.CtimeNs >= DeadAfterNs;
            if (err != 0) return -1;
            return Interop.UnixSockets.TryPeerCred(probe, out int pid, out _) ? pid : -1;
        }
        finally
        {
            if (probe >= 0) Interop.Libc.close(probe);
            Interop.Libc.close(file);
        }
    }
}
