using System.Net.Sockets;

namespace AgentShell.Supervisor.Approval;

/// <summary>A run's control socket, bound before the tree starts (so that it is among the paths
/// made read-only for the tree), and its <see cref="SocketLock"/>: <c>PATH.lock</c>, held with
/// flock(LOCK_EX) by the supervisor for as long as it lives. The kernel drops the lock when the
/// supervisor dies however it dies, so a client calls a socket stale only when it can take that
/// lock itself (<see cref="SocketPaths.IsStale"/>): a live supervisor's socket is never removed.</summary>
public sealed class ControlEndpoint : IDisposable
{
    private readonly SocketLock _lock;

    private ControlEndpoint(SocketLock l, Socket listener, (ulong Dev, ulong Ino) identity)
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
    internal Socket Listener { get; }
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
        Socket? s = null;
        try
        {
            l.ClaimPath();
            s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            s.Listen(16);
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
        Listener.Dispose();
        _lock.Dispose();
    }
}
