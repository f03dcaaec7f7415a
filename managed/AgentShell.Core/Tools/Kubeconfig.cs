using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The API server a kube context speaks to: its cluster's <c>server:</c> in the kubeconfig
/// (every <c>$KUBECONFIG</c> file, the first definition of a name winning, as kubectl merges them). A
/// context named <c>dev</c> whose cluster is <c>https://k8s.prod.example.com</c> is aimed at that host,
/// so the host is a target beside the context's name. Read by line: the clusters and contexts lists as
/// kubectl writes them (list items of <c>name:</c>, <c>cluster:</c>, <c>server:</c> keys, in any order).</summary>
internal static partial class Kubeconfig
{
    private static readonly Config.PathMemo DefaultConfig = new(".kube", "config");

    // NotUnderstood: the file names more servers than the line reader took (JSON, which kubectl reads too;
    // YAML flow style, quoted keys): its definitions are not known.
    private sealed record Parsed(Dictionary<string, string> ContextCluster, Dictionary<string, string> ClusterServer, bool NotUnderstood);

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![A-Za-z0-9_-])[""']?server[""']?\s*:")]
    private static partial System.Text.RegularExpressions.Regex ServerKey();

    /// <summary>The server of <paramref name="cluster"/> (the --cluster flag), else of
    /// <paramref name="context"/>'s cluster, or null when the files do not say. <paramref name="unreadable"/>:
    /// a file that could not be read (too large, unreadable) came before the answer, so the server is
    /// not known (its problem, for the evidence); a missing file is skipped, as kubectl does.</summary>
    internal static string? Server(string? context, string? cluster, string? kubeconfig, IExecContext ctx, out string? unreadable)
    {
        unreadable = null;
        if (context == null && cluster == null) return null;
        var files = kubeconfig != null ? [kubeconfig]
            : ctx.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } kc ? kc.Split(':', StringSplitOptions.RemoveEmptyEntries)
            : ctx.GetEnvironmentVariable("HOME") is string home ? [DefaultConfig.Combine(home)] : [];
        // PERF: each file read (and parsed, cached by its identity) once for both lookups.
        var parsed = new Parsed?[files.Length];
        string? firstProblem = null;
        int firstUnread = files.Length;
        for (int i = 0; i < files.Length; i++)
        {
            var cf = ctx.ReadConfigFile(files[i]);
            parsed[i] = cf.Exists && !cf.Unaccountable ? cf.Parsed(Parse) : null;
            if (firstProblem != null) continue;
            if (cf.Unaccountable) { firstProblem = cf.Problem; firstUnread = i; }
            else if (parsed[i] is { NotUnderstood: true }) { firstProblem = $"{files[i]} is not in the form read (clusters and contexts as kubectl writes them)"; firstUnread = i; }
        }
        // A definition counts only from a file before the first one not read: that one may hold an earlier definition.
        string? name = cluster;
        if (name == null)
            for (int i = 0; i < firstUnread && name == null; i++)
                if (parsed[i] != null && parsed[i]!.ContextCluster.TryGetValue(context!, out var n)) name = n;
        if (name == null) { unreadable = firstProblem; return null; }
        for (int i = 0; i < firstUnread; i++)
            if (parsed[i] != null && parsed[i]!.ClusterServer.TryGetValue(name, out var s)) return s;
        unreadable = firstProblem;
        return null;
    }

    /// <summary><paramref name="targets"/>, with an unknown kube context beside them when the server
    /// could not be known (<paramref name="unreadable"/>: the file's problem): its environment is then not known.</summary>
    internal static IReadOnlyList<Target> WithUnknownServer(IReadOnlyList<Target> targets, string? unreadable, List<Evidence> evidence)
    {
        if (unreadable == null) return targets;
        evidence.Add(new("kubeconfig", $"the context's cluster server unknown: {unreadable}"));
        return [.. targets, new Target { Kind = TargetKind.KubeContext, Name = null }];
    }

    private static Parsed Parse(ConfigFile f)
    {
        var contexts = new Dictionary<string, string>(StringComparer.Ordinal);
        var clusters = new Dictionary<string, string>(StringComparer.Ordinal);
        string? section = null, itemName = null, itemValue = null;
        int itemIndent = -1, servers = 0;
        void Flush()
        {
            if (itemName != null && itemValue != null)
            {
                if (section == "clusters") servers++;
                (section == "contexts" ? contexts : clusters).TryAdd(itemName, itemValue);
            }
            itemName = itemValue = null;
        }
        foreach (var raw in f.Text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var t = line.TrimStart();
            if (t.Length == 0 || t[0] == '#') continue;
            int indent = line.Length - t.Length;
            if (indent == 0 && !t.StartsWith('-'))
            {
                Flush();
                section = t.StartsWith("contexts:", StringComparison.Ordinal) ? "contexts" : t.StartsWith("clusters:", StringComparison.Ordinal) ? "clusters" : null;
                itemIndent = -1;
                continue;
            }
            if (section == null) continue;
            if (t.StartsWith("- ", StringComparison.Ordinal) && (itemIndent < 0 || indent <= itemIndent))
            {
                Flush();
                itemIndent = indent;
                t = t[2..].TrimStart();
            }
            int colon = t.IndexOf(':');
            if (colon <= 0) continue;
            var key = t[..colon].Trim();
            var value = t[(colon + 1)..].Trim();
            int hash = value.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0) value = value[..hash].Trim();
            value = value.Trim('"', '\'');
            if (value.Length == 0) continue;
            // name: sits at the item's own level; cluster:/server: inside its context:/cluster: map.
            if (key == "name" && indent <= itemIndent + 2) itemName = value;
            else if (section == "contexts" && key == "cluster") itemValue = value;
            else if (section == "clusters" && key == "server") itemValue = value;
        }
        Flush();
        return new Parsed(contexts, clusters, ServerKey().Count(f.Text) > servers);
    }
}
