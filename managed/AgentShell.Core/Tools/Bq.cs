using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What the bq table (Tools/bq.json) cannot say by subcommand words: the flags that make
/// a write overwrite or make a query only a check, and the project a table reference names
/// (<c>PROJECT:DATASET.TABLE</c>), which is where bq acts whatever the default project is.</summary>
internal static partial class Bq
{
    // Subcommands whose positionals are dataset or table references.
    private static readonly HashSet<string> OnReferences = new(StringComparer.Ordinal)
    {
        "rm", "cp", "load", "mk", "update", "truncate", "show", "ls", "head", "extract", "insert",
    };

    /// <summary>A table (or, for a dataset's defaults, each new table) set to expire sooner than this
    /// is deleted before a person reviewing the day's work would see it: a drop, not a setting. A
    /// later expiration is a lifecycle change that <c>bq show</c> lists and <c>--expiration 0</c>
    /// undoes (a write). A day, not kafka's hour (KafkaConfigs): an expired table is gone whole,
    /// where a short retention only trims old records.</summary>
    internal const long ShortExpirationSeconds = 86_400;

    /// <summary>The effect, or null for the table's: <c>--dry_run</c> (absl's boolean, so not
    /// <c>--dry_run=false</c>) only validates; <c>load|query --replace</c> and <c>cp -f</c> without
    /// <c>-a/-n</c> overwrite the destination table (its rows are lost); <c>update --expiration</c>
    /// (and a dataset's <c>--default_table_expiration</c>/<c>--default_partition_expiration</c>)
    /// shorter than <see cref="ShortExpirationSeconds"/> drops, <c>update --time_partitioning_expiration</c>
    /// deletes every older partition at once (truncate); otherwise the SQL of a query.</summary>
    internal static Effect? EffectOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        if (words.Count == 0) return null;
        var given = Read(OptionsOf(words[0]), c.Args);
        // --dry_run is global but only a job (query, load, cp, extract) heeds it: bq --dry_run rm still deletes.
        if (words[0] is "query" or "load" or "cp" or "extract" && given.On("--dry_run") is string dry)
        {
            evidence.Add(new(dry, "the job is validated, not run"));
            return Effect.Read;
        }
        if (words[0] is "load" or "query" && given.On("--replace") is string replace)
        {
            evidence.Add(new(replace, "the destination table's rows are replaced"));
            return Effect.Truncate;
        }
        if (words[0] == "cp" && given.On("--force") is string force && given.On("--append_table") == null && given.On("--no_clobber") == null)
        {
            evidence.Add(new(force, "an existing destination table is overwritten without asking"));
            return Effect.Truncate;
        }
        if (words[0] == "update") return Expiration(given, evidence);
        return BuiltInTools.SqlOf(c, words, evidence);
    }

    // bq update: an expiration that deletes (see ShortExpirationSeconds); a value not a literal number is unknown.
    private static Effect? Expiration(Given given, List<Evidence> evidence)
    {
        Effect? effect = null;
        foreach (var (name, drops) in (ReadOnlySpan<(string, bool)>)[("--expiration", true), ("--default_table_expiration", true), ("--default_partition_expiration", true), ("--time_partitioning_expiration", false)])
        {
            if (given.Value(name) is not { } v) continue;
            var (text, value) = v;
            Effect found;
            if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            {
                found = Effect.Unknown;
                evidence.Add(new(text, "an expiration that is not a number of seconds (unknown: it may be a short one)"));
            }
            else if (seconds <= 0) continue; // 0 removes the expiration
            else if (!drops)
            {
                found = Effect.Truncate;
                evidence.Add(new(text, "every partition older than this is deleted now"));
            }
            else if (seconds < ShortExpirationSeconds)
            {
                found = Effect.Drop;
                evidence.Add(new(text, $"the table{(name == "--expiration" ? "" : "s created in the dataset")} expire{(name == "--expiration" ? "s" : "")} in {seconds} s: deleted"));
            }
            else continue;
            if (effect == null || found > effect) effect = found;
        }
        return effect;
    }

    // The flags of one bq command line as absl leaves them: the last given of each.
    private static Given Read(OptionTable table, IReadOnlyList<string> args)
    {
        var last = new Dictionary<string, OptionToken>(StringComparer.Ordinal);
        var reader = new OptionReader(table, args);
        while (reader.Next(out var t))
        {
            if (t.Kind is OptionTokenKind.Option or OptionTokenKind.UnexpectedValue && t.Spec != null) last[t.Spec.Name] = t;
        }
        return new Given(last);
    }

    private readonly record struct Given(Dictionary<string, OptionToken> Last)
    {
        // A boolean turned on (-f, --force, --force=true): the text given; null when absent or off (--noforce, =false).
        public string? On(string name) => Last.TryGetValue(name, out var t) && t.IsOn ? t.Arg : null;

        // A valued flag's last value, with the text it was given as.
        public (string Text, string Value)? Value(string name) =>
            Last.TryGetValue(name, out var t) && t.Kind == OptionTokenKind.Option && t.Value != null ? (t.Text, t.Value) : null;
    }

    /// <summary>The project of each <c>PROJECT:DATASET[.TABLE]</c> reference; the unknown default
    /// project stands only when no reference names one.</summary>
    internal static void Targets(ToolCall c, List<string> words, List<Target> targets, List<Evidence> evidence)
    {
        if (words.Count < 2 || !OnReferences.Contains(words[0])) return;
        bool found = false;
        for (int i = 1; i < words.Count; i++)
        {
            var w = words[i];
            int colon = w.LastIndexOf(':');
            // gs://bucket/file is a source, not a reference; a project is lower-case letters, digits, '-' (a domain-scoped one has '.' and ':').
            if (colon <= 0 || colon == w.Length - 1 || w[colon + 1] == '/' || w.Contains("://", StringComparison.Ordinal)) continue;
            var project = w[..colon];
            if (!project.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '-' or '.' or ':')) continue;
            targets.Add(new Target { Kind = TargetKind.GcpProject, Name = project });
            evidence.Add(new(w, $"project {project} (the reference's)"));
            found = true;
        }
        // The unknown default project is not where the reference is, nor is a project named only by a
        // non-production word of it (staging in acme-staging:x.y); a production word stays (caution).
        if (found) targets.RemoveAll(t => t.Kind == TargetKind.GcpProject && t.Name is { } n && (n == "default" || ProfileToolTarget.IsNonProductionWord(n)));
    }
}
