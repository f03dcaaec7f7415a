using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>Writes the one-line reason of a refusal to the refused process's stderr, through a
/// dup of its fd 2 (pidfd_open + pidfd_getfd), so the agent reads why.</summary>
internal sealed class BlockNotifier
{
    private readonly Lock _gate = new();
    private (int Pid, ulong Hash, long Ticks) _last;

    /// <summary>Like <see cref="Write"/>, but once per (pid, argv) within a second: a PATH search
    /// (dash tries every directory) must not print the line four times.</summary>
    public void WriteOnce(int pid, in Argv argv, string line)
    {
        ulong h = 14695981039346656037; // FNV-1a over every arg and its terminator
        for (int i = 0; i < argv.Count; i++)
        {
            foreach (byte b in argv[i]) h = (h ^ b) * 1099511628211;
            h = (h ^ 0) * 1099511628211;
        }
        long now = Environment.TickCount64;
        lock (_gate)
        {
            if (_last.Pid == pid && _last.Hash == h && now - _last.Ticks < 1000) return;
            _last = (pid, h, now);
        }
        Write(pid, line);
    }

    /// <summary>Writes <paramref name="line"/> and a newline to fd 2 of <paramref name="pid"/>. Best effort:
    /// the refusal stands even when the message cannot be delivered. False when it could not be
    /// (the process has ended, or has no fd 2).</summary>
    public unsafe bool Write(int pid, string line)
    {
        int pidfd = Interop.Pidfd.OpenTask(pid);
        if (pidfd < 0) return false;
        try
        {
            int fd = Interop.Pidfd.GetFd(pidfd, 2, out _);
            if (fd < 0) return false;
            try
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                fixed (byte* p = bytes) return Interop.Libc.write(fd, p, bytes.Length) > 0;
            }
            finally { Interop.Libc.close(fd); }
        }
        finally { Interop.Libc.close(pidfd); }
    }
}
