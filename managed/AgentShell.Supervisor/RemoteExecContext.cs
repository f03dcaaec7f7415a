using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>The exec's view for parsers: envp is read from the syscall's own argument (not
/// /proc/PID/environ, which holds the caller's start-up environment), cwd and files through
/// /proc/PID. Read lazily, only when a parser asks, and before the notification is answered.</summary>
internal sealed class RemoteExecContext : IExecContext
{
    private readonly int _pid;
    private readonly ulong _envp;
    private readonly ExecReader _reader;
    private Dictionary<string, string>? _env;
    private string? _cwd;
    private bool _cwdRead;

    internal RemoteExecContext(int pid, ulong envp, ExecReader reader)
    {
        _pid = pid;
        _envp = envp;
        _reader = reader;
    }

    /// <summary>True when envp could not be read: parsers then see no variables, and the
    /// decision must not rely on their absence.</summary>
    internal bool EnvironmentUnreadable { get; private set; }

    public string? GetEnvironmentVariable(string name)
    {
        if (_env == null)
        {
            _env = new Dictionary<string, string>(StringComparer.Ordinal);
            // A fresh reader: the argv of this exec lives in the thread's reader buffers.
            var r = new ExecReader();
            if (r.ReadVector(_pid, _envp, out var envp) != ReadFailure.None) EnvironmentUnreadable = true;
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
            _ = _reader;
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
        // Resolve against the target's root and cwd, as the kernel would for it.
        string full = path.StartsWith('/') ? $"/proc/{_pid}/root{path}" : $"/proc/{_pid}/cwd/{path}";
        try
        {
            using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buf = new byte[maxBytes];
            int n = fs.ReadAtLeast(buf, maxBytes, throwOnEndOfStream: false);
            return buf[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
