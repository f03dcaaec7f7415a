using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>The exec's view for parsers: envp is read from the syscall's own argument (not
/// /proc/PID/environ, which holds the caller's start-up environment), cwd and files through
/// /proc/PID. Read lazily, only when a parser asks, and before the notification is answered.
/// One per receiving thread, <see cref="Reset"/> for each exec: nothing is allocated for an exec
/// whose parser asks nothing (the common case).</summary>
internal sealed class RemoteExecContext : IExecContext
{
    private readonly ExecReader _envReader; // its own buffers: the thread's reader holds this exec's argv
    private readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);
    private int _pid;
    private ulong _envp;
    private bool _envRead;
    private string? _cwd;
    private bool _cwdRead;

    internal RemoteExecContext(ExecReader envReader) => _envReader = envReader;

    /// <summary>Points the context at the next exec.</summary>
    internal void Reset(int pid, ulong envp)
    {
        _pid = pid;
        _envp = envp;
        if (_envRead) _env.Clear();
        _envRead = false;
        _cwd = null;
        _cwdRead = false;
        EnvironmentUnreadable = false;
    }

    /// <summary>True when envp could not be read: parsers then see no variables, and the
    /// decision must not rely on their absence.</summary>
    internal bool EnvironmentUnreadable { get; private set; }

    public string? GetEnvironmentVariable(string name)
    {
        if (!_envRead)
        {
            _envRead = true;
            if (_envReader.ReadVector(_pid, _envp, out var envp) != ReadFailure.None) EnvironmentUnreadable = true;
            else
            {
                for (int i = 0; i < envp.Count; i++)
                {
                    var kv = envp[i];
                    int eq = kv.IndexOf((byte)'=');
                    if (eq <= 0) continue;
                    _env.TryAdd(Encoding.UTF8.GetString(kv[..eq]), Encoding.UTF8.GetString(kv[(eq + 1)..]));
                }
            }
        }
        return _env.TryGetValue(name, out var v) ? v : null;
    }

    public string? WorkingDirectory
    {
        get
        {
            if (!_cwdRead)
            {
                _cwdRead = true;
                try { _cwd = new DirectoryInfo($"/proc/{_pid}/cwd").LinkTarget; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _cwd = null; }
            }
            return _cwd;
        }
    }

    public byte[]? ReadFile(string path, int maxBytes)
    {
        // Resolve against the target's root and cwd, as the kernel would for it. Only a regular
        // file is read: a FIFO, a device or a /proc link (a symlink to /dev/stdin resolves to the
        // supervisor's own descriptors) has no content the tool will also see; the open must not
        // block on a FIFO either.
        int fd = Interop.Files.Open(ProcessInfo.ProcPath(_pid, path), Interop.Files.ReadOnlyNoWait, out _);
        if (fd < 0) return null;
        try
        {
            if (!Interop.Files.TryFStat(fd, out var st) || !st.IsRegular) return null;
            var buf = new byte[(int)Math.Clamp(st.Size + 1, 1, maxBytes)]; // +1: a file that grew is seen to be longer
            int total = 0;
            while (total < buf.Length)
            {
                int n = Interop.Files.Read(fd, buf.AsSpan(total), out _);
                if (n <= 0) break;
                total += n;
            }
            return total == buf.Length ? buf : buf[..total];
        }
        finally { Interop.Libc.close(fd); }
    }
}
