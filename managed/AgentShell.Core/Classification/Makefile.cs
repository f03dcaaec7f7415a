using System.Text;

namespace AgentShell.Core.Classification;

/// <summary>The recipes <c>make TARGET</c> runs, read from a makefile's text as GNU make reads the
/// common part of it: variables (<c>=</c>, <c>:=</c>, <c>::=</c>, <c>?=</c>, <c>+=</c>), explicit
/// rules (<c>a b: prereqs</c>, <c>a: ; cmd</c>), tab-indented recipe lines with backslash
/// continuations, and prerequisites made first. Each recipe line is a shell string (make runs each
/// with <c>/bin/sh -c</c>) with its <c>@</c>/<c>-</c>/<c>+</c> prefixes dropped and <c>$(VAR)</c>,
/// <c>$@</c>, <c>$&lt;</c>, <c>$^</c>, <c>$$</c> expanded; a variable the makefile does not set is
/// left as <c>${VAR}</c> for the shell (make falls back to the environment). Pattern rules
/// (<c>drop-%:</c>, <c>$*</c>) match a goal without an explicit rule. Not read: suffix rules, conditionals (every branch is read), functions (left as
/// <c>$(fn …)</c>, which the shell sees as a command substitution: unknown).</summary>
internal sealed class Makefile
{
    private const int MaxDepth = 8;    // prerequisite chains followed
    private const int MaxLines = 256;  // recipe lines returned

