using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>kubectl's preferences file (kubectl 1.33+, <c>--kuberc PATH</c>, else <c>$KUBERC</c>, else
/// <c>~/.kube/kuberc</c>; <c>KUBERC=off</c> or <c>KUBECTL_KUBERC=false</c> turn it off): its
/// <c>aliases</c> (a name that runs a command with <c>prependArgs</c>, <c>appendArgs</c> and option
/// defaults, so <c>kubectl x</c> can be a delete) and <c>defaults</c> (a command's option defaults:
/// <c>apply</c> with <c>prune</c>) are folded into the arguments the parser reads, as kubectl does.</summary>
/// <remarks>Read by line, in the block form kubectl's documentation writes; a file that cannot be
/// read, or that is not in that form (JSON, flow mappings, anchors, multi-line strings, keys this
/// reader does not know), is a problem the parser turns into an unknown effect. An alias never
/// shadows a built-in command (kubectl ignores such an alias).</remarks>
internal static class Kuberc
{
    private static readonly PathMemo DefaultFile = new(".kube", "kuberc");

    private sealed class Entry
    {
        public string? Name, Command;
        public List<string> Prepend = [], Append = [];
        public List<(string Name, string? Default)> Options = [];
    }

    private sealed record Parsed(List<Entry> Aliases, List<Entry> Defaults, string? NotUnderstood);

    // kubectl's own commands: an alias of the same name is ignored.
    private static readonly HashSet<string> BuiltIn = new(StringComparer.Ordinal)
    {
        "create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale", "certificate",
        "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach", "exec", "port-forward", "proxy",
        "cp", "auth", "debug", "events", "diff", "apply", "patch", "replace", "wait", "kustomize", "label", "annotate", "completion",
        "alpha", "api-resources", "api-versions", "config", "plugin", "version", "options", "help",
    };

