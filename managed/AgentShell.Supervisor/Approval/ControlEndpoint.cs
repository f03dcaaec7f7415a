using System.Net.Sockets;

namespace AgentShell.Supervisor.Approval;

/// <summary>A run's control socket, bound before the tree starts (so that it is among the paths
/// made read-only for the tree), and its lock: <c>PATH.lock</c>, held with flock(LOCK_EX) by the
/// supervisor for as long as it lives. The kernel drops the lock when the supervisor dies however
/// it dies, so a client calls a socket stale only when it can take that lock itself
/// (<see cref="SocketPaths.IsStale"/>): a live supervisor's socket is never removed.</summary>
public sealed class ControlEndpoint : IDisposable
{
    private readonly FdHandle _lock;

    private ControlEndpoint(string path, Socket listener, FdHandle lockFd, (ulong Dev, ulong Ino) identity)
    {
        Path = path;
        Listener = listener;
        _lock = lockFd;
        Identity = identity;
    }

    /// <summary>The socket's path.</summary>
    public string Path { get; }
    /// <summary>The lock file beside it.</summary>
    public string LockPath => LockPathOf(Path);
    /// <summary>The listening socket.</summary>
    internal Socket Listener { get; }
    /// <summary>Device and inode of the socket file.</summary>
    public (ulong Dev, ulong Ino) Identity { get; }

    /// <summary>The lock file of the socket at <paramref name="socketPath"/>.</summary>
    public static string LockPathOf(string socketPath) => socketPath + ".lock";

    /// <summary>Takes the lock, then binds <paramref name="path"/> (mode 0600) and listens.</summary>
    public static ControlEndpoint Bind(string path)
    {
        // The lock first: a client that finds the socket can always find its owner's lock.
        int fd = Interop.Files.Open(LockPathOf(path), Interop.Files.O_RDWR | Interop.Files.O_CREAT | Interop.Files.O_CLOEXEC, out var e, 0b110_000_000);
        if (fd < 0) throw ThrowHelper.Syscall($"open({LockPathOf(path)})", e);
        var lockFd = new FdHandle(fd);
        Socket? s = null;
        try
        {
            if (Interop.Files.TryLockExclusive(fd) is var le and not 0) throw ThrowHelper.Syscall($"flock({LockPathOf(path)})", le);
            if (File.Exists(path)) File.Delete(path);
            s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            s.Listen(16);
            if (!Interop.Files.TryStat(path, out var st)) throw new IOException($"cannot stat {path}");
            return new ControlEndpoint(path, s, lockFd, st.Identity);
        }
        catch
        {
            s?.Dispose();
            lockFd.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening, removes the socket and its lock, then lets the lock go.</summary>
    public void Dispose()
    {
        Listener.Dispose();
        try { File.Delete(Path); }
        catch (IOException)
        {
            // Left behind, it is found stale (its lock is free once we exit) and removed by a client.
        }
        try { File.Delete(LockPath); }
        catch (IOException)
        {
            // As above: a lock file nobody holds marks a stale socket, never a live one.
        }
        _lock.Dispose();
    }
}
