using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>What code handed to a framework's console does to the database, as far as its ORM calls
/// say, for languages whose calls are read by table: Laravel's <c>artisan tinker --execute=CODE</c>
/// (or code on its stdin; Eloquent and the DB facade) and Elixir's <c>mix run -e CODE</c> (Ecto).
/// Each call is data: an effect when nothing narrows the query, another when something does (a
/// <c>where</c>), and the calls whose first string literal is SQL, read by the SQL scanner (a string
/// built at run time is unknown). Code with none of these is unknown: the language can do anything.
/// Ruby (<see cref="RubyCode"/>) and Python (<see cref="PythonOrmCode"/>) have readers of their own.</summary>
internal static class OrmCode
{
    internal sealed record Language(string Name, string[] Narrowing, (string Call, Effect All, Effect Narrowed)[] Calls, string[] SqlCalls);

    internal static readonly Language Php = new("PHP",
        ["where", "find(", "first()", "->limit(", "->take("],
        [
            ("::truncate()", Effect.Truncate, Effect.Truncate), ("->truncate()", Effect.Truncate, Effect.Truncate),
            ("->delete()", Effect.Wipe, Effect.Delete), ("->forceDelete()", Effect.Wipe, Effect.Delete), ("::destroy(", Effect.Delete, Effect.Delete),
            ("->update(", Effect.Wipe, Effect.Write), ("::query()->update(", Effect.Wipe, Effect.Write),
            ("Schema::drop(", Effect.Drop, Effect.Drop), ("Schema::dropIfExists(", Effect.Drop, Effect.Drop), ("Schema::dropAllTables(", Effect.Drop, Effect.Drop),
            ("Artisan::call('migrate:fresh'", Effect.Wipe, Effect.Wipe), ("Artisan::call('db:wipe'", Effect.Wipe, Effect.Wipe),
            ("Artisan::call('migrate:reset'", Effect.Drop, Effect.Drop), ("Artisan::call('migrate:rollback'", Effect.Drop, Effect.Drop),
        ],
        ["DB::statement(", "DB::unprepared(", "DB::delete(", "DB::update(", "DB::insert(", "DB::select(", "DB::raw("]);

    internal static readonly Language Elixir = new("Elixir",
        ["where(", "where:", "Ecto.Query.where"],
        [
            ("Repo.delete_all(", Effect.Wipe, Effect.Delete), ("Repo.update_all(", Effect.Wipe, Effect.Write),
            ("Repo.delete(", Effect.Delete, Effect.Delete), ("Repo.delete!(", Effect.Delete, Effect.Delete),
            ("Ecto.Migrator.run(", Effect.Drop, Effect.Drop), // :down undoes migrations; :up writes: the worse is kept
        ],
        ["Repo.query(", "Repo.query!(", "Ecto.Adapters.SQL.query(", "Ecto.Adapters.SQL.query!("]);

    /// <summary>artisan: <c>tinker --execute=CODE</c> or code on its stdin; null (the table's unknown) when there is none.</summary>
    // What is read only raises the console's unknown, never lowers it: code may do more than the calls read.
    internal static Effect? TinkerEffectOf(ToolCall c, List<string> words, List<Evidence> evidence) =>
        words.Count > 0 && words[0] == "tinker" && (ToolHelp.Option(c.Args, "--execute") ?? c.StdinText) is string code ? ToolHelp.Max(Effect.Unknown, EffectOf(Php, code, evidence)) : null;

    /// <summary>mix: <c>run -e|--eval CODE</c>; null (the table's unknown) when there is none.</summary>
    internal static Effect? MixRunEffectOf(ToolCall c, List<string> words, List<Evidence> evidence) =>
        words.Count > 0 && words[0] == "run" && ToolHelp.Option(c.Args, "-e", "--eval") is string code ? ToolHelp.Max(Effect.Unknown, EffectOf(Elixir, code, evidence)) : null;

    /// <summary>The effect of <paramref name="code"/> in <paramref name="lang"/>; adds what it found to <paramref name="evidence"/>.</summary>
    internal static Effect EffectOf(Language lang, string code, List<Evidence> evidence)
    {
        var f = new OrmFindings(code, evidence);
        bool narrowed = OrmFindings.AnyOf(code, lang.Narrowing);
        var quoted = code.Replace('"', '\''); // Artisan::call("db:wipe") as Artisan::call('db:wipe')
        foreach (var (call, all, some) in lang.Calls)
        {
            if (!quoted.Contains(call, StringComparison.Ordinal)) continue;
            var e = narrowed ? some : all;
            f.Found(e, $"{call.TrimEnd('(')}{(narrowed || all == some ? "" : " of what nothing narrows")} → {e.Name()}");
        }
        foreach (var call in lang.SqlCalls)
        {
            for (int at = code.IndexOf(call, StringComparison.Ordinal); at >= 0; at = code.IndexOf(call, at + 1, StringComparison.Ordinal))
            {
                // The SQL is the call's first argument, or (Ecto.Adapters.SQL.query!(Repo, "…")) the first string in it.
                var rest = code.AsSpan(at + call.Length);
                int q = rest.IndexOfAny('"', '\'');
                int stop = rest.IndexOfAny(')', ';');
                string? sql = q >= 0 && !(stop >= 0 && stop < q) && TryLiteral(rest[q..], out var text) ? text : null;
                // PHP interpolates "$name" in double quotes: built at run time.
                f.Sql(call.TrimEnd('('), sql != null && rest[q] == '"' && lang == Php && sql.Contains('$') ? null : sql);
            }
        }
        return f.Result(lang.Name);
    }

    /// <summary>A string literal in the quote it starts with (a backslash escapes the next character).</summary>
    internal static bool TryLiteral(ReadOnlySpan<char> s, out string text)
    {
        char q = s[0];
        int end = 1;
        while (end < s.Length && s[end] != q) end += s[end] == '\\' ? 2 : 1;
        text = end < s.Length ? s[1..end].ToString() : "";
        return end < s.Length;
    }
}