    private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<string> Prereqs, List<string> Recipe)> _rules = new(StringComparer.Ordinal);
    private readonly List<(string Pattern, List<string> Prereqs, List<string> Recipe)> _patterns = [];
    private string? _first;

    private Makefile() { }

    /// <summary>Reads <paramref name="text"/>; <paramref name="overrides"/> are the command line's
    /// <c>VAR=value</c> arguments, which win over the makefile's own.</summary>
    public static Makefile Parse(string text, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        var m = new Makefile();
        List<string>? recipe = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            // A recipe keeps backslash-newline for the shell (which joins the lines); elsewhere make joins them with a space.
            while (line.EndsWith('\\') && n + 1 < lines.Length) line = line.StartsWith('\t') ? line + "\n" + lines[++n].TrimStart('\t') : line[..^1] + " " + lines[++n].TrimStart();
            if (line.StartsWith('\t'))
            {
                recipe?.Add(line[1..]);
                continue;
            }
            var t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#')) continue;
            recipe = null;
            if (Assignment(t) is var (name, op, value))
            {
                if (op == "+=" && m._vars.TryGetValue(name, out var old)) value = old + " " + value;
                if (op != "?=" || !m._vars.ContainsKey(name)) m._vars[name] = value;
                continue;
            }
            int colon = RuleColon(t);
            if (colon <= 0) continue; // include, ifeq/else/endif, export, define …: not read
            var rest = t[(colon + 1)..].TrimStart(':');
            string? inline = null;
            int semi = rest.IndexOf(';');
            if (semi >= 0) { inline = rest[(semi + 1)..].Trim(); rest = rest[..semi]; }
            if (rest.Contains('=')) continue; // a target-specific variable
            var prereqs = rest.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(p => p != "|").ToList();
            var names = t[..colon].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            recipe = [];
            if (inline is { Length: > 0 }) recipe.Add(inline);
            foreach (var goal in names)
            {
                if (goal.Contains('%')) { m._patterns.Add((goal, prereqs, recipe)); continue; } // a pattern rule: matched by Visit
                if (m._first == null && !goal.StartsWith('.')) m._first = goal;
                if (m._rules.TryGetValue(goal, out var r)) { r.Prereqs.AddRange(prereqs); if (recipe.Count > 0 || r.Recipe.Count == 0) m._rules[goal] = (r.Prereqs, recipe); }
                else m._rules[goal] = (prereqs, recipe);
            }
        }
        foreach (var (k, v) in overrides) m._vars[k] = v;
        return m;
    }

    /// <summary>Whether the makefile has an explicit rule for <paramref name="target"/>.</summary>
    public bool Has(string target) => _rules.ContainsKey(target) || Pattern(target) != null;

    // The first pattern rule whose % matches target, with the stem ($*); a rule with no recipe only adds prerequisites.
    private (List<string> Prereqs, List<string> Recipe, string Stem)? Pattern(string target)
    {
        if (target.Contains('%')) return null;
        foreach (var (p, pre, recipe) in _patterns)
        {
            int pct = p.IndexOf('%');
            string head = p[..pct], tail = p[(pct + 1)..];
            if (recipe.Count == 0 || target.Length < head.Length + tail.Length + 1 || !target.StartsWith(head, StringComparison.Ordinal) || !target.EndsWith(tail, StringComparison.Ordinal)) continue;
            var stem = target[head.Length..^tail.Length];
            return (pre.Select(x => x.Replace("%", stem)).ToList(), recipe, stem);
        }
        return null;
    }

    /// <summary>The default goal: the first target not starting with a dot.</summary>
    public string? DefaultGoal => _first;

    /// <summary>The shell strings <c>make</c> runs for <paramref name="goals"/>, prerequisites
    /// first, each target once.</summary>
    public List<(string Target, string Line)> Recipes(IEnumerable<string> goals)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var r = new List<(string, string)>();
        foreach (var g in goals) Visit(g, 0, done, r);
        return r;
    }

    private void Visit(string target, int depth, HashSet<string> done, List<(string, string)> r)
    {
        if (depth > MaxDepth || r.Count >= MaxLines || !done.Add(target)) return;
        string stem = "";
        if (!_rules.TryGetValue(target, out var rule) || rule.Recipe.Count == 0 && Pattern(target) is not null)
        {
            if (Pattern(target) is not var (pre, recipe, st)) return;
            rule = ((rule.Prereqs ?? []).Concat(pre).ToList(), recipe);
            stem = st;
        }
        foreach (var p in rule.Prereqs) Visit(Expand(p, target, rule.Prereqs, 0, stem), depth + 1, done, r);
        foreach (var line in rule.Recipe)
        {
            var l = line.TrimStart();
            while (l.Length > 0 && l[0] is '@' or '-' or '+') l = l[1..].TrimStart();
            if (l.Length > 0 && r.Count < MaxLines) r.Add((target, Expand(l, target, rule.Prereqs, 0, stem)));
        }
    }

    private string Expand(string s, string target, List<string> prereqs, int depth, string stem = "")
    {
        if (s.IndexOf('$') < 0) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c != '$' || i + 1 >= s.Length) { sb.Append(c); continue; }
            char n = s[++i];
            switch (n)
            {
                case '$': sb.Append('$'); break;
                case '@': sb.Append(target); break;
                case '*': sb.Append(stem); break;
                case '<': sb.Append(prereqs.Count > 0 ? prereqs[0] : ""); break;
                case '^': case '+': sb.Append(string.Join(' ', prereqs)); break;
                case '(' or '{':
                {
                    char close = n == '(' ? ')' : '}';
                    int end = s.IndexOf(close, i + 1);
                    var name = end < 0 ? "" : s[(i + 1)..end];
                    if (end < 0 || name.Contains(' ') || name.Contains('$'))
                    {
                        sb.Append('$').Append(n); // a function call ($(shell …), $(wildcard …)) or nesting: left for the shell
                        break;
                    }
                    i = end;
                    if (name is "MAKE") sb.Append("make");
                    else if (_vars.TryGetValue(name, out var v)) sb.Append(depth < MaxDepth ? Expand(v, target, prereqs, depth + 1, stem) : v);
                    else sb.Append("${").Append(name).Append('}');
                    break;
                }
                default: sb.Append('$').Append(n); break; // $X: make's one-letter variable, rare
            }
        }
        return sb.ToString();
    }

    // NAME op VALUE, op one of = := ::= ?= += (and the export/override prefixes).
    private static (string Name, string Op, string Value)? Assignment(string t)
    {
        if (t.StartsWith("export ", StringComparison.Ordinal)) t = t[7..].TrimStart();
        if (t.StartsWith("override ", StringComparison.Ordinal)) t = t[9..].TrimStart();
        int eq = t.IndexOf('=');
        if (eq <= 0) return null;
        int opStart = eq;
        while (opStart > 0 && t[opStart - 1] is ':' or '?' or '+' or '!') opStart--;
        var name = t[..opStart].Trim();
        if (name.Length == 0 || name.Any(ch => ch is ' ' or '\t' or ':' or '$')) return null;
        return (name, t[opStart..(eq + 1)], t[(eq + 1)..].Trim());
    }

    // The colon of "targets: prereqs" (not the one of a drive-like "a:=b", not inside $(…)).
    private static int RuleColon(string t)
    {
        int paren = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] is '(' or '{') paren++;
            else if (t[i] is ')' or '}') paren--;
            else if (t[i] == ':' && paren == 0) return i + 1 < t.Length && t[i + 1] == '=' ? -1 : i;
        }
        return -1;
    }
}
