using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What Ruby code given to <c>rails runner</c> does to the database, as far as its
/// ActiveRecord calls say: <c>delete_all</c>/<c>destroy_all</c> delete (wipe when nothing narrows
/// the relation: no <c>where</c>, <c>find_by</c>, …), <c>update_all</c> writes (wipe unnarrowed, as
/// an UPDATE without WHERE), <c>drop_table</c>/<c>drop_database</c> drop, <c>truncate</c> truncates,
/// <c>destroy</c>/<c>delete</c> of one record delete, and <c>connection.execute("SQL")</c> (also
/// <c>exec_query</c>, <c>exec_delete</c>, <c>exec_update</c>) is its SQL, read by the SQL scanner
/// (a string built at run time is unknown). Code with none of these is unknown: Ruby can do anything.</summary>
internal static class RubyCode
{
    private static readonly string[] Narrowing = [".where", ".find_by", ".find(", ".limit", ".joins", ".first", ".last", ".take", ".in_batches", "scope"];

    /// <summary>The effect of <paramref name="code"/>; adds what it found to <paramref name="evidence"/>.</summary>
    internal static Effect EffectOf(string code, string token, List<Evidence> evidence)
    {
        var f = new OrmFindings(token, evidence);
        bool narrowed = OrmFindings.AnyOf(code, Narrowing);
        foreach (var (call, all) in (ReadOnlySpan<(string, bool)>)[("delete_all", true), ("destroy_all", true), ("update_all", true), ("delete_by", false), ("destroy_by", false)])
        {
            if (!Calls(code, call)) continue;
            var e = call == "update_all" ? (narrowed ? Effect.Write : Effect.Wipe) : all && !narrowed ? Effect.Wipe : Effect.Delete;
            f.Found(e, $"{call}{(all && !narrowed ? " on a relation nothing narrows" : "")} → {e.Name()}");
        }
        foreach (var call in (ReadOnlySpan<string>)["drop_table", "drop_database", "drop_schema", "drop_join_table", "remove_column", "remove_table"])
            if (Calls(code, call)) f.Found(Effect.Drop, $"{call} → drop");
        foreach (var call in (ReadOnlySpan<string>)["truncate", "truncate_tables", "truncate_all"])
            if (Calls(code, call)) f.Found(Effect.Truncate, $"{call} → truncate");
        foreach (var call in (ReadOnlySpan<string>)["destroy", "destroy!", "delete"])
            if (Calls(code, call)) f.Found(Effect.Delete, $"{call} of a record → delete");
        foreach (var call in (ReadOnlySpan<string>)["execute", "exec_query", "exec_delete", "exec_update", "select_all", "select_value", "select_rows"])
        {
            for (int at = code.IndexOf("." + call, StringComparison.Ordinal); at >= 0; at = code.IndexOf("." + call, at + 1, StringComparison.Ordinal))
            {
                var rest = code.AsSpan(at + 1 + call.Length).TrimStart();
                if (!rest.IsEmpty && rest[0] == '(') rest = rest[1..].TrimStart();
                f.Sql(call, !rest.IsEmpty && rest[0] is '"' or '\'' && OrmCode.TryLiteral(rest, out var sql) ? sql : null);
            }
        }
        return f.Result("Ruby");
    }

    // .NAME followed by a non-identifier character (delete_all(, delete_all;, end of code).
    private static bool Calls(string code, string name)
    {
        for (int at = code.IndexOf("." + name, StringComparison.Ordinal); at >= 0; at = code.IndexOf("." + name, at + 1, StringComparison.Ordinal))
        {
            int end = at + 1 + name.Length;
            if (end >= code.Length || !(char.IsAsciiLetterOrDigit(code[end]) || code[end] is '_' or '!' or '?') || name.EndsWith('!')) return true;
        }
        return false;
    }
}
