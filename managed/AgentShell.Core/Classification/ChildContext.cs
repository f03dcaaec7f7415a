using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>The environment a wrapped command sees: the exec's environment with the wrapper's
/// changes (<c>env -i</c>, <c>env -u</c>, <c>NAME=value</c> prefixes, <c>env -C</c>, a script's
/// <c>cd</c>) applied on top.</summary>
internal sealed class ChildContext : IExecContext
{
    private readonly IExecContext _parent;
    private readonly Dictionary<string, string?>? _overrides;
    private readonly bool _cleared;
    private readonly string? _cwd;
    private readonly bool _cwdUnknown;

    private ChildContext(IExecContext parent, Dictionary<string, string?>? overrides, bool cleared, string? cwd, bool cwdUnknown)
    {
        _parent = parent; _overrides = overrides; _cleared = cleared; _cwd = cwd; _cwdUnknown = cwdUnknown;
    }

    /// <summary>Returns <paramref name="parent"/> itself when nothing changes (no allocation).</summary>
    public static IExecContext Create(IExecContext parent, IReadOnlyList<KeyValuePair<string, string>>? set,
        IReadOnlyList<string>? unset = null, bool cleared = false, string? cwd = null, bool cwdUnknown = false)
    {
        if ((set == null || set.Count == 0) && (unset == null || unset.Count == 0) && !cleared && cwd == null && !cwdUnknown) return parent;
        Dictionary<string, string?>? o = null;
        if (set != null || unset != null)
        {
            o = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (unset != null) foreach (var u in unset) o[u] = null;
            if (set != null) foreach (var (k, v) in set) o[k] = v;
        }
        if (cwd != null && parent.WorkingDirectory != null && !Path.IsPathRooted(cwd)) cwd = Path.GetFullPath(Path.Combine(parent.WorkingDirectory, cwd));
        return new ChildContext(parent, o, cleared, cwd, cwdUnknown);
    }

    public string? GetEnvironmentVariable(string name)
    {
        if (_overrides != null && _overrides.TryGetValue(name, out var v)) return v;
        return _cleared ? null : _parent.GetEnvironmentVariable(name);
    }

    public string? WorkingDirectory => _cwdUnknown ? null : _cwd ?? _parent.WorkingDirectory;

    public byte[]? ReadFile(string path, int maxBytes)
    {
        if (Path.IsPathRooted(path)) return _parent.ReadFile(path, maxBytes);
        if (_cwdUnknown) return null; // relative to a directory that cannot be known
        return _parent.ReadFile(_cwd != null ? Path.Combine(_cwd, path) : path, maxBytes);
    }

    public Config.ConfigFile ReadConfigFile(string path)
    {
        if (Path.IsPathRooted(path)) return _parent.ReadConfigFile(path);
        if (_cwdUnknown) return Config.ConfigFile.NotRead(path, Config.ConfigFileState.Unreadable); // relative to a directory that cannot be known
        return _parent.ReadConfigFile(_cwd != null ? Path.Combine(_cwd, path) : path);
    }
}
