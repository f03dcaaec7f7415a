namespace AgentShell.Core.Tools;

/// <summary>Google Cloud client-library calls in a one-liner (Python <c>google.cloud.storage</c> and
/// <c>bigquery</c>, Node <c>@google-cloud/storage</c> and <c>@google-cloud/bigquery</c>), read as the
/// gcloud or bq command that does the same, as <see cref="InlineAwsSdk"/> reads AWS's: they go to
/// Google's shared endpoints, which no host list marks as production. A scan of calls with literal
/// arguments: a <c>delete()</c> acts on the object, bucket, table or dataset made last before it
/// (<c>client.bucket('b').blob('k').delete()</c> is <c>gcloud storage rm gs://b/k</c>); the client's
/// own <c>delete_dataset</c>/<c>delete_table</c>/<c>delete_blob(s)</c>, and BigQuery's <c>query(SQL)</c>,
/// are theirs. The project is the client's <c>project=</c>/<c>projectId:</c>.</summary>
internal static class InlineGcpSdk
{
    private static readonly string[] Makers = ["blob", "file", "bucket", "get_bucket", "lookup_bucket", "table", "get_table", "dataset", "get_dataset"];

    /// <summary>The gcloud/bq argv of each call <paramref name="code"/> makes (empty without a Google Cloud library).</summary>
    public static List<string[]> Read(string code)
    {
        var found = new List<string[]>();
        bool python = code.Contains("google.cloud", StringComparison.Ordinal);
        if (!python && !code.Contains("@google-cloud/", StringComparison.Ordinal)) return found;
        string? project = InlineCode.ValueOf(code, python ? "project" : "projectId");
        string[] Gcloud(params string[] a) => project == null ? ["gcloud", .. a] : ["gcloud", .. a, "--project", project];
        string[] Bq(params string[] a) => project == null ? ["bq", .. a] : ["bq", $"--project_id={project}", .. a];
        bool bigquery = code.Contains("bigquery", StringComparison.OrdinalIgnoreCase);
        for (int i = code.IndexOf('.'); i >= 0 && i + 1 < code.Length; i = code.IndexOf('.', i + 1))
        {
            // Bounded as InlineAwsSdk's reading is: what is past the cap is an unknown command, never a read.
            if (found.Count == InlineAwsSdk.MaxOperations) { found.Add(["gcloud", "sdk", "more-operations-than-read"]); break; }
            int end = i + 1; while (end < code.Length && (char.IsAsciiLetterOrDigit(code[end]) || code[end] == '_')) end++;
            if (end >= code.Length || code[end] != '(') continue;
            var name = code[(i + 1)..end];
            bool literal = InlineCode.Literal(code, end + 1, out var arg, out _);
            int close = code.IndexOf(')', end);
            var args = close > end ? code[end..close] : "";
            bool force = args.Contains("force", StringComparison.Ordinal) && !args.Contains("False", StringComparison.Ordinal) && !args.Contains("false", StringComparison.Ordinal)
                || args.Contains("delete_contents=True", StringComparison.Ordinal);
            switch (name)
            {
                case "delete":
                    // Nothing made before it names what is deleted (for b in client.list_buckets(): b.delete()):
                    // a delete in the project all the same.
                    if (Nearest(code, i) is not var (kind, value, outer)) { found.Add(Gcloud("storage", "rm", "gs://?")); break; }
                    found.Add(kind switch
                    {
                        "blob" or "file" => Gcloud("storage", "rm", $"gs://{outer ?? "?"}/{value}"),
                        "bucket" or "get_bucket" or "lookup_bucket" => force ? Gcloud("storage", "rm", "-r", $"gs://{value}") : Gcloud("storage", "buckets", "delete", $"gs://{value}"),
                        "table" or "get_table" => Bq("rm", "-f", "-t", outer != null && !value.Contains('.') ? $"{outer}.{value}" : value),
                        _ => force ? Bq("rm", "-r", "-f", "-d", value) : Bq("rm", "-f", "-d", value),
                    });
                    break;
                // A name not written as a literal is "?": the delete is read, its object is not.
                case "delete_dataset": found.Add(force ? Bq("rm", "-r", "-f", "-d", literal ? arg : "?") : Bq("rm", "-f", "-d", literal ? arg : "?")); break;
                case "delete_table": found.Add(Bq("rm", "-f", "-t", literal ? arg : "?")); break;
                case "delete_blob" or "delete_blobs":
                    var bucket = Nearest(code, i) is ("bucket" or "get_bucket" or "lookup_bucket", var b, _) ? b : "?";
                    found.Add(Gcloud("storage", "rm", literal ? $"gs://{bucket}/{arg}" : $"gs://{bucket}/*"));
                    break;
                case "query" or "createQueryJob" when bigquery && literal: found.Add(Bq("query", "--nouse_legacy_sql", arg)); break;
                case "query" or "createQueryJob" when bigquery: found.Add(Bq("query", "--nouse_legacy_sql", "-")); break; // built at run time: unknown
            }
        }
        return found;
    }

    // The object made last before at (.blob('k'), .bucket('b'), …): its kind, its literal name ("?" when
    // not a literal), and
    // the name of the bucket or dataset made before it (a blob's bucket, a table's dataset).
    private static (string Kind, string Value, string? Outer)? Nearest(string code, int at)
    {
        (string Kind, string Value, int At)? best = null;
        foreach (var maker in Makers)
        {
            int hit = code.LastIndexOf("." + maker + "(", at, StringComparison.Ordinal);
            if (hit >= 0 && (best == null || hit > best.Value.At)) best = (maker, InlineCode.Literal(code, hit + maker.Length + 2, out var v, out _) ? v : "?", hit);
        }
        if (best is not { } b) return null;
        string? outer = null;
        var outerKinds = b.Kind is "blob" or "file" ? new[] { "bucket", "get_bucket", "lookup_bucket" } : b.Kind.EndsWith("table") ? ["dataset", "get_dataset"] : [];
        foreach (var o in outerKinds)
        {
            int hit = code.LastIndexOf("." + o + "(", b.At, StringComparison.Ordinal);
            if (hit >= 0 && InlineCode.Literal(code, hit + o.Length + 2, out var v, out _)) { outer = v; break; }
        }
        return (b.Kind, b.Value, outer);
    }
}
