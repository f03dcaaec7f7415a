using System.Runtime.InteropServices;

namespace AgentShell.Supervisor.Approval;

/// <summary>A run's control socket, bound before the tree starts (so that it is among the paths
/// made read-only for the tree), and its <see cref="SocketLock"/>: <c>PATH.lock</c>, held with
/// flock(LOCK_EX) by the supervisor for as long as it lives. The kernel drops the lock when the
/// supervisor dies however it dies, so a client calls a socket stale only when it can take that
/// lock itself (<see cref="SocketPaths.IsStale"/>): a live supervisor's socket is never removed.
/// PERF: a plain fd, not a System.Net.Sockets.Socket: the first Socket starts the runtime's socket
/// thread (spinning the starting thread until it runs), which a run needs only once a client comes.</summary>
public sealed class ControlEndpoint : IDisposable
{
    private readonly SocketLock _lock;

    private ControlEndpoint(SocketLock l, FdHandle listener, (ulong Dev, ulong Ino) identity)
    {
        _lock = l;
        Listener = listener;
        Identity = identity;
    }

    /// <summary>The socket's path.</summary>
    public string Path => _lock.SocketPath;
    /// <summary>The lock file beside it.</summary>
    public string LockPath => LockPathOf(Path);
    /// <summary>The listening socket.</summary>
    internal FdHandle Listener { get; }
    /// <summary>Device and inode of the socket file.</summary>
    public (ulong Dev, ulong Ino) Identity { get; }

    /// <summary>The lock file of the socket at <paramref name="socketPath"/>.</summary>
    public static string LockPathOf(string socketPath) => socketPath + ".lock";

    /// <summary>Takes the lock (refused when a live process holds it), clears the path of what a
    /// dead owner left, then binds <paramref name="path"/> (mode 0600) and listens.</summary>
    public static ControlEndpoint Bind(string path)
    {
        // The lock first: a client that finds the socket can always find its owner's lock.
        var l = SocketLock.TryAcquire(path, out int owner)
            ?? throw new IOException($"{path} belongs to a live agentshell process{(owner > 0 ? $" (pid {owner})" : "")}; choose another socket path");
        FdHandle? s = null;
        try
        {
            l.ClaimPath();
            int fd = Interop.UnixSockets.BindStream(path, out var e);
            if (fd < 0) throw new IOException($"cannot bind the control socket {path}: {Marshal.GetPInvokeErrorMessage((int)e)}");
            s = new FdHandle(fd);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (Interop.UnixSockets.StartListening(fd, 16) is var le and not 0)
                throw new IOException($"cannot listen on the control socket {path}: {Marshal.GetPInvokeErrorMessage((int)le)}");
            if (!Interop.Files.TryStat(path, out var st)) throw new IOException($"cannot stat {path}");
            return new ControlEndpoint(l, s, st.Identity);
        }
        catch
        {
            s?.Dispose();
            l.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening, removes the socket (lock still held), then lets the lock go.</summary>
    public void Dispose()
    {
        StopListening();
        _lock.Dispose();
    }

    /// <summary>Wakes a thread blocked in accept on it (EINVAL) and closes it; again, nothing.</summary>
    internal void StopListening()
    {
        lock (Listener)
        {
            if (Listener.IsClosed) return;
            Interop.UnixSockets.Shutdown(Listener.Fd);
            Listener.Dispose();
        }
    }
}
