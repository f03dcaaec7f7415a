using AgentShell.Core.Config;

namespace AgentShell.Core.Model;

/// <summary>What a parser may ask about the process that runs a command. The supervisor answers
/// from the exec's envp and <c>/proc/PID/cwd</c>; <c>check</c> answers from its own process.</summary>
public interface IExecContext
{
    /// <summary>A variable of the environment passed to the exec (not the caller's start-up one).</summary>
    string? GetEnvironmentVariable(string name);

    /// <summary>Which of <paramref name="names"/> the exec's environment sets, one bit per index
    /// (<see cref="VariableNames"/>): a clear bit means <see cref="GetEnvironmentVariable"/> returns
    /// null for that name; a set bit means look it up. Never a clear bit for a set variable (a
    /// production <c>RAILS_ENV</c> missed would be a destructive command allowed). This default
    /// sets every bit; a context that can scan its environment once for all names overrides it.</summary>
    ulong VariablesSet(VariableNames names) => ulong.MaxValue;

    /// <summary>Working directory of the process, or null when unknown.</summary>
    string? WorkingDirectory { get; }

    /// <summary>Reads a file named in argv (relative to <see cref="WorkingDirectory"/>), at most
    /// <paramref name="maxBytes"/>; null when it cannot be read.</summary>
    byte[]? ReadFile(string path, int maxBytes);

    /// <summary>Reads a configuration file the tool reads by itself (<c>~/.curlrc</c>, a
    /// kubeconfig), as the process would find it (relative to <see cref="WorkingDirectory"/>),
    /// bounded by <see cref="ConfigFile.MaxBytes"/>. The supervisor's and <c>check</c>'s contexts
    /// tell a missing file from one they cannot read and cache by file identity; this default,
    /// for contexts that only have <see cref="ReadFile"/>, takes an unreadable file for a missing one.</summary>
    ConfigFile ReadConfigFile(string path) => ConfigFile.FromRead(path, ReadFile(path, ConfigFile.MaxBytes + 1));

    /// <summary>True under <c>run</c>: every connect of the process meets the connect gate (and,
    /// to production, the wire layer), which decides it on its address and on what it sends, and
    /// every command it starts is an exec decided on its own. Then what an interpreter one-liner's
    /// code would do is left to those decisions instead of pausing or refusing the interpreter
    /// on a reading of its code. <c>check</c> and hooks have no gate: false.</summary>
    bool ConnectsGated => false;

    /// <summary>The entries of a directory (relative to <see cref="WorkingDirectory"/>): each name and
    /// whether it is a directory (a symbolic link is not one: find does not follow it); null when it
    /// cannot be listed or holds more than <paramref name="max"/> entries. This default lists nothing.</summary>
    IReadOnlyList<(string Name, bool Directory)>? ListDirectory(string path, int max) => null;
}

/// <summary>An <see cref="IExecContext"/> over this process (used by <c>check</c> and tests).</summary>
public sealed class LocalExecContext : IExecContext
{
    private readonly IReadOnlyDictionary<string, string>? _env;
    private readonly ConfigFileCache _cache;
    private readonly MissingFileWatch _missing;

    /// <summary>Uses this process's environment and cwd, or the given overrides; configuration
    /// files go through <paramref name="cache"/> and <paramref name="missing"/> (default: the shared ones).</summary>
    public LocalExecContext(IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, ConfigFileCache? cache = null,
        MissingFileWatch? missing = null)
    {
        _env = environment;
        WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
        _cache = cache ?? ConfigFileCache.Shared;
        _missing = missing ?? MissingFileWatch.Local;
    }

    /// <inheritdoc/>
    public string? WorkingDirectory { get; }

    /// <inheritdoc/>
    public string? GetEnvironmentVariable(string name) =>
        _env != null ? (_env.TryGetValue(name, out var v) ? v : null) : Environment.GetEnvironmentVariable(name);

    /// <inheritdoc/>
    /// <remarks>One pass over a given environment whose names compare ordinally (as its lookups do);
    /// this process's environment, or another comparer, is looked up name by name.</remarks>
    public ulong VariablesSet(VariableNames names)
    {
        if (_env is not Dictionary<string, string> d || !ReferenceEquals(d.Comparer, EqualityComparer<string>.Default) && !ReferenceEquals(d.Comparer, StringComparer.Ordinal))
            return ulong.MaxValue;
        ulong set = names.Unmatched;
        foreach (var name in d.Keys) set |= names.Match(name);
        return set;
    }

    /// <inheritdoc/>
    public byte[]? ReadFile(string path, int maxBytes)
    {
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(WorkingDirectory ?? ".", path);
        // A FIFO or a device is not read (it could hang the check) and is not content: null.
        return LocalFiles.Read(full, maxBytes, out var bytes) == LocalFiles.Outcome.Read ? bytes : null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, bool Directory)>? ListDirectory(string path, int max)
    {
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(WorkingDirectory ?? ".", path);
        try
        {
            var found = new List<(string, bool)>();
            foreach (var e in new System.IO.DirectoryInfo(full).EnumerateFileSystemInfos())
            {
                if (found.Count >= max) return null;
                found.Add((e.Name, e is System.IO.DirectoryInfo && (e.Attributes & System.IO.FileAttributes.ReparsePoint) == 0));
            }
            return found;
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or System.Security.SecurityException) { return null; }
    }

    /// <inheritdoc/>
    /// <remarks>Files are opened non-blocking and read only when regular, cached by the stamp of the
    /// file opened (<see cref="LocalFiles.ReadConfig"/>), so a FIFO or a device put in a configuration
    /// file's place can neither hang a check nor pass for an empty file.</remarks>
    public ConfigFile ReadConfigFile(string path)
    {
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(WorkingDirectory ?? ".", path);
        bool drain = !_drained;
        _drained = true;
        return _missing.Find("", full, drain, (Context: this, path, full), static s => s.Context.Lookup(s.path, s.full));
    }

    private bool _drained;

    /// <summary>Starts another decision with this context (a bench or a loop reusing it): its first
    /// configuration lookup takes in every file-system change made until then.</summary>
    public void NextDecision() => _drained = false;

    private ConfigFile Lookup(string path, string full) => LocalFiles.ReadConfig(full, path, _cache);
}
