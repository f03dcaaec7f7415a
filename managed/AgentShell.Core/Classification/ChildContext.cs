using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>The environment a wrapped command sees: the exec's environment with the wrapper's
/// changes (<c>env -i</c>, <c>env -u</c>, <c>NAME=value</c> prefixes, <c>env -C</c>, a script's
/// <c>cd</c>) applied on top.</summary>
internal sealed class ChildContext : IExecContext
{
    private readonly IExecContext _parent;
    private readonly Dictionary<string, string?>? _overrides;
    // PERF: a few assignments (env A=1 B=2 tool …, the common case) are looked up in an array from
    // the end (the last assignment wins, as in the dictionary); more go in a dictionary.
    private readonly KeyValuePair<string, string?>[]? _few;
    private const int FewMax = 8;
    private readonly bool _cleared;
    private readonly string? _cwd;
    private readonly bool _cwdUnknown;
    // Files the shell string sourced before this command (SourcedFiles), or null (the common case).
    private readonly string? _sourced;

    /// <inheritdoc/>
    public bool ConnectsGated => _parent.ConnectsGated;

    private ChildContext(IExecContext parent, Dictionary<string, string?>? overrides, KeyValuePair<string, string?>[]? few, bool cleared, string? cwd, bool cwdUnknown, string? sourced)
    {
        _parent = parent; _overrides = overrides; _few = few; _cleared = cleared; _cwd = cwd; _cwdUnknown = cwdUnknown; _sourced = sourced;
    }

    /// <summary>Returns <paramref name="parent"/> itself when nothing changes (no allocation).</summary>
    public static IExecContext Create(IExecContext parent, IReadOnlyList<KeyValuePair<string, string>>? set,
        IReadOnlyList<string>? unset = null, bool cleared = false, string? cwd = null, bool cwdUnknown = false)
    {
        if ((set == null || set.Count == 0) && (unset == null || unset.Count == 0) && !cleared && cwd == null && !cwdUnknown) return parent;
        Dictionary<string, string?>? o = null;
        KeyValuePair<string, string?>[]? few = null;
        int n = (set?.Count ?? 0) + (unset?.Count ?? 0);
        if (n > FewMax)
        {
            o = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (unset != null) for (int i = 0; i < unset.Count; i++) o[unset[i]] = null;
            if (set != null) for (int i = 0; i < set.Count; i++) o[set[i].Key] = set[i].Value;
        }
        else if (n > 0)
        {
            // Unsets first, then assignments, as the dictionary applied them.
            few = new KeyValuePair<string, string?>[n];
            int k = 0;
            if (unset != null) for (int i = 0; i < unset.Count; i++) few[k++] = new(unset[i], null);
            if (set != null) for (int i = 0; i < set.Count; i++) few[k++] = new(set[i].Key, set[i].Value);
        }
        if (cwd != null && parent.WorkingDirectory != null && !Path.IsPathRooted(cwd)) cwd = Path.GetFullPath(Path.Combine(parent.WorkingDirectory, cwd));
        string? sourced = null;
        if (set != null)
            for (int i = 0; i < set.Count; i++)
                if (set[i].Key == Lexing.ShellStateChanges.Sourced) sourced = sourced == null ? set[i].Value : sourced + "\n" + set[i].Value;
        return new ChildContext(parent, o, few, cleared, cwd, cwdUnknown, sourced);
    }

    /// <summary>NAME as an assignment of this context or a context it was made from (not the
    /// process's environment): how the shell simulation's settings reach a later command.</summary>
    internal string? Assigned(string name)
    {
        for (var c = this; c != null; c = c._parent as ChildContext)
        {
            if (c._overrides != null && c._overrides.TryGetValue(name, out var v)) return v;
            if (c._few != null)
                for (int i = c._few.Length - 1; i >= 0; i--)
                    if (string.Equals(c._few[i].Key, name, StringComparison.Ordinal)) return c._few[i].Value;
        }
        return null;
    }

    public string? GetEnvironmentVariable(string name)
    {
        // A sourced file's value wins over the string's other assignments (their order is not kept: fail closed).
        if (_sourced != null && SourcedFiles.Lookup(this, _sourced, name) is string fromFile) return fromFile;
        if (_overrides != null && _overrides.TryGetValue(name, out var v)) return v;
        if (_few != null)
            for (int i = _few.Length - 1; i >= 0; i--)
                if (string.Equals(_few[i].Key, name, StringComparison.Ordinal)) return _few[i].Value;
        return _cleared ? null : _parent.GetEnvironmentVariable(name);
    }

    // The parent's answer (none when cleared) with the assignments applied in the order the lookup
    // above reads them: an unset clears the name's bit, an assignment sets it; the last one wins.
    public ulong VariablesSet(VariableNames names)
    {
        if (_sourced != null) return ulong.MaxValue; // a sourced file may set any of them: look each up
        ulong set = _cleared ? names.Unmatched : _parent.VariablesSet(names);
        if (_overrides != null) foreach (var (k, v) in _overrides) set = Apply(set, names.Match(k), v);
        if (_few != null) foreach (var (k, v) in _few) set = Apply(set, names.Match(k), v);
        return set;

        static ulong Apply(ulong set, ulong bits, string? value) => value != null ? set | bits : set & ~bits;
    }

    public string? WorkingDirectory => _cwdUnknown ? null : _cwd ?? _parent.WorkingDirectory;

    public byte[]? ReadFile(string path, int maxBytes)
    {
        if (Path.IsPathRooted(path)) return _parent.ReadFile(path, maxBytes);
        if (_cwdUnknown) return null; // relative to a directory that cannot be known
        return _parent.ReadFile(_cwd != null ? Path.Combine(_cwd, path) : path, maxBytes);
    }

    public IReadOnlyList<(string Name, bool Directory)>? ListDirectory(string path, int max) =>
        Path.IsPathRooted(path) ? _parent.ListDirectory(path, max) : _cwdUnknown ? null : _parent.ListDirectory(_cwd != null ? Path.Combine(_cwd, path) : path, max);

    public Config.ConfigFile ReadConfigFile(string path)
    {
        if (Path.IsPathRooted(path)) return _parent.ReadConfigFile(path);
        if (_cwdUnknown) return Config.ConfigFile.NotRead(path, Config.ConfigFileState.Unreadable); // relative to a directory that cannot be known
        return _parent.ReadConfigFile(_cwd != null ? Path.Combine(_cwd, path) : path);
    }
}
