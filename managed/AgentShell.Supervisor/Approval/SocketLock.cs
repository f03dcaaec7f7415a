using System.Globalization;
using System.Text;

namespace AgentShell.Supervisor.Approval;

/// <summary>Who owns a socket path: the process holding an exclusive flock on <c>PATH.lock</c>
/// beside it, for as long as it serves the socket. The kernel drops the lock when its holder dies,
/// so a socket whose lock can be taken has no live owner and may be replaced; one whose lock is
/// held is never touched. (A connect that fails proves nothing: a starting owner has bound but not
/// yet listened, a busy one has a full backlog.) The lock file itself stays: removing it would let
/// two processes lock two different files of the same name.</summary>
public sealed class SocketLock : IDisposable
{
    private readonly FdHandle _fd;
    private bool _ownsSocket;

    private SocketLock(FdHandle fd, string socketPath)
    {
        _fd = fd;
        SocketPath = socketPath;
    }

    /// <summary>The socket path this lock guards.</summary>
    public string SocketPath { get; }

    /// <summary>Takes the lock of <paramref name="socketPath"/>; null when a live process holds it
    /// (<paramref name="ownerPid"/>: the pid it wrote there, 0 when unknown).</summary>
    public static SocketLock? TryAcquire(string socketPath, out int ownerPid)
    {
        ownerPid = 0;
        string path = socketPath + ".lock";
        int fd = Interop.Files.Open(path, Interop.Files.O_RDWR | Interop.Files.O_CREAT | Interop.Files.O_CLOEXEC | Interop.Files.O_NOFOLLOW | Interop.Files.O_NOCTTY,
            out var e, mode: 0x180 /* 0600 */);
        if (fd < 0) throw new IOException($"cannot open {path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)e)}");
        var handle = new FdHandle(fd);
        if (!Interop.Files.TryFStat(fd, out var st) || !st.IsRegular)
        {
            handle.Dispose();
            throw new IOException($"{path} is not a regular file; remove it");
        }
        var le = Interop.Files.TryLockExclusive(fd);
        if (le == Errno.EAGAIN)
        {
            ownerPid = ReadPid(fd);
            handle.Dispose();
            return null;
        }
        if (le != 0)
        {
            handle.Dispose();
            throw ThrowHelper.Syscall($"flock({path})", le);
        }
        // For the message another process prints when it finds the lock held.
        if (Interop.Files.FTruncate(fd) == 0)
            Interop.Files.WriteOnce(fd, Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), out _);
        return new SocketLock(handle, socketPath);
    }

    /// <summary>With the lock held: clears the path for a new socket. What a dead owner left there
    /// (a socket nobody listens on) is removed; a socket something else still answers on, or any
    /// other kind of file, is left alone and refused.</summary>
    public void ClaimPath()
    {
        if (Interop.Files.TryLStat(SocketPath, out var st))
        {
            if (!st.IsSocket) throw new IOException($"{SocketPath} exists and is not a socket; remove it or choose another path");
            int c = Interop.UnixSockets.Connect(SocketPath, out var e);
            if (c >= 0)
            {
                Interop.Libc.close(c);
                throw new IOException($"{SocketPath} is in use by another program (it holds no agentshell lock)");
            }
            if (e == Errno.ENOENT) { _ownsSocket = true; return; } // removed in between
            if (e != Errno.ECONNREFUSED) throw new IOException($"{SocketPath} is in use or unreachable ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage((int)e)})");
            File.Delete(SocketPath); // its owner is gone: it held this lock while it lived
        }
        _ownsSocket = true;
    }

    private static int ReadPid(int fd)
    {
        Span<byte> buf = stackalloc byte[16];
        int n = Interop.Files.PRead(fd, buf);
        return n > 0 && int.TryParse(Encoding.ASCII.GetString(buf[..n]).Trim(), out int pid) ? pid : 0;
    }

    /// <summary>Removes the socket (while still holding the lock, so nobody judges it stale in between), then releases the lock.</summary>
    public void Dispose()
    {
        if (_ownsSocket)
        {
            try { File.Delete(SocketPath); }
            catch (IOException) { } // already gone; a new owner needs the lock first, so nothing else is removed
            catch (UnauthorizedAccessException) { } // the directory changed under us: the next owner finds it stale
        }
        _fd.Dispose();
    }
}
