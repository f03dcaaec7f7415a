using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The servers rpk's <c>-X KEY=VALUE</c> options name (the table, Tools/rpk.json, cannot split
/// a key from its value): <c>brokers</c> and <c>admin.hosts</c> are comma lists of <c>HOST:PORT</c>,
/// each a target (read by <see cref="Kcat.Brokers"/>: a server that cannot be read is an unknown
/// target, never dropped). Other keys (tls.enabled, user, pass) name no server. When one is named,
/// the rpk profile's brokers (the table's unknown fallback) are not what rpk reaches.</summary>
internal static class Rpk
{
    internal static void Targets(ToolCall c, List<string> words, List<Target> targets, List<Evidence> evidence)
    {
        var a = c.Args;
        var named = new List<Target>();
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] == "--") break;
            // pflag's shorthand: -X KV, -XKV, -X=KV (the = is dropped), bundled after flags (-vX KV).
            string? opt = null;
            int x = a[i].Length > 1 && a[i][0] == '-' && a[i][1] != '-' ? a[i].IndexOf('X') : -1;
            if (x > 0 && a[i].AsSpan(1, x - 1).TrimStart('v').IsEmpty)
                opt = x + 1 < a[i].Length ? a[i][(a[i][x + 1] == '=' ? x + 2 : x + 1)..] : i + 1 < a.Count ? a[++i] : null;
            if (opt == null) continue;
            int eq = opt.IndexOf('=');
            if (eq <= 0 || opt[..eq] is not ("brokers" or "admin.hosts")) continue;
            Kcat.Brokers(opt[(eq + 1)..], "-X " + opt, named, evidence, opt[..eq]);
        }
        if (named.Count == 0) return;
        targets.RemoveAll(t => t.Kind == TargetKind.Environment && t.Name == "unknown");
        targets.AddRange(named);
    }
}
