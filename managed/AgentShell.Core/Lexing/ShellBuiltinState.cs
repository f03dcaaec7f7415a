namespace AgentShell.Core.Lexing;

/// <summary>Builtins that set shell variables a later word of the same string reads: <c>declare</c>/<c>typeset</c>/
/// <c>local</c>/<c>readonly NAME=v</c> (<c>-x</c> exports it, as <c>export</c> does), <c>set -- A B</c> (<c>$1</c>, <c>$2</c>),
/// <c>read [-r] A [B…] &lt;&lt;&lt; TEXT</c> (a here-string or here-doc: its first line split as read splits it) and
/// <c>printf -v NAME '%s' V</c>. Anything else these builtins do (an array, <c>-p</c>, a format with other
/// directives, a read from a pipe) sets nothing known: the variable is forgotten, so a later <c>$NAME</c>
/// stays an unknown word, never an old value.</summary>
internal static class ShellBuiltinState
{
    /// <summary>Applies <paramref name="c"/>; true when it was one of these builtins (it then runs nothing).</summary>
    internal static bool Apply(ShellCommand c, Dictionary<string, string> vars, Dictionary<string, string> exported, ShellScript script)
    {
        var w = c.Words;
        switch (w[0])
        {
            case "set":
                if (w.Count < 2 || w[1] != "--") return false;
                for (int k = 1; k <= 9; k++)
                {
                    var key = ((char)('0' + k)).ToString();
                    if (k + 1 < w.Count && !c.Dynamic[k + 1]) vars[key] = w[k + 1]; else vars.Remove(key);
                }
                return true;
            case "read":
            {
                var names = new List<string>();
                string? array = null;
                for (int i = 1; i < w.Count; i++)
                {
                    if (c.Dynamic[i]) return true;
                    // -a NAME (also bundled: -ra NAME): the fields go to an array.
                    if (w[i].StartsWith('-') && w[i].Length > 1 && w[i][^1] == 'a' && !w[i].StartsWith("--") && i + 1 < w.Count) { array = w[++i]; continue; }
                    if (w[i].StartsWith('-')) { if (w[i] is "-p" or "-d" or "-n" or "-N" or "-t" or "-u" or "-i") i++; continue; }
                    names.Add(w[i]);
                }
                if (names.Count == 0) names.Add("REPLY");
                string? line = c.Stdin == StdinKind.Text && c.StdinText != null ? c.StdinText.Split('\n')[0] : null;
                if (array != null)
                {
                    // IFS=: read -ra a <<< "x:y": split with the IFS its prefix (or the string) sets.
                    var ifs = c.Assignments.LastOrDefault(x => x.Key == "IFS").Value ?? (vars.TryGetValue("IFS", out var v) ? v : " \t\n");
                    ShellArrays.Set(vars, array, line == null || line.Contains('\\') || w.Skip(1).Any(x => x.StartsWith('-') && x.Contains('d')) ? null : ShellFieldSplit.Split(line, ifs));
                    (script.Assigned ??= []).Add(array);
                    return true;
                }
                var parts = line?.Split([' ', '\t'], names.Count, StringSplitOptions.RemoveEmptyEntries);
                for (int k = 0; k < names.Count; k++)
                {
                    if (parts != null && !line!.Contains('\\')) vars[names[k]] = k < parts.Length ? parts[k].Trim() : "";
                    else vars.Remove(names[k]);
                    (script.Assigned ??= []).Add(names[k]);
                }
                return true;
            }
            case "printf":
                if (w.Count < 3 || w[1] != "-v" || c.Dynamic[2]) return false;
                var fmt = w.Count > 3 ? w[3] : "";
                bool known = w.Count > 3 && !c.Dynamic[3] && (fmt == "%s" && w.Count == 5 && !c.Dynamic[4] || w.Count == 4 && fmt.IndexOfAny(['%', '\\']) < 0);
                if (known) vars[w[2]] = fmt == "%s" ? w[4] : fmt; else vars.Remove(w[2]);
                (script.Assigned ??= []).Add(w[2]);
                return true;
            default: // declare, typeset, local, readonly
            {
                bool export = false;
                for (int i = 1; i < w.Count; i++)
                {
                    var a = w[i];
                    if (a.Length > 1 && a[0] is '-' or '+')
                    {
                        if (a.AsSpan(1).IndexOfAny("aAfFpn") >= 0) return false; // arrays, functions, printing, namerefs: not modelled
                        export |= a[0] == '-' && a.Contains('x');
                        continue;
                    }
                    int eq = a.IndexOf('=');
                    var name = eq > 0 ? a[..eq] : a;
                    if (c.Dynamic[i] && (eq < 0 || a[..eq].Contains('$'))) continue;
                    if (eq > 0) vars[name] = a[(eq + 1)..];
                    (script.Assigned ??= []).Add(name);
                    if (export && vars.TryGetValue(name, out var v)) exported[name] = v;
                }
                return true;
            }
        }
    }
}
