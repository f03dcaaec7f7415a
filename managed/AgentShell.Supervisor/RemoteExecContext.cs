using System.Text;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor;

/// <summary>The exec's view for parsers: envp is read from the syscall's own argument (not
/// /proc/PID/environ, which holds the caller's start-up environment), cwd and files through
/// /proc/PID. Read lazily, only when a parser asks, and before the notification is answered.
/// One per receiving thread, <see cref="Reset"/> for each exec: nothing is allocated for an exec
/// whose parser asks nothing (the common case).</summary>
internal sealed class RemoteExecContext : IExecContext
{
    /// <inheritdoc/>
    public bool ConnectsGated => true;

    private readonly ExecReader _envReader; // its own buffers: the thread's reader holds this exec's argv
    // The variables a parser asked for this exec (null: not set), decoded from envp's bytes.
    private readonly Dictionary<string, string?> _looked = new(StringComparer.Ordinal);
    private int _pid;
    private ulong _envp;
    private bool _envRead;
    private Argv _envVector;
    private string? _cwd;
    private bool _cwdRead;

    private readonly ConfigFileCache _cache;
    private readonly MissingFileWatches? _watches;

    /// <param name="envReader">A reader of its own for envp.</param>
    /// <param name="watches">The tree's watches of missing files; null: every lookup is real.</param>
    /// <param name="cache">Files read, shared by the whole process.</param>
    internal RemoteExecContext(ExecReader envReader, MissingFileWatches? watches, ConfigFileCache? cache = null)
    {
        _envReader = envReader;
        _watches = watches;
        _cache = cache ?? ConfigFileCache.Shared;
    }

    /// <summary>Points the context at the next exec.</summary>
    internal void Reset(int pid, ulong envp)
    {
        _pid = pid;
        _envp = envp;
        if (_looked.Count > 0) _looked.Clear();
        _envRead = false;
        _cwd = null;
        _cwdRead = false;
        _watchFound = false;
        EnvironmentUnreadable = false;
        Program = null;
        ProgramStatus = null;
        ProgramMissing = false;
        Identified = null;
        JudgedForTreeServer = false;
        _readSince = 0;
        _reads?.Clear();
    }

    // The files the decision read, as the process names them, and the time just before the first
    // read (ConfigReads): a client that refuses the run CA is let through on the decision only while
    // none of them changed since (WireFallback.AllowsUndecided). PERF: nothing for an exec whose
    // parser reads no file.
    private List<string>? _reads;
    private long _readSince;

    private void Reading(string path)
    {
        if (_readSince == 0) _readSince = ConfigReads.Now();
        (_reads ??= []).Add(path);
    }

    /// <summary>What this exec's decision read (null: nothing), for <see cref="ConfigReads"/>.</summary>
    internal ConfigReads? Reads => _readSince == 0 ? null : new ConfigReads(_readSince, [.. _reads!]);

    /// <summary>What the decision's open of this exec's program found (a regular file), for the
    /// check of what the kernel commits; null when it was not opened.</summary>
    internal ProgramKind? Program { get; set; }

    /// <summary>The status of this exec's program as the decision found it (fstat of the file it
    /// opened, else a stat of its path); null when nothing was there or it was not looked at.</summary>
    internal FileStatus? ProgramStatus { get; set; }

    /// <summary>True when the decision's look at this exec's program found nothing there (ENOENT,
    /// ENOTDIR, or a path that could be neither opened nor stated): a PATH search's miss.</summary>
    internal bool ProgramMissing { get; set; }

    /// <summary>What the decision found this exec's program to be by its content (<see
    /// cref="Network.ExecutableIdentity.Identify(int, in FileStatus)"/> of the file it opened, a
    /// known tool's name or null); null when it did not look.</summary>
    internal IdentifiedProgram? Identified { get; set; }

    /// <summary>True when this exec's decision left out what a tmux or screen CLI hands a server
    /// outside the tree, since none was listed (<see cref="ExecDecider"/>).</summary>
    internal bool JudgedForTreeServer { get; set; }

    /// <summary>True when envp could not be read: parsers then see no variables, and the
    /// decision must not rely on their absence.</summary>
    internal bool EnvironmentUnreadable { get; private set; }

    public string? GetEnvironmentVariable(string name)
    {
        ReadEnvironment();
        if (_looked.TryGetValue(name, out var v)) return v;
        v = Find(name);
        _looked[name] = v;
        return v;
    }

