using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Cloud CLI options that take away what would let a deletion be undone: automated
/// backups and their retention, deletion/termination protection, point-in-time recovery, bucket
/// versioning and soft delete, lifecycle expiration; and the ones that scale a service to nothing.
/// The command's verb says "modify"/"update"/"patch" (a write), but its effect is the data loss it
/// makes possible or causes, so the worst entry that matches raises the effect. One table for aws,
/// gcloud and az; each entry names its tool, option, the value that disarms (or any) and why.</summary>
public static class SafeguardFlags
{
    private enum When : byte { Present, Zero, False, Contains, AtMost }

    private readonly record struct Entry(string Tool, string Flag, When When, string Arg, Effect Effect, string Why);

    private static readonly Entry[] Table =
    [
        // aws (rds, docdb, neptune, dynamodb, s3api, cloudformation, ec2, elasticache, ecs, autoscaling, lambda, logs)
        new("aws", "--backup-retention-period", When.Zero, "", Effect.Delete, "turns automated backups off and deletes them"),
        new("aws", "--no-deletion-protection", When.Present, "", Effect.Delete, "turns deletion protection off"),
        new("aws", "--no-deletion-protection-enabled", When.Present, "", Effect.Delete, "turns deletion protection off"),
        new("aws", "--no-enable-termination-protection", When.Present, "", Effect.Delete, "turns stack termination protection off"),
        new("aws", "--no-disable-api-termination", When.Present, "", Effect.Delete, "turns instance termination protection off"),
        new("aws", "--point-in-time-recovery-specification", When.Contains, "=false|:false", Effect.Delete, "turns point-in-time recovery off"),
        new("aws", "--versioning-configuration", When.Contains, "suspended", Effect.Delete, "suspends bucket versioning"),
        new("aws", "--lifecycle-configuration", When.Contains, "expiration", Effect.Delete, "a lifecycle rule expires (deletes) objects"),
        new("aws", "--snapshot-retention-limit", When.Zero, "", Effect.Delete, "turns automatic snapshots off"),
        new("aws", "--retention-in-days", When.AtMost, "7", Effect.Delete, "cuts log retention to a week or less: older events are deleted"),
        new("aws", "--desired-count", When.Zero, "", Effect.Terminate, "scales the service to zero tasks"),
        new("aws", "--desired-capacity", When.Zero, "", Effect.Terminate, "scales the group to zero instances"),
        new("aws", "--max-size", When.Zero, "", Effect.Terminate, "scales the group to zero instances"),
        new("aws", "--reserved-concurrent-executions", When.Zero, "", Effect.Terminate, "throttles the function to zero"),
        new("aws", "--change-batch", When.Contains, "\"action\":\"delete\"", Effect.Delete, "the change batch deletes a DNS record (route53)"),
        // gcloud (sql, compute, spanner, storage, container)
        new("gcloud", "--no-backup", When.Present, "", Effect.Delete, "turns automated backups off"),
        new("gcloud", "--no-deletion-protection", When.Present, "", Effect.Delete, "turns deletion protection off"),
        new("gcloud", "--no-enable-drop-protection", When.Present, "", Effect.Delete, "turns drop protection off"),
        new("gcloud", "--no-enable-point-in-time-recovery", When.Present, "", Effect.Delete, "turns point-in-time recovery off"),
        new("gcloud", "--no-enable-bin-log", When.Present, "", Effect.Delete, "turns point-in-time recovery (binary log) off"),
        new("gcloud", "--retained-backups-count", When.AtMost, "1", Effect.Delete, "keeps one backup or none: the others are deleted"),
        new("gcloud", "--clear-soft-delete", When.Present, "", Effect.Delete, "turns the bucket's soft delete off"),
        new("gcloud", "--soft-delete-duration", When.Zero, "", Effect.Delete, "turns the bucket's soft delete off"),
        new("gcloud", "--clear-retention-period", When.Present, "", Effect.Delete, "removes the bucket's retention policy"),
        new("gcloud", "--no-versioning", When.Present, "", Effect.Delete, "suspends bucket versioning"),
        // az (backup, storage, sql, postgres/mysql flexible servers)
        new("az", "--delete-backup-data", When.Contains, "true", Effect.Wipe, "deletes the item's backup data"),
        new("az", "--enable-delete-retention", When.False, "", Effect.Delete, "turns blob soft delete off"),
        new("az", "--enable-container-delete-retention", When.False, "", Effect.Delete, "turns container soft delete off"),
        new("az", "--enable-versioning", When.False, "", Effect.Delete, "turns blob versioning off"),
        new("az", "--backup-retention", When.AtMost, "1", Effect.Delete, "cuts backup retention to a day"),
        new("az", "--retention-days", When.Zero, "", Effect.Delete, "turns retention off"),
    ];

    /// <summary>The worst effect the options in <paramref name="args"/> give <paramref name="tool"/>
    /// (<paramref name="effect"/> when none matches), with evidence for each match. Called only for
    /// commands whose verb already says they change something.</summary>
    public static Effect Apply(string tool, IReadOnlyList<string> args, Effect effect, List<Evidence> evidence, IExecContext ctx)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a.Length < 4 || a[0] != '-' || a[1] != '-') continue;
            int eq = a.IndexOf('=');
            var name = eq > 0 ? a[..eq] : a;
            foreach (var e in Table)
            {
                if (e.Tool != tool || e.Flag != name) continue;
                string? value = eq > 0 ? a[(eq + 1)..] : i + 1 < args.Count ? args[i + 1] : null;
                if (e.When == When.Contains && value != null && value.StartsWith("file", StringComparison.Ordinal) && value.Contains("://", StringComparison.Ordinal))
                {
                    // The CLI reads the setting from file://PATH (fileb://): the file's text is the value, read
                    // as curl's @file is; one that cannot be read now is not known (a route53 batch, a policy).
                    int scheme = value.IndexOf("://", StringComparison.Ordinal) + 3;
                    if (ToolHelp.ReadText(ctx, value[scheme..]) is string text) value = text;
                    else
                    {
                        evidence.Add(new($"{name} {value}", "settings read from a file that cannot be read (unknown)"));
                        effect = ToolHelp.Max(effect, Effect.Unknown);
                        continue;
                    }
                }
                // A JSON escape (\u0045 for E) can spell what the match looks for: not read, unknown.
                if (e.When == When.Contains && value != null && value.Contains("\\u", StringComparison.OrdinalIgnoreCase))
                {
                    evidence.Add(new($"{name} {HttpBody.Short(value)}", "settings with a JSON escape, not read (unknown)"));
                    effect = ToolHelp.Max(effect, Effect.Unknown);
                    continue;
                }
                if (!Disarms(e, value)) continue;
                evidence.Add(new(e.When == When.Present || value == null ? name : $"{name} {value}", e.Why));
                effect = ToolHelp.Max(effect, e.Effect);
            }
        }
        return effect;
    }

    private static bool Disarms(Entry e, string? value) => e.When switch
    {
        When.Present => true,
        When.Zero => value != null && value.Trim() == "0",
        When.False => value != null && value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase),
        // Every blank out (JSON allows newlines and tabs between a key and its value, not only spaces).
        When.Contains => value != null && e.Arg.Split('|').Any(x => string.Concat(value.Where(c => !char.IsWhiteSpace(c))).Contains(x, StringComparison.OrdinalIgnoreCase)),
        When.AtMost => value != null && int.TryParse(value.Trim(), out var n) && n <= int.Parse(e.Arg),
        _ => false,
    };
}
