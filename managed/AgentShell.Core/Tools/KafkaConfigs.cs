using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What kafka-configs <c>--alter</c> changes (the table <c>kafka-configs.json</c> gives the
/// rest): a retention shortened to under an hour or a megabyte deletes the records past it;
/// <c>cleanup.policy</c> without <c>delete</c> (compact) keeps only each key's last record
/// (delete); a retention or cleanup policy set to another value, or removed (the broker default
/// applies, which may be shorter), is unknown; SCRAM credentials removed delete.</summary>
internal static class KafkaConfigs
{
    /// <summary>The effect of the configuration change, or null (the table's write) for one that loses nothing.</summary>
    internal static Effect? EffectOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        var a = c.Args;
        if (!ToolHelp.HasFlag(a, "--alter")) return null;
        Effect? worst = null;
        for (int i = 0; i < a.Count; i++)
        {
            bool add = a[i] is "--add-config", del = a[i] is "--delete-config";
            string? value = null;
            if ((add || del) && i + 1 < a.Count) value = a[++i];
            else if (a[i].StartsWith("--add-config=", StringComparison.Ordinal)) { add = true; value = a[i][13..]; }
            else if (a[i].StartsWith("--delete-config=", StringComparison.Ordinal)) { del = true; value = a[i][16..]; }
            else if (a[i] is "--add-config-file" || a[i].StartsWith("--add-config-file=", StringComparison.Ordinal))
            {
                evidence.Add(new(a[i], "settings from a file (not read: unknown)"));
                worst = Max(worst, Effect.Unknown);
                continue;
            }
            if (value == null) continue;
            foreach (var (key, v) in Entries(value)) Judge(key, v, del, evidence, ref worst);
        }
        return worst;
    }

    /// <summary>rpk (Redpanda) spells the same settings: <c>topic alter-config T --set|-s k=v</c>,
    /// <c>--delete|-d k</c>, and <c>cluster config set KEY VALUE</c> with the broker's names
    /// (<c>log_retention_ms</c>, <c>retention_bytes</c>, <c>log_cleanup_policy</c>).</summary>
    internal static Effect? RpkEffectOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        Effect? worst = null;
        if (words.Count >= 5 && words[0] == "cluster" && words[1] == "config" && words[2] == "set")
        {
            Judge(words[3].Replace('_', '.'), words[4], false, evidence, ref worst);
            return worst;
        }
        if (words.Count < 2 || words[0] != "topic" || words[1] != "alter-config") return null;
        var a = c.Args;
        for (int i = 0; i + 1 < a.Count; i++)
        {
            bool set = a[i] is "--set" or "-s", del = a[i] is "--delete" or "-d";
            if (!set && !del) continue;
            foreach (var (key, v) in Entries(a[++i])) Judge(key, v, del, evidence, ref worst);
        }
        return worst;
    }

    private static void Judge(string key, string value, bool removed, List<Evidence> evidence, ref Effect? worst)
    {
        var e = removed ? Removed(key) : Set(key, value);
        if (e == null) return;
        evidence.Add(new($"{key}{(removed ? "" : "=" + value)}", $"{(removed ? "removes" : "sets")} {key} → {e.Value.Name()}"));
        worst = Max(worst, e.Value);
    }

    private static Effect Max(Effect? a, Effect b) => a is Effect x ? ToolHelp.Max(x, b) : b;

    // k=v,k2=[a,b],k3 (a --delete-config list has no values); commas inside [ ] belong to the value.
    private static IEnumerable<(string Key, string Value)> Entries(string list)
    {
        int depth = 0, start = 0;
        for (int i = 0; i <= list.Length; i++)
        {
            if (i < list.Length && list[i] == '[') depth++;
            else if (i < list.Length && list[i] == ']') depth--;
            else if (i == list.Length || list[i] == ',' && depth == 0)
            {
                var part = list[start..i].Trim();
                start = i + 1;
                if (part.Length == 0) continue;
                int eq = part.IndexOf('=');
                yield return eq < 0 ? (part, "") : (part[..eq].Trim(), part[(eq + 1)..].Trim().Trim('[', ']'));
            }
        }
    }

    private static bool IsRetention(string key) => key.EndsWith("retention.ms", StringComparison.Ordinal) || key.EndsWith("retention.bytes", StringComparison.Ordinal)
        || key.EndsWith("retention.minutes", StringComparison.Ordinal) || key.EndsWith("retention.hours", StringComparison.Ordinal);

    private static Effect? Set(string key, string value)
    {
        if (key.EndsWith("cleanup.policy", StringComparison.Ordinal))
            return value.Contains("delete", StringComparison.Ordinal) ? Effect.Unknown : Effect.Delete;
        if (!IsRetention(key)) return null;
        if (!long.TryParse(value, out var n)) return Effect.Unknown;
        if (n == -1) return null; // kept forever
        long limit = key.EndsWith(".bytes", StringComparison.Ordinal) ? 1L << 20 : key.EndsWith(".ms", StringComparison.Ordinal) ? 3_600_000 : key.EndsWith(".minutes", StringComparison.Ordinal) ? 60 : 1;
        return n < limit ? Effect.Delete : Effect.Unknown;
    }

    private static Effect? Removed(string key) =>
        key.StartsWith("SCRAM-", StringComparison.Ordinal) ? Effect.Delete
        : IsRetention(key) || key.EndsWith("cleanup.policy", StringComparison.Ordinal) ? Effect.Unknown : null;
}
