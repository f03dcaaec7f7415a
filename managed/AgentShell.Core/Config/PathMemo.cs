namespace AgentShell.Core.Config;

/// <summary>One call site's <see cref="Path.Combine(string, string)"/> of a directory from the
/// exec's environment (HOME, XDG_CONFIG_HOME, …) and fixed names, remembered for the last directory:
/// every exec of a run has the same HOME, so the path is built once, not once per decision.</summary>
/// <remarks>PERF: thread-safe without a lock: the last entry is an immutable object, replaced whole.
/// A different directory is compared by value and simply combined again.</remarks>
internal sealed class PathMemo(params string[] names)
{
    private sealed record Entry(string Dir, string Path);

    private Entry? _last;

    /// <summary><c>Path.Combine(dir, names…)</c>.</summary>
    internal string Combine(string dir)
    {
        var e = _last;
        if (e != null && string.Equals(e.Dir, dir, StringComparison.Ordinal)) return e.Path;
        var path = names.Length switch
        {
            1 => Path.Combine(dir, names[0]),
            2 => Path.Combine(dir, names[0], names[1]),
            _ => Path.Combine([dir, .. names]),
        };
        _last = new Entry(dir, path);
        return path;
    }
}
