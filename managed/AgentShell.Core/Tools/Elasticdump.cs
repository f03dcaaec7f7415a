using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>elasticdump <c>--input=SRC --output=DST [--type=data|mapping|settings|…] [--delete]</c>:
/// moves an index's documents or definitions between Elasticsearch/OpenSearch URLs and files. An
/// output URL is written (documents, mappings, settings); <c>--delete</c> deletes each document from
/// the input as it is moved (its manual: "Delete documents one-by-one from the input"), so an input
/// URL is then a delete; otherwise the input is read. Targets: both URLs (a file or <c>$</c> is
/// local). Options take <c>--opt=value</c> or <c>--opt value</c>; a boolean as <c>--delete</c>,
/// <c>--delete=true</c> or <c>--delete true</c> (yargs).</summary>
public static class Elasticdump
{
    /// <summary>Parses elasticdump's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        var evidence = new List<Evidence>();
        string? input = null, output = null;
        bool delete = false;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (!x.StartsWith("--", StringComparison.Ordinal)) continue;
            int eq = x.IndexOf('=');
            var name = eq > 0 ? x[2..eq] : x[2..];
            string? value = eq > 0 ? x[(eq + 1)..] : null;
            if (name is "help" or "version") return ToolHelp.Help("elasticdump", "--help");
            if (name == "delete")
            {
                // yargs: a boolean takes a following true/false as its value.
                if (value == null && i + 1 < a.Count && a[i + 1] is "true" or "false") value = a[++i];
                delete = value == null || !value.Equals("false", StringComparison.OrdinalIgnoreCase);
                continue;
            }
            if (value == null && i + 1 < a.Count && !a[i + 1].StartsWith("--", StringComparison.Ordinal)) value = a[++i];
            if (name == "input") input = value;
            else if (name == "output") output = value;
        }
        var targets = new List<Target>();
        Effect effect = Effect.Read;
        switch (Remote(input, out var inTarget))
        {
            case true:
                targets.Add(inTarget);
                if (delete)
                {
                    effect = Effect.Delete;
                    evidence.Add(new("--delete", $"deletes each document from the input {input} as it is moved"));
                }
                break;
            case null:
                effect = Effect.Unknown;
                evidence.Add(new(input!, "an input URL that cannot be read (unknown)"));
                break;
        }
        switch (Remote(output, out var outTarget))
        {
            case true:
                targets.Add(outTarget);
                effect = ToolHelp.Max(effect, Effect.Write);
                evidence.Add(new("--output", $"writes to {output}"));
                break;
            case null:
                effect = ToolHelp.Max(effect, Effect.Unknown);
                evidence.Add(new(output!, "an output URL that cannot be read (unknown)"));
                break;
        }
        if (targets.Count == 0) targets.Add(new Target { Kind = TargetKind.LocalPath, Path = output ?? input ?? "." });
        string summary = effect switch
        {
            Effect.Delete => "elasticdump --delete (moves documents, deleting them from the input)",
            Effect.Write => "elasticdump into an index",
            Effect.Read => "elasticdump from an index",
            _ => "elasticdump",
        };
        return ToolHelp.Intent("elasticdump", effect, summary, targets, evidence);
    }

    /// <summary>True for an http(s) URL (its target set), false for a file, stdin/stdout (<c>$</c>) or
    /// nothing, null for an http(s) URL that does not parse.</summary>
    private static bool? Remote(string? where, out Target target)
    {
        target = null!;
        if (where == null || !(where.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || where.StartsWith("https://", StringComparison.OrdinalIgnoreCase))) return false;
        return UrlParser.TryParse(where, "https", out target) ? true : null;
    }
}
