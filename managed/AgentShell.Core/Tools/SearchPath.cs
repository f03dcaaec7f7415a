namespace AgentShell.Core.Tools;

/// <summary>Whether a PostgreSQL search_path lets another schema's functions stand in for the
/// built-ins: pg_catalog is searched first only when the path does not name it, so a path that
/// names it after another schema (<c>evil, pg_catalog</c>) makes <c>now()</c> or <c>count(*)</c> that
/// schema's functions. One answer for <c>SET search_path</c>, <c>ALTER … SET search_path</c> (the SQL
/// scanner) and a startup message's <c>search_path</c> (the wire).</summary>
public static class SearchPath
{
    /// <summary>True when <paramref name="value"/> (comma-separated schema names, "quoted" kept as
    /// written, others case-folded) names pg_catalog anywhere but first.</summary>
    public static bool Shadows(string value)
    {
        int k = 0;
        foreach (var part in Schemas(value))
        {
            if (part == "pg_catalog") return k > 0;
            k++;
        }
        return false;
    }

    // The schema names of a search_path value: comma-separated, "quoted" kept as written, others lower-cased.
    private static IEnumerable<string> Schemas(string value)
    {
        int i = 0;
        while (i < value.Length)
        {
            while (i < value.Length && (char.IsWhiteSpace(value[i]) || value[i] == ',')) i++;
            if (i >= value.Length) yield break;
            var name = new System.Text.StringBuilder();
            if (value[i] == '"')
            {
                for (i++; i < value.Length; i++)
                {
                    if (value[i] == '"') { if (i + 1 < value.Length && value[i + 1] == '"') { name.Append('"'); i++; continue; } i++; break; }
                    name.Append(value[i]);
                }
            }
            else
            {
                for (; i < value.Length && value[i] != ',' && !char.IsWhiteSpace(value[i]); i++) name.Append(char.ToLowerInvariant(value[i]));
            }
            while (i < value.Length && value[i] != ',') i++;
            yield return name.ToString();
        }
    }
}
