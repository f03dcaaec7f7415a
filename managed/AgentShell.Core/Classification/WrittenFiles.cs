using System.Text;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>A file an earlier command of the same shell string wrote (<c>printf 'x:\n\tCMD' &gt; mk; make -f mk</c>,
/// <c>echo CMD &gt; f.sh; . f.sh</c>): check and the hooks see the string before it runs, so the file is not
/// on disk yet (or holds something else). Every later read of that path through the context answers the
/// text the writer's known output puts there (<c>&gt;&gt;</c> appends to what was known), or, when that
/// output is not known, a file that cannot be read: a reader then says unknown, never "no such file,
/// nothing to run". Under <c>run</c> each exec reads the real file, so this only matters before.</summary>
internal sealed class WrittenFiles : IExecContext
{
    private readonly IExecContext _parent;
    private readonly string _path;
    private readonly string? _text; // null: written with content not known

    private WrittenFiles(IExecContext parent, string path, string? text) { _parent = parent; _path = path; _text = text; }

    /// <summary>The context in which <paramref name="path"/> holds <paramref name="text"/> (null: unknown
    /// content), after <paramref name="append"/> to what the path held before.</summary>
    internal static IExecContext With(IExecContext parent, string path, string? text, bool append)
    {
        var full = Full(path, parent.WorkingDirectory);
        if (full == null) return parent;
        if (append && text != null)
        {
            // PERF: the earlier text is looked up only for an append (rare).
            var before = parent.ReadFile(full, Tools.ToolHelp.MaxFileBytes + 1);
            text = before == null && parent is WrittenFiles ? null : (before == null ? "" : Encoding.UTF8.GetString(before)) + text;
        }
        return new WrittenFiles(parent, full, text);
    }

    private static string? Full(string path, string? cwd)
    {
        if (path.Length == 0 || path.Contains('\0')) return null; // a NUL: no file can be named so
        if (Path.IsPathRooted(path)) return Path.GetFullPath(path);
        return cwd == null ? null : Path.GetFullPath(Path.Combine(cwd, path));
    }

    private bool Mine(string path) => Full(path, _parent.WorkingDirectory) == _path;

    public string? GetEnvironmentVariable(string name) => _parent.GetEnvironmentVariable(name);

    public ulong VariablesSet(VariableNames names) => _parent.VariablesSet(names);

    public string? WorkingDirectory => _parent.WorkingDirectory;

    public bool ConnectsGated => _parent.ConnectsGated;

    public byte[]? ReadFile(string path, int maxBytes)
    {
        if (!Mine(path)) return _parent.ReadFile(path, maxBytes);
        if (_text == null) return null;
        var bytes = Encoding.UTF8.GetBytes(_text);
        return bytes.Length > maxBytes ? bytes[..maxBytes] : bytes;
    }

    public IReadOnlyList<(string Name, bool Directory)>? ListDirectory(string path, int max) => _parent.ListDirectory(path, max);

    public ConfigFile ReadConfigFile(string path)
    {
        if (!Mine(path)) return _parent.ReadConfigFile(path);
        return _text == null ? ConfigFile.NotRead(path, ConfigFileState.Unreadable) : ConfigFile.FromRead(path, Encoding.UTF8.GetBytes(_text));
    }
}
