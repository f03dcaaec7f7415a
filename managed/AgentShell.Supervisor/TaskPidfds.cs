namespace AgentShell.Supervisor;

/// <summary>The pidfds of the last few tasks one receiving thread connected for: a loop of
/// connects from one process costs one pidfd_getfd each, not a pidfd_open, a getfd and a close.
/// One per receiving thread (no lock); closed when the thread ends.
/// <para>Kernel fact that makes a cached pidfd safe: a pidfd names one struct pid, which is never
/// reused. While it lives, its number is that task's and no other's (live pids are unique), so the
/// cached pidfd of tid T resolves to the task now notifying as T; once it is dead, pidfd_getfd
/// fails with ESRCH and the pidfd is opened again.</para></summary>
internal sealed class TaskPidfds : IDisposable
{
    private const int Slots = 8;
    private readonly int[] _tids = new int[Slots];
    private readonly int[] _fds = [-1, -1, -1, -1, -1, -1, -1, -1];
    private int _next;

    /// <summary>pidfd_getfd(<paramref name="targetFd"/>) of the task <paramref name="tid"/> that made
    /// notification <paramref name="id"/>: a dup of its fd, or -1 with <paramref name="errno"/>
    /// (ESRCH: the task is gone).</summary>
    public int GetFd(int listener, ulong id, int tid, int targetFd, out Errno errno)
    {
        int slot = Array.IndexOf(_tids, tid);
        if (slot >= 0 && _fds[slot] >= 0)
        {
            int fd = Interop.Pidfd.GetFd(_fds[slot], targetFd, out errno);
            if (fd >= 0 || errno != Errno.ESRCH) return fd;
            Drop(slot); // its task is dead: tid T is someone else now, if anyone
        }
        // OpenTask: a thread that is not its process's leader gets a PIDFD_THREAD pidfd (pidfd_open of
        // its tid alone fails ENOENT on 6.18), which pidfd_getfd takes like any other.
        int pidfd = Interop.Pidfd.OpenTask(tid);
        if (pidfd < 0) { errno = Errno.ESRCH; return -1; }
        // The notifying task may have died and its tid been reused between the notification and the
        // open: the notification still pending after the open proves the pidfd is its task.
        if (!Interop.Seccomp.IdValid(listener, id))
        {
            Interop.Libc.close(pidfd);
            errno = Errno.ESRCH;
            return -1;
        }
        slot = _next;
        _next = (_next + 1) % Slots;
        Drop(slot);
        _tids[slot] = tid;
        _fds[slot] = pidfd;
        return Interop.Pidfd.GetFd(pidfd, targetFd, out errno);
    }

    private void Drop(int slot)
    {
        if (_fds[slot] >= 0) Interop.Libc.close(_fds[slot]);
        _fds[slot] = -1;
        _tids[slot] = 0;
    }

    public void Dispose()
    {
        for (int i = 0; i < Slots; i++) Drop(i);
    }
}
