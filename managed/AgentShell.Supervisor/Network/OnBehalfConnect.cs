namespace AgentShell.Supervisor.Network;

/// <summary>connect() made by the supervisor on a dup of a process's socket (pidfd_getfd), to a
/// sockaddr the supervisor holds: the address that was checked or approved, never one re-read from
/// the process's memory, which another thread can rewrite after the check (kernel-notes pitfall 2).</summary>
internal static class OnBehalfConnect
{
    /// <summary>Connects socket <paramref name="sockFd"/> of <paramref name="pid"/> to
    /// <paramref name="sockaddr"/>; 0 or the errno the process should see (EINPROGRESS for a
    /// non-blocking socket). A process gone or out of reach gets EPERM: nothing is connected.</summary>
    /// <param name="listener">With <paramref name="id"/>: the notification the task is waiting in,
    /// checked once the pidfd is open, so a tid reused since by another process is never touched.</param>
    internal static int Connect(int listener, ulong id, int pid, int sockFd, ReadOnlySpan<byte> sockaddr)
    {
        int fd = Dup(pid, sockFd, listener, id);
        if (fd < 0) return -fd;
        try { return Interop.Sockets.Connect(fd, sockaddr); }
        finally { Interop.Libc.close(fd); }
    }

    /// <summary>A dup of socket <paramref name="sockFd"/> of <paramref name="pid"/> (the caller
    /// closes it), or minus the errno to answer: EBADF for no such fd, else EPERM (the process is
    /// gone or out of reach: nothing to connect).</summary>
    internal static int Dup(int pid, int sockFd, int listener = -1, ulong id = 0)
    {
        int pidfd = Interop.Pidfd.OpenTask(pid);
        if (pidfd < 0) return -(int)Errno.EPERM;
        int fd = -1;
        Errno e = Errno.EPERM;
        try
        {
            if (listener < 0 || Interop.Seccomp.IdValid(listener, id)) fd = Interop.Pidfd.GetFd(pidfd, sockFd, out e);
        }
        finally { Interop.Libc.close(pidfd); }
        return fd >= 0 ? fd : -(int)(e == Errno.EBADF ? Errno.EBADF : Errno.EPERM);
    }

    /// <summary>Connects <paramref name="fd"/> (a dup of the process's socket, closed here) to
    /// <paramref name="sockaddr"/> on the thread pool and answers notification <paramref name="id"/>
    /// with the result: a blocking connect waits (a handshake, a full backlog), never on the receiving
    /// thread. Answered whatever happens; a failure refuses. <paramref name="alsoClose"/>: an fd the
    /// sockaddr names (closed once connected), or -1.</summary>
    internal static void Later(int listener, ulong id, int pid, int fd, byte[] sockaddr, TextWriter log, int alsoClose = -1)
    {
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            int err = (int)Errno.EPERM;
            try { err = Interop.Sockets.Connect(fd, sockaddr); }
            catch (Exception ex) { log.WriteLine($"agentshell: connect on behalf of pid {pid} failed, refused: {ex.Message}"); }
            finally
            {
                Interop.Libc.close(fd);
                if (alsoClose >= 0) Interop.Libc.close(alsoClose);
                var se = Interop.Seccomp.Send(listener, id, -err, 0);
                if (se != 0 && se != Errno.ENOENT) log.WriteLine($"agentshell: seccomp send failed: {se}");
            }
        }, null);
    }
}