    /// <summary>The arguments kubectl runs with the preferences folded in (<paramref name="c"/>'s own
    /// when none apply); <paramref name="problem"/> when a preferences file exists but cannot be accounted for.</summary>
    internal static IReadOnlyList<string> Apply(ToolCall c, List<Evidence> evidence, out string? problem)
    {
        problem = null;
        var args = c.Args;
        string? file = null;
        int verbAt = -1;
        // PERF: with no word that may be --kuberc (the common case) the file is looked up before the
        // arguments are read, and a kubectl without a preferences file returns its arguments unread.
        ConfigFile? cf = null;
        if (!MayNameFile(args))
        {
            file = DefaultFileOf(c);
            if (file is null or "off") return args;
            cf = c.Context.ReadConfigFile(file);
            if (!cf.Exists) return args;
        }
        var reader = new OptionReader(Kubectl.Options, args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { if (verbAt < 0 && !reader.OptionsEnded) verbAt = reader.Position - 1; continue; }
            if (t.Name == "--kuberc") file = t.Value;
        }
        if (cf == null)
        {
            file ??= DefaultFileOf(c);
            if (file is null or "off") return args;
            cf = c.Context.ReadConfigFile(file);
            if (!cf.Exists) return args;
        }
        string used = file!; // set on both ways to cf
        if (cf.Unaccountable) { problem = cf.Problem; evidence.Add(new(used, $"kubectl preferences from {cf.Problem} (unknown)")); return args; }
        var parsed = cf.Parsed(Parse);
        if (parsed.NotUnderstood != null)
        {
            problem = parsed.NotUnderstood;
            evidence.Add(new(used, $"kubectl preferences not in the form read: {parsed.NotUnderstood} (unknown)"));
            return args;
        }
        if (verbAt < 0) return args;
        string verb = args[verbAt];
        var result = new List<string>(args.Count + 4);
        result.AddRange(args.Take(verbAt));
        IEnumerable<string> after = args.Skip(verbAt + 1);
        if (!BuiltIn.Contains(verb) && parsed.Aliases.Find(a => a.Name == verb) is { Command: not null } alias)
        {
            var words = alias.Command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) return args;
            evidence.Add(new(verb, $"kuberc alias of {string.Join(' ', [alias.Command, .. alias.Options.Select(Flag), .. alias.Prepend])}"));
            verb = words[0];
            after = [.. words.Skip(1), .. alias.Options.Select(Flag), .. alias.Prepend, .. after, .. alias.Append];
        }
        result.Add(verb);
        // The command's defaults right after its name: an option given on the command line comes later and wins.
        foreach (var d in parsed.Defaults)
        {
            if (d.Command?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [var first, ..] || first != verb) continue;
            var flags = d.Options.Select(Flag).ToList();
            result.AddRange(flags);
            if (flags.Count > 0) evidence.Add(new(verb, $"kuberc defaults {string.Join(' ', flags)}"));
        }
        result.AddRange(after);
        return result;
    }

    // --kuberc F, --kuberc=F, an abbreviation (--kuber), any case, a prefixed form (--no-kuberc): every
    // word the option reader could take for --kuberc is an option holding a 'k'.
    private static bool MayNameFile(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++) // not foreach: no enumerator boxed per kubectl
        {
            var a = args[i];
            if (a.Length > 2 && a[0] == '-' && a.AsSpan(1).IndexOfAny('k', 'K') >= 0) return true;
        }
        return false;
    }

    // No --kuberc: $KUBERC, else ~/.kube/kuberc; none when KUBECTL_KUBERC turns it off.
    private static string? DefaultFileOf(ToolCall c)
    {
        if (c.Context.GetEnvironmentVariable("KUBECTL_KUBERC") is "false" or "0") return null;
        return c.Context.GetEnvironmentVariable("KUBERC") is { Length: > 0 } env ? env
            : c.Context.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? DefaultFile.Combine(home) : null;
    }

    private static string Flag((string Name, string? Default) o) => o.Default == null ? "--" + o.Name : $"--{o.Name}={o.Default}";

    private static Parsed Parse(ConfigFile f)
    {
        List<Entry> aliases = [], defaults = [];
        string? section = null;
        Entry? entry = null;
        int entryIndent = -1;
        string? listKey = null;
        (string Name, string? Default)? option = null;
        Parsed Fail(string why) => new(aliases, defaults, why);
        void EndOption() { if (option is { } o && entry != null) entry.Options.Add(o); option = null; }
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ');
            var t = line.TrimStart(' ');
            if (t.Length == 0 || t[0] == '#') continue;
            int indent = line.Length - t.Length;
            if (t[0] == '\t') return Fail("a tab in the indentation");
            if (t[0] is '{' or '[' or '&' or '*' or '!' or '%') return Fail("JSON, flow style or a YAML feature not read");
            if (indent == 0 && !t.StartsWith('-'))
            {
                EndOption();
                var (k, v) = KeyValue(t);
                if (k == null) return Fail($"line '{t}'");
                if (k == "kind" && v != "Preference") return Fail($"kind {v}");
                section = v.Length == 0 ? k : null;
                if (section is not (null or "aliases" or "defaults") && v.Length == 0) return Fail($"section {k}");
                entry = null; listKey = null;
                continue;
            }
            if (section is not ("aliases" or "defaults")) return Fail($"line '{t}' outside aliases and defaults");
            bool item = t == "-" || t.StartsWith("- ", StringComparison.Ordinal);
            var body = item ? t[1..].Trim() : t;
            if (item && (entry == null || indent <= entryIndent))
            {
                EndOption();
                entry = new Entry();
                (section == "aliases" ? aliases : defaults).Add(entry);
                entryIndent = indent;
                listKey = null;
                if (body.Length == 0) continue;
                item = false; // the entry's first key follows the dash
            }
            else if (item)
            {
                if (listKey == null) return Fail($"list item '{t}'");
                if (listKey == "options")
                {
                    EndOption();
                    option = ("", null);
                    if (body.Length == 0) continue;
                    var (ok, ov) = KeyValue(body);
                    if (!OptionKey(ok, ov, ref option)) return Fail($"option key '{body}'");
                }
                else (listKey == "prependArgs" ? entry!.Prepend : entry!.Append).Add(Unquote(body));
                continue;
            }
            var (key, value) = KeyValue(body);
            if (key == null || value.Length > 0 && value[0] is '|' or '>' or '&' or '*' or '{') return Fail($"line '{t}'");
            bool entryKey = indent <= entryIndent + 2 && key is "name" or "command" or "prependArgs" or "appendArgs" or "options";
            if (!entryKey)
            {
                if (listKey != "options" || !OptionKey(key, value, ref option)) return Fail($"key '{key}'");
                continue;
            }
            EndOption();
            listKey = null;
            switch (key)
            {
                case "name": entry!.Name = Unquote(value); break;
                case "command": entry!.Command = Unquote(value); break;
                case "prependArgs" or "appendArgs" or "options":
                    if (value.Length == 0) { listKey = key; break; }
                    if (value == "[]") break;
                    if (value[0] != '[' || key == "options") return Fail($"{key} {value}");
                    foreach (var w in value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        (key == "prependArgs" ? entry!.Prepend : entry!.Append).Add(Unquote(w));
                    break;
            }
        }
        EndOption();
        return new(aliases, defaults, null);
    }

    private static bool OptionKey(string? key, string value, ref (string Name, string? Default)? option)
    {
        if (option is not { } o) return false;
        if (key == "name") option = (Unquote(value), o.Default);
        else if (key == "default") option = (o.Name, Unquote(value));
        else return false;
        return true;
    }

    private static (string?, string) KeyValue(string s)
    {
        int colon = s.IndexOf(':');
        if (colon <= 0 || colon + 1 < s.Length && s[colon + 1] != ' ') return (null, "");
        var v = s[(colon + 1)..].Trim();
        int hash = v.IndexOf(" #", StringComparison.Ordinal);
        if (hash >= 0 && v[0] is not ('"' or '\'')) v = v[..hash].TrimEnd();
        return (s[..colon].Trim(), v);
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'') ? v[1..^1] : v;
}
