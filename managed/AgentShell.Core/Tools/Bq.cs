using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What the bq table (Tools/bq.json) cannot say by subcommand words: the flags that make
/// a write overwrite or make a query only a check, and the project a table reference names
/// (<c>PROJECT:DATASET.TABLE</c>), which is where bq acts whatever the default project is.</summary>
internal static class Bq
{
    // Subcommands whose positionals are dataset or table references.
    private static readonly HashSet<string> OnReferences = new(StringComparer.Ordinal)
    {
        "rm", "cp", "load", "mk", "update", "truncate", "show", "ls", "head", "extract", "insert",
    };

    /// <summary>The effect, or null for the table's: <c>--dry_run</c> (absl's boolean, so not
    /// <c>--dry_run=false</c>) only validates; <c>load|query --replace</c> and <c>cp -f</c> without
    /// <c>-a/-n</c> overwrite the destination table (its rows are lost); otherwise the SQL of a query.</summary>
    internal static Effect? EffectOf(ToolCall c, List<string> words, List<Evidence> evidence)
    {
        if (words.Count == 0) return null;
        // --dry_run is global but only a job (query, load, cp, extract) heeds it: bq --dry_run rm still deletes.
        if (words[0] is "query" or "load" or "cp" or "extract" && Flag(c.Args, "--dry_run") is string dry)
        {
            evidence.Add(new(dry, "the job is validated, not run"));
            return Effect.Read;
        }
        if (words[0] is "load" or "query" && Flag(c.Args, "--replace") is string replace)
        {
            evidence.Add(new(replace, "the destination table's rows are replaced"));
            return Effect.Truncate;
        }
        if (words[0] == "cp" && Flag(c.Args, "-f", "--force") is string force
            && Flag(c.Args, "-a", "--append_table", "-n", "--no_clobber") == null)
        {
            evidence.Add(new(force, "an existing destination table is overwritten without asking"));
            return Effect.Truncate;
        }
        return BuiltInTools.SqlOf(c, words, evidence);
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

    // The flag as given (-f, --force, --force=true), or null; absl's --noNAME and NAME=false turn it off,
    // the last one given wins, and a long name may be written with one dash (-replace, -nodry_run).
    private static string? Flag(IReadOnlyList<string> args, params ReadOnlySpan<string> names)
    {
        string? found = null;
        foreach (var given in args)
        {
            if (given == "--") break;
            var dashed = given.Length > 2 && given[0] == '-' && given[1] != '-' ? "-" + given : given; // absl: -name is --name
            foreach (var n in names)
            {
                var a = n.StartsWith("--", StringComparison.Ordinal) ? dashed : given;
                if (a == n || a == n + "=true" || a == n + "=True" || a == n + "=1") found = given;
                else if (a == n + "=false" || a == n + "=False" || a == n + "=0" || n.StartsWith("--", StringComparison.Ordinal) && a == "--no" + n[2..]) found = null;
            }
        }
        return found;
    }
}
