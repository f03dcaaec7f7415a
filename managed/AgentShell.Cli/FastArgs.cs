using System.Globalization;
using AgentShell.Cli.Verbs;

namespace AgentShell.Cli;

/// <summary>PERF: the command lines of the short-lived verbs started most often (<c>check</c>,
/// <c>hook</c>) in their plain forms — <c>--name value</c>, <c>--name=value</c>, <c>-p value</c>,
/// flags — read without the option parser, whose reflection is a tenth of a cold <c>check</c>.
/// Anything else returns null and goes to CommandLineParser, so what it accepts, rejects and
/// prints is unchanged: help, the version, bundled short options, an option given twice, a value
/// that is empty or starts with '-', an unknown name, a stray word. FastArgsTests holds the two
/// to the same result on every line this accepts. <c>run</c> too, since the start-up collection
/// runs after the go (a5834e6) and sets the GC's budget from the supervisor's own state: the
/// parser's garbage no longer shapes the peak RSS, and the parser was ~9% of a run's CPU.</summary>
internal static class FastArgs
{
    /// <summary>The verb <paramref name="head"/> names, its options set; null to use the full parser.</summary>
    public static object? TryParse(string[] head) => head.Length == 0 ? null : head[0] switch
    {
        "check" => Check(head),
        "hook" => Hook(head),
        "run" => Run(head),
        _ => null,
    };

    private static CheckVerb? Check(string[] a)
    {
        var v = new CheckVerb();
        var profiles = new ProfileList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < a.Length; i++)
        {
            if (!Option(a[i], out string name, out string? inline) || (name != "profile" && !seen.Add(name))) return null;
            switch (name)
            {
                case "profile" when profiles.Add(a, ref i, inline): break;
                case "json" when inline == null: v.Json = true; break;
                case "shell" when Value(a, ref i, inline) is string s: v.Shell = s; break;
                default: return null;
            }
        }
        v.Profiles = profiles.Items;
        return v;
    }

    private static RunVerb? Run(string[] a)
    {
        var v = new RunVerb();
        var profiles = new ProfileList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < a.Length; i++)
        {
            if (!Option(a[i], out string name, out string? inline) || (name != "profile" && !seen.Add(name))) return null;
            switch (name)
            {
                case "profile" when profiles.Add(a, ref i, inline): break;
                case "quiet" when inline == null: v.Quiet = true; break;
                case "verbose" when inline == null: v.Verbose = true; break;
                case "require-protection" when inline == null: v.RequireProtection = true; break;
                case "threads" when Number(Value(a, ref i, inline)) is int t: v.Threads = t; break;
                case "pause-timeout" when Number(Value(a, ref i, inline)) is int t: v.PauseTimeout = t; break;
                case "socket" when Value(a, ref i, inline) is string s: v.Socket = s; break;
                case "audit" when Value(a, ref i, inline) is string s: v.AuditFile = s; break;
                case "connect-guard" when Value(a, ref i, inline) is string s: v.ConnectGuard = s; break;
                default: return null;
            }
        }
        v.Profiles = profiles.Items;
        return v;
    }

    private static HookVerb? Hook(string[] a)
    {
        var v = new HookVerb();
        var profiles = new ProfileList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool agent = false;
        for (int i = 1; i < a.Length; i++)
        {
            if (!a[i].StartsWith('-'))
            {
                // `hook AGENT [options]` only: after --profile X the parser takes a word as another profile.
                if (agent || i != 1 || a[i].Length == 0) return null;
                v.Agent = a[i];
                agent = true;
                continue;
            }
            if (!Option(a[i], out string name, out string? inline) || (name != "profile" && !seen.Add(name))) return null;
            switch (name)
            {
                case "profile" when profiles.Add(a, ref i, inline): break;
                case "timeout" when Number(Value(a, ref i, inline)) is int t: v.TimeoutSeconds = t; break;
                default: return null;
            }
        }
        if (!agent) return null;
        v.Profiles = profiles.Items;
        return v;
    }

    /// <summary>The --profile values in order. The parser groups them by spelling (-p X,
    /// --profile X, --profile=X), which reorders the layers: a line mixing spellings is left to it.</summary>
    private sealed class ProfileList
    {
        private string? _spelling;
        public List<string> Items { get; } = [];

        public bool Add(string[] a, ref int i, string? inline)
        {
            string spelling = inline != null ? "=" : a[i];
            if ((_spelling ??= spelling) != spelling || Value(a, ref i, inline) is not string p) return false;
            Items.Add(p);
            return true;
        }
    }

    // Short names the hot verbs declare, by their long name (a verb without one rejects it by name).
    private static string? Long(char c) => c switch { 'p' => "profile", 'q' => "quiet", 'v' => "verbose", _ => null };

    /// <summary>`--name`, `--name=value` or `-x` (one letter); false for anything else.</summary>
    private static bool Option(string t, out string name, out string? inline)
    {
        inline = null;
        name = "";
        if (t.Length == 2 && t[0] == '-' && Long(t[1]) is string l) { name = l; return true; }
        if (t.Length <= 2 || !t.StartsWith("--", StringComparison.Ordinal)) return false;
        int eq = t.IndexOf('=');
        name = eq < 0 ? t[2..] : t[2..eq];
        if (eq >= 0) inline = t[(eq + 1)..];
        return name.Length > 0;
    }

    /// <summary>The option's value: inline, or the next word; null when it is missing, empty or
    /// looks like an option (the full parser decides those).</summary>
    private static string? Value(string[] a, ref int i, string? inline)
    {
        string? v = inline ?? (i + 1 < a.Length ? a[++i] : null);
        return string.IsNullOrEmpty(v) || v[0] == '-' ? null : v;
    }

    private static int? Number(string? s) =>
        s is { Length: > 0 and <= 9 } && s.All(char.IsAsciiDigit) ? int.Parse(s, CultureInfo.InvariantCulture) : null;
}
