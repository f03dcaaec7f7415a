using System.Text;

namespace AgentShell.Core.Classification;

/// <summary>The lines <c>just RECIPE [ARGS]</c> runs, read from a justfile's text: assignments
/// (<c>name := "value"</c>, <c>export</c>), recipes (<c>name param='default': deps</c> and their
/// indented body), dependencies first, <c>{{name}}</c> interpolation of variables and parameters.
/// Each body line is a shell string (just runs each with <c>sh -cu</c>) with <c>@</c>/<c>-</c>
/// dropped. A recipe with a shebang runs its body as a script: a shell's is read as one, another
/// interpreter's is unknown. Not read (a recipe there is unknown): <c>import</c>, <c>mod</c>,
/// <c>!include</c>; an interpolation of an expression other than a name stays as its text.</summary>
internal sealed class Justfile
{
    private const int MaxDepth = 8;
    private const int MaxLines = 256;

    private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<string> Params, List<string> Deps, List<string> Body)> _recipes = new(StringComparer.Ordinal);
    private string? _first;
    private bool _imports;

    private Justfile() { }

    /// <summary>Reads <paramref name="text"/>; <paramref name="overrides"/> are <c>--set NAME VALUE</c>
    /// and <c>NAME=VALUE</c> arguments, which win over the file's own.</summary>
    public static Justfile Parse(string text, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        var j = new Justfile();
        List<string>? body = null;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.Length > 0 && raw[0] is ' ' or '\t')
            {
                var b = raw.Trim();
                if (b.Length > 0) body?.Add(b);
                continue;
            }
            var t = raw.Trim();
            if (t.Length == 0 || (t.StartsWith('#') && !t.StartsWith("#!"))) continue;
            body = null;
            if (t.StartsWith("import ", StringComparison.Ordinal) || t.StartsWith("import? ", StringComparison.Ordinal) || t.StartsWith("mod ", StringComparison.Ordinal)
                || t.StartsWith("mod? ", StringComparison.Ordinal) || t.StartsWith("!include ", StringComparison.Ordinal)) { j._imports = true; continue; }
            if (t.StartsWith("alias ", StringComparison.Ordinal)) { Alias(j, t); continue; }
            if (t.StartsWith("set ", StringComparison.Ordinal)) continue;
            if (t.StartsWith('[')) continue; // attributes: [private], [confirm], [no-cd]
            int assign = t.IndexOf(":=", StringComparison.Ordinal);
            int colon = t.IndexOf(':');
            if (assign > 0 && assign == colon)
            {
                var name = t[..assign].Trim();
                if (name.StartsWith("export ", StringComparison.Ordinal)) name = name[7..].Trim();
                j._vars[name] = Unquote(t[(assign + 2)..].Trim());
                continue;
            }
            if (colon <= 0) continue;
            var head = t[..colon].Trim().TrimStart('@');
            var words = head.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            var deps = t[(colon + 1)..].Replace("(", " ").Replace(")", " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Where(d => d != "&&" && !d.StartsWith('"') && !d.StartsWith('\'')).ToList();
            body = [];
            j._first ??= words[0];
            j._recipes[words[0]] = (words.Skip(1).ToList(), deps, body);
        }
        foreach (var (k, v) in overrides) j._vars[k] = v;
        return j;
    }

    // alias b := build
    private static void Alias(Justfile j, string t)
    {
        int assign = t.IndexOf(":=", StringComparison.Ordinal);
        if (assign > 0) j._vars["\0alias:" + t[6..assign].Trim()] = t[(assign + 2)..].Trim();
    }

    /// <summary>The shell strings for the command line's recipes and their arguments (the first
    /// recipe when none is named), dependencies first; Known false for a recipe that is not read
    /// (its text is why).</summary>
    public List<(string Recipe, string Line, bool Known)> Lines(IReadOnlyList<string> args)
    {
        var r = new List<(string, string, bool)>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (args.Count == 0)
        {
            if (_first != null) Visit(_first, [], 0, done, r);
            else if (_imports) r.Add(("(default)", "the default recipe may come from an import", false));
            return r;
        }
        for (int i = 0; i < args.Count; i++)
        {
            var name = Resolve(args[i]);
            if (!_recipes.TryGetValue(name, out var rec))
            {
                // No such recipe: just fails and runs nothing, unless an import or module may define it.
                if (_imports) r.Add((args[i], "it may come from an import or module", false));
                return r;
            }
            // Positional arguments fill the recipe's parameters (a +/* parameter takes the rest).
            int n = rec.Params.Count;
            bool variadic = n > 0 && rec.Params[^1].TrimStart('$')[0] is '+' or '*';
            var given = variadic ? args.Skip(i + 1).ToList() : args.Skip(i + 1).Take(n).ToList();
            Visit(name, given, 0, done, r);
            i += given.Count;
        }
        return r;
    }

    private string Resolve(string name) => _vars.TryGetValue("\0alias:" + name, out var target) ? target : name;

    private void Visit(string name, List<string> given, int depth, HashSet<string> done, List<(string, string, bool)> r)
    {
        if (depth > MaxDepth || r.Count >= MaxLines || !done.Add(name)) return;
        if (!_recipes.TryGetValue(name, out var rec))
        {
            if (_imports) r.Add((name, "a dependency that may come from an import", false));
            return;
        }
        var scope = new Dictionary<string, string>(_vars, StringComparer.Ordinal);
        for (int p = 0; p < rec.Params.Count; p++)
        {
            var param = rec.Params[p].TrimStart('$', '+', '*');
            int eq = param.IndexOf('=');
            var pname = eq > 0 ? param[..eq] : param;
            bool last = p == rec.Params.Count - 1 && rec.Params[p].TrimStart('$')[0] is '+' or '*';
            scope[pname] = p < given.Count ? (last ? string.Join(' ', given.Skip(p)) : given[p]) : eq > 0 ? Unquote(param[(eq + 1)..]) : "";
        }
        foreach (var d in rec.Deps) Visit(Resolve(d), [], depth + 1, done, r);
        if (rec.Body.Count > 0 && rec.Body[0].StartsWith("#!", StringComparison.Ordinal))
        {
            var interp = rec.Body[0];
            bool shell = interp.EndsWith("sh", StringComparison.Ordinal) || interp.Contains("sh -", StringComparison.Ordinal) || interp.Contains("bash", StringComparison.Ordinal);
            var script = string.Join('\n', rec.Body.Skip(1).Select(l => Expand(l, scope)));
            r.Add(shell ? (name, script, true) : (name, $"a {interp[2..].Trim()} script", false));
            return;
        }
        foreach (var line in rec.Body)
        {
            if (line.StartsWith('#')) continue;
            var l = line.TrimStart('@', '-').TrimStart();
            if (l.Length > 0 && r.Count < MaxLines) r.Add((name, Expand(l, scope), true));
        }
    }

    private static string Expand(string s, Dictionary<string, string> scope) =>
        Interpolate(s, expr => scope.TryGetValue(expr, out var v) ? v : null);

    /// <summary>Replaces each <c>{{expr}}</c> of <paramref name="s"/> by <paramref name="value"/>(expr),
    /// trimmed; an expression it has no value for (null) stays as written. Shared with Taskfile.</summary>
    internal static string Interpolate(string s, Func<string, string?> value)
    {
        if (!s.Contains("{{", StringComparison.Ordinal)) return s;
        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            int open = s.IndexOf("{{", i, StringComparison.Ordinal);
            int close = open < 0 ? -1 : s.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0) { sb.Append(s, i, s.Length - i); break; }
            sb.Append(s, i, open - i);
            sb.Append(value(s[(open + 2)..close].Trim()) ?? s[open..(close + 2)]);
            i = close + 2;
        }
        return sb.ToString();
    }

    /// <summary>A value without its enclosing quotes (shared with Taskfile).</summary>
    internal static string Unquote(string v)
    {
        v = v.Trim();
        if (v.Length >= 2 && v[0] == v[^1] && v[0] is '"' or '\'') return v[1..^1];
        return v;
    }
}