    /// <summary>One pass over envp for all <paramref name="names"/> (a profile's EnvVars): no value
    /// decoded, no lookup cached. PERF: each name was a scan of envp of its own (six under the
    /// default profile) for every target whose environment is unknown. Compared as <see cref="Find"/>
    /// compares: an ASCII name as its bytes up to the '='; any other is left to it (always set).</summary>
    public ulong VariablesSet(VariableNames names)
    {
        ReadEnvironment();
        ulong set = names.Unmatched;
        var envp = _envVector;
        for (int i = 0; i < envp.Count; i++) set |= names.Match(envp[i]);
        return set;
    }

    /// <summary>The value of the first "<paramref name="name"/>=" in envp (as getenv), or null.
    /// PERF: found in the bytes read, only the value decoded; the whole environment was decoded into
    /// a dictionary for every exec a parser looked at (~7 KB of garbage each, the receiving thread's
    /// collections). An ASCII name is compared as its bytes: a variable whose name is not valid
    /// UTF-8 decodes to U+FFFD, never to an ASCII name; any other name is compared decoded, as before.</summary>
    private string? Find(string name)
    {
        if (name.Length == 0 || name.Contains('=')) return null; // no variable's name (before its first '=') is that
        var envp = _envVector;
        if (name.Length > 256 || !System.Text.Ascii.IsValid(name))
        {
            for (int i = 0; i < envp.Count; i++)
            {
                var kv = envp[i];
                int eq = kv.IndexOf((byte)'=');
                if (eq > 0 && Encoding.UTF8.GetString(kv[..eq]) == name) return Encoding.UTF8.GetString(kv[(eq + 1)..]);
            }
            return null;
        }
        Span<byte> key = stackalloc byte[name.Length];
        System.Text.Ascii.FromUtf16(name, key, out _);
        int n = key.Length;
        for (int i = 0; i < envp.Count; i++)
        {
            var kv = envp[i];
            if (kv.Length > n && kv[n] == (byte)'=' && kv.StartsWith(key)) return Encoding.UTF8.GetString(kv[(n + 1)..]);
        }
        return null;
    }

    /// <summary>The exec's envp as read from its memory (views over this context's buffers, valid
    /// until the next <see cref="Reset"/>); false when it could not be read.</summary>
    internal bool TryGetEnvironment(out Argv envp)
    {
        ReadEnvironment();
        envp = _envVector;
        return !EnvironmentUnreadable;
    }

    private void ReadEnvironment()
    {
        if (_envRead) return;
        _envRead = true;
        _envVector = default;
        if (_envReader.ReadVector(_pid, _envp, out var envp) != ReadFailure.None) { EnvironmentUnreadable = true; return; }
        _envVector = envp;
    }

    public string? WorkingDirectory
    {
        get
        {
            if (!_cwdRead)
            {
                _cwdRead = true;
                _cwd = ProcessInfo.WorkingDirectory(_pid);
            }
            return _cwd;
        }
    }

    // Both resolve against the target's root and cwd, as the kernel would for it, and read only
    // regular files (a FIFO named as a request body must not stall the decision).
    public byte[]? ReadFile(string path, int maxBytes)
    {
        Reading(path);
        return TargetFiles.Read(ProcessInfo.ProcPath(_pid, path), maxBytes, ProcessView.Of(_pid, path));
    }

    public ConfigFile ReadConfigFile(string path)
    {
        Reading(path);
        // The cache key is the path as the process names it (absolute where its cwd is known), with
        // the file's identity: every process of the tree that finds the same file shares one read.
        string key = Path.IsPathRooted(path) || WorkingDirectory is not string cwd ? path : Path.Combine(cwd, path);
        string proc = ProcessInfo.ProcPath(_pid, path);
        var view = ProcessView.Of(_pid, path);
        if (!Path.IsPathRooted(path)) return TargetFiles.ReadConfig(proc, key, _cache, view);
        // PERF: the first absolute lookup of each exec names the process's root (one statx) and
        // drains that root's watch (one poll); a file known missing then costs no syscall.
        bool drain = !_watchFound;
        if (!_watchFound)
        {
            _watchFound = true;
            _watch = _watches?.For(_pid);
            _root = $"/proc/{_pid}/root";
        }
        if (_watch == null) return TargetFiles.ReadConfig(proc, key, _cache, view);
        return _watch.Find(_root, path, drain, (proc, key, _cache, view), static s => TargetFiles.ReadConfig(s.proc, s.key, s._cache, s.view));
    }

    private bool _watchFound;
    private MissingFileWatch? _watch;
    private string _root = "";
}

/// <summary>The answer of one look at a program's content: a known tool's name, or null for none.</summary>
internal readonly record struct IdentifiedProgram(string? Tool);
