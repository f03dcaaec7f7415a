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
            string? opt = a[i] == "-X" && i + 1 < a.Count ? a[++i] : a[i].StartsWith("-X", StringComparison.Ordinal) && a[i].Length > 2 ? a[i][2..] : null;
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
