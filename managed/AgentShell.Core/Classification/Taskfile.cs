using System.Text;

namespace AgentShell.Core.Classification;

/// <summary>The commands <c>task NAME</c> runs, read from a Taskfile line by line (no YAML parser,
/// as the ansible playbook reader): top-level <c>vars:</c> (plain values), and under <c>tasks:</c>
/// each task's <c>cmds:</c> list (<c>- CMD</c>, <c>- cmd: CMD</c>, <c>|</c>/<c>&gt;</c> blocks,
/// <c>- task: OTHER</c>), a single <c>cmd:</c>, the short form <c>NAME: CMD</c>, and <c>deps:</c>
/// run first; <c>{{.VAR}}</c> is replaced by a known variable. A task the file does not define
/// while it has <c>includes:</c> (or a <c>vars:</c> value from <c>sh:</c>) is unknown.</summary>
internal sealed class Taskfile
{
    private const int MaxDepth = 8;
    private const int MaxLines = 256;

    private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<string> Deps, List<(string Text, bool Call)> Cmds)> _tasks = new(StringComparer.Ordinal);
    private bool _includes;

    private Taskfile() { }

    /// <summary>Reads <paramref name="text"/>; <paramref name="overrides"/> are the command line's <c>VAR=value</c>.</summary>
    public static Taskfile Parse(string text, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        var f = new Taskfile();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        string section = "";
        int taskIndent = -1;
        string? task = null, key = null, lastVar = null;
        for (int n = 0; n < lines.Length; n++)
        {
            var raw = lines[n];
            var t = raw.Trim();
            if (t.Length == 0 || t.StartsWith('#')) continue;
            int indent = raw.Length - raw.TrimStart().Length;
            if (indent == 0)
            {
                section = t.TrimEnd(':').Trim();
                if (section == "includes") f._includes = true;
                task = null;
                continue;
            }
            if (section == "vars")
            {
                // NAME: value; a NAME: with a "sh:" under it is computed when task runs: left as {{.NAME}}.
                int c = t.IndexOf(':');
                if (c > 0 && indent <= 2) { lastVar = t[..c].Trim(); f._vars[lastVar] = Unquote(t[(c + 1)..].Trim()); }
                else if (t.StartsWith("sh:", StringComparison.Ordinal) && lastVar != null) f._vars.Remove(lastVar);
                continue;
            }
            if (section != "tasks") continue;
            if (taskIndent < 0) taskIndent = indent;
            if (indent == taskIndent)
            {
                int c = TaskColon(t);
                if (c <= 0) continue;
                task = Unquote(t[..c].Trim());
                var inline = t[(c + 1)..].Trim();
                f._tasks[task] = ([], []);
                if (inline.Length > 0) f._tasks[task].Cmds.Add((Unquote(inline), false));
                key = null;
                continue;
            }
            if (task == null) continue;
            var rec = f._tasks[task];
            if (!t.StartsWith('-'))
            {
                int c = t.IndexOf(':');
                key = c > 0 ? t[..c].Trim() : key;
                var value = c > 0 ? t[(c + 1)..].Trim() : "";
                if (key == "cmd" && value.Length > 0) rec.Cmds.Add((Block(value, lines, ref n, indent), false));
                if (key == "deps" && value.StartsWith('[')) rec.Deps.AddRange(value.Trim('[', ']').Split(',').Select(d => Unquote(d.Trim())).Where(d => d.Length > 0));
                continue;
            }
            var item = t[1..].Trim();
            if (key == "deps") { rec.Deps.Add(Unquote(item.StartsWith("task:", StringComparison.Ordinal) ? item[5..].Trim() : item)); continue; }
            if (key != "cmds") continue;
            if (item.StartsWith("task:", StringComparison.Ordinal)) { rec.Cmds.Add((Unquote(item[5..].Trim()), true)); continue; }
            if (item.StartsWith("cmd:", StringComparison.Ordinal)) item = item[4..].Trim();
            else if (item.StartsWith("defer:", StringComparison.Ordinal)) item = item[6..].Trim();
            if (item.Length > 0) rec.Cmds.Add((Block(item, lines, ref n, indent), false));
        }
        foreach (var (k, v) in overrides) f._vars[k] = v;
        return f;
    }

    // A "|" or ">" block: the lines indented deeper than its key, joined by newlines (one script).
    private static string Block(string value, string[] lines, ref int n, int indent)
    {
        if (value is not ("|" or ">" or "|-" or ">-")) return Unquote(value);
        var sb = new StringBuilder();
        while (n + 1 < lines.Length && (lines[n + 1].Trim().Length == 0 || lines[n + 1].Length - lines[n + 1].TrimStart().Length > indent))
            sb.Append(lines[++n].Trim()).Append('\n');
        return sb.ToString();
    }

    // NAME: or "NAME": (task names hold colons: db:reset).
    private static int TaskColon(string t)
    {
        if (t.StartsWith('"') || t.StartsWith('\''))
        {
            int close = t.IndexOf(t[0], 1);
            return close > 0 && close + 1 < t.Length && t[close + 1] == ':' ? close + 1 : -1;
        }
        for (int i = 0; i < t.Length; i++) if (t[i] == ':' && (i + 1 == t.Length || t[i + 1] == ' ')) return i;
        return -1;
    }

    /// <summary>The shell strings of <paramref name="names"/>, dependencies first; Known false for a
    /// task not read here (its text is why).</summary>
    public List<(string Task, string Line, bool Known)> Lines(IReadOnlyList<string> names)
    {
        var r = new List<(string, string, bool)>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names) Visit(n, 0, done, r);
        return r;
    }

    private void Visit(string name, int depth, HashSet<string> done, List<(string, string, bool)> r)
    {
        if (depth > MaxDepth || r.Count >= MaxLines || !done.Add(name)) return;
        if (!_tasks.TryGetValue(name, out var rec))
        {
            // No such task: task fails and runs nothing, unless an included Taskfile may define it.
            if (_includes) r.Add((name, "it may come from an included Taskfile", false));
            return;
        }
        foreach (var d in rec.Deps) Visit(d, depth + 1, done, r);
        foreach (var (text, call) in rec.Cmds)
        {
            if (call) { Visit(text, depth + 1, done, r); continue; }
            if (r.Count < MaxLines) r.Add((name, Expand(text), true));
        }
    }

    private string Expand(string s) => Justfile.Interpolate(s, expr => expr.StartsWith('.') && _vars.TryGetValue(expr[1..], out var v) ? v : null);

    private static string Unquote(string v) => Justfile.Unquote(v);
}
