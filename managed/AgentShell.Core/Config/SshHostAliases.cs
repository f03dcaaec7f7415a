using AgentShell.Core.Model;

namespace AgentShell.Core.Config;

/// <summary>Whether an ssh host name may be an alias that <c>~/.ssh/config</c> maps to another host
/// (<c>Host github-work</c> / <c>HostName github.com</c>): gh translates its remotes so (<c>ssh -G</c>), so a
/// remote on <c>git@github-work:acme/prod</c> is github.com's to gh. A <c>Host</c> block that sets
/// <c>HostName</c> names aliases by its patterns (<c>*</c>, <c>?</c>, <c>!</c>); a <c>Match</c> or
/// <c>Include</c> (not evaluated here) or a file that cannot be read makes every name possibly one. The system
/// file (<c>/etc/ssh/ssh_config</c>) is not read: distributions ship it with an Include of their own, and
/// an agent does not write it.</summary>
internal static class SshHostAliases
{
    private static readonly PathMemo UserFile = new(".ssh", "config");

    private sealed record Parsed(bool Anything, List<(string[] Patterns, bool HostName)> Blocks);

    /// <summary>True when <paramref name="host"/> may stand for another host.</summary>
    internal static bool MayBeAlias(IExecContext ctx, string host)
    {
        if (ctx.GetEnvironmentVariable("HOME") is not { Length: > 0 } home) return false;
        var file = ctx.ReadConfigFile(UserFile.Combine(home));
        if (file.Unaccountable) return true;
        if (!file.Exists) return false;
        var parsed = file.Parsed(f => Parse(f.Text));
        if (parsed.Anything) return true;
        foreach (var (patterns, hostName) in parsed.Blocks)
            if (hostName && Matches(patterns, host)) return true;
        return false;
    }

    private static Parsed Parse(string text)
    {
        var blocks = new List<(string[], bool)>();
        string[]? current = null;
        bool hostName = false, anything = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int split = line.IndexOfAny([' ', '\t', '=']);
            var keyword = (split < 0 ? line : line[..split]).ToLowerInvariant();
            var rest = split < 0 ? "" : line[split..].TrimStart(' ', '\t', '=').Trim();
            switch (keyword)
            {
                case "host":
                    if (current != null) blocks.Add((current, hostName));
                    current = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    hostName = false;
                    break;
                case "match" or "include": anything = true; break;
                // Before any Host line, HostName applies to every host.
                case "hostname": if (current == null) anything = true; else hostName = true; break;
            }
        }
        if (current != null) blocks.Add((current, hostName));
        return new Parsed(anything, blocks);
    }

    // ssh's match_pattern_list: a negated pattern that matches excludes; otherwise any positive match.
    private static bool Matches(string[] patterns, string host)
    {
        bool any = false;
        foreach (var p in patterns)
        {
            bool negated = p.StartsWith('!');
            int budget = 10_000;
            if (!Glob(negated ? p[1..] : p, 0, host.ToLowerInvariant(), 0, ref budget)) continue;
            if (negated) return false;
            any = true;
        }
        return any;
    }

    // A pattern that backtracks past the budget counts as matching (a possible alias: fail closed).
    private static bool Glob(string p, int pi, string t, int ti, ref int budget)
    {
        for (; pi < p.Length; pi++, ti++)
        {
            if (--budget < 0) return true;
            if (p[pi] == '*')
            {
                while (pi + 1 < p.Length && p[pi + 1] == '*') pi++;
                for (int k = ti; k <= t.Length; k++) if (Glob(p, pi + 1, t, k, ref budget)) return true;
                return false;
            }
            if (ti >= t.Length || (p[pi] != '?' && char.ToLowerInvariant(p[pi]) != t[ti])) return false;
        }
        return ti == t.Length;
    }
}
