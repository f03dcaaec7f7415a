using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

// SQL that runs later or elsewhere: the bodies of functions, procedures and DO blocks (SQL and
// PL/pgSQL are scanned; an untrusted language such as plpython3u or a C library can run programs
// on the server), triggers and event triggers (their function's body), rules (their commands),
// and calls of functions.
public static partial class SqlScanner
{
    private static Effect Create(List<Word> w, int from, int to, int d, Context cx)
    {
        int i = from + 1;
        if (i + 1 < to && w[i].Text == "OR" && w[i + 1].Text == "REPLACE") i += 2;
        while (i < to && w[i].Text is "TEMP" or "TEMPORARY" or "UNLOGGED" or "DEFINER" or "TRUSTED" or "PROCEDURAL" or "CONSTRAINT" or "AGGREGATE") i++;
        string what = i < to ? w[i].Text : "";
        switch (what)
        {
            case "FUNCTION" or "PROCEDURE":
            {
                var body = Routine(w, i + 1, to, d, cx, out var name);
                if (name != null) cx.Routines[name] = body;
                return ToolHelp.Max(Effect.Write, body);
            }
            case "TRIGGER" or "EVENT":
                return ToolHelp.Max(Effect.Write, TriggerFunction(w, i, to, cx));
            case "RULE":
                return ToolHelp.Max(Effect.Write, Rule(w, i, to, d, cx));
            case "LANGUAGE" when i + 1 < to && SqlFunctions.UntrustedLanguages.Contains((Content(w[i + 1], cx) ?? w[i + 1].Text).ToLowerInvariant()):
                return Effect.ServerExec; // an untrusted language (plperlu, plpython3u) lets any function it backs run programs
            case "SERVER" or "SUBSCRIPTION" or "EXTENSION" or "LANGUAGE":
                return Effect.ServerAdmin;
            case "USER" when i + 1 < to && w[i + 1].Text == "MAPPING":
                return Effect.ServerAdmin;
            case "FOREIGN" when i + 1 < to && w[i + 1].Text == "DATA":
                return Effect.ServerAdmin;
            case "ROLE" or "USER" when RolePower(w, i, to):
                return Effect.ServerAdmin;
            default:
                // CREATE [MATERIALIZED] VIEW / TABLE … AS query: a view's query runs at every read of
                // it, the others' now; a call in it is as unknown as in a SELECT of its own.
                return ToolHelp.Max(ToolHelp.Max(Effect.Write, QueryAfter(w, i, to, d, "AS", cx)), Stored(w, i, to, what is "INDEX" or "UNIQUE", cx));
        }
    }

    // Options of CREATE OPERATOR / AGGREGATE / TYPE / LANGUAGE … that name a function the server
    // calls later (FUNCTION = f, SFUNC = f, …).
    private static readonly HashSet<string> FunctionOptions = new(StringComparer.Ordinal)
    {
        "FUNCTION", "PROCEDURE", "SFUNC", "FINALFUNC", "COMBINEFUNC", "SERIALFUNC", "DESERIALFUNC", "MSFUNC", "MINVFUNC", "MFINALFUNC",
        "INPUT", "OUTPUT", "RECEIVE", "SEND", "TYPMOD_IN", "TYPMOD_OUT", "ANALYZE", "SUBSCRIPT", "SUBTYPE_DIFF", "CANONICAL",
        "RESTRICT", "JOIN", "HANDLER", "VALIDATOR", "INLINE",
    };

    // Index access methods: USING gin (…) names one, not a function.
    private static readonly HashSet<string> IndexMethods = new(StringComparer.Ordinal)
    {
        "BTREE", "HASH", "GIST", "SPGIST", "GIN", "BRIN", "BLOOM", "RUM", "IVFFLAT", "HNSW",
    };

    /// <summary>The calls in what a definition stores for the server to evaluate later or while it
    /// rewrites rows: DEFAULT, CHECK, GENERATED … AS (…), USING (a policy's expression, ALTER … TYPE
    /// … USING), WHERE, a partition's bounds (FOR VALUES FROM (…) TO (…), evaluated when it is made),
    /// an index's elements, and a function an operator, aggregate, cast or type
    /// names (FUNCTION = f, WITH FUNCTION f(…)). On main a column's DEFAULT f() or a view-less
    /// CHECK (f()) ran f unjudged at the next INSERT, or at once for the rows an ALTER rewrote.
    /// Each expression runs to the next comma at its depth (the next column), so a later column's
    /// type such as vector(3) is not read as a call.</summary>
    private static Effect Stored(List<Word> w, int from, int to, bool index, Context cx)
    {
        Effect e = Effect.Read;
        for (int k = from; k < to; k++)
        {
            var t = w[k].Text;
            if (t is "DEFAULT" or "CHECK" or "USING" or "GENERATED" or "WHERE" or "VALUES" || index && t == "ON")
            {
                int d = w[k].Depth, start = k + 1;
                // The table of ON [ONLY] [schema.]t (…) and the access method of USING gin (…): names, not calls.
                if (t == "ON")
                {
                    while (start < to && w[start].Depth == d && !w[start].Call) start++;
                    if (start >= to || !w[start].Call) continue;
                    start++;
                }
                else if (t == "USING" && start < to && w[start].Call && w[start].Depth == d && IndexMethods.Contains(w[start].Text)) start++;
                int end = start;
                while (end < to && (w[end].Depth > d || w[end].Depth == d && w[end].Prev != ',')) end++;
                e = ToolHelp.Max(e, Calls(w, start, end, cx));
            }
            else if (k > from && FunctionOptions.Contains(w[k - 1].Text) && (w[k].Prev == '=' || w[k].Call && w[k - 1].Text is "FUNCTION" or "PROCEDURE"))
            {
                int name = k;
                while (name + 1 < to && w[name + 1].Prev == '.') name++; // schema.function
                e = ToolHelp.Max(e, w[name].Text == "\"" ? Effect.Unknown : cx.Defined(w[name].Text, out var defined) ? defined : SqlFunctions.EffectOf(w[name].Text));
            }
        }
        return e;
    }

    // CREATE FUNCTION name(args) … LANGUAGE l AS 'body' | $$body$$ | BEGIN ATOMIC …; MySQL's
    // CREATE FUNCTION … SONAME 'lib' loads a library.
    private static Effect Routine(List<Word> w, int from, int to, int d, Context cx, out string? name)
    {
        name = null;
        for (int i = from; i < to; i++) if (w[i].Call) { name = w[i].Text; break; }
        string? language = null, body = null;
        for (int i = from; i < to; i++)
        {
            if (w[i].Depth != d) continue;
            if (w[i].Text == "SONAME") return Effect.ServerExec;
            if (w[i].Text == "LANGUAGE" && i + 1 < to) language = Content(w[i + 1], cx) ?? w[i + 1].Text;
            if (w[i].Text is "$$" or "'" && body == null && i > from && w[i - 1].Text is "AS" or "," or "$$" or "'") body = Content(w[i], cx);
            if (w[i].Text == "ATOMIC") return Procedural(w.GetRange(i + 1, to - i - 1), cx);
        }
        if (body == null)
        {
            // MySQL/SQLite: a single-statement body follows the signature.
            for (int i = from; i < to; i++)
                if (w[i].Depth == d && w[i].Text is "DELETE" or "UPDATE" or "INSERT" or "DROP" or "TRUNCATE" or "BEGIN" or "SELECT" or "CALL")
                    return Procedural(w.GetRange(i, to - i), cx);
            return Effect.Unknown;
        }
        return Body(body, language, cx);
    }

    /// <summary>The effect of running a body written in <paramref name="language"/>.</summary>
    private static Effect Body(string body, string? language, Context cx)
    {
        var lang = language?.ToLowerInvariant().Trim('\'', '"');
        if (lang != null && SqlFunctions.UntrustedLanguages.Contains(lang)) return Effect.ServerExec;
        if (lang is not (null or "sql" or "plpgsql")) return Effect.Unknown;
        if (cx.Nesting >= MaxNesting) return Effect.Unknown;
        cx.Nesting++;
        try { return Scan(cx, body, procedural: true).Effect; }
        finally { cx.Nesting--; }
    }

    // DO [LANGUAGE l] 'body' | $$body$$ [LANGUAGE l]
    private static Effect Do(List<Word> w, int from, int to, Context cx)
    {
        string? language = null, body = null;
        for (int i = from + 1; i < to; i++)
        {
            if (w[i].Text == "LANGUAGE" && i + 1 < to) { language = Content(w[i + 1], cx) ?? w[i + 1].Text; i++; }
            else if (w[i].Text is "$$" or "'" && body == null) body = Content(w[i], cx);
        }
        return body == null ? Effect.Unknown : Body(body, language, cx);
    }

    // CREATE [EVENT] TRIGGER … EXECUTE FUNCTION|PROCEDURE name(): the function's body runs on each
    // event; unknown unless this script defines it.
    private static Effect TriggerFunction(List<Word> w, int from, int to, Context cx)
    {
        for (int i = from; i < to - 1; i++)
        {
            if (w[i].Text != "EXECUTE" || w[i + 1].Text is not ("FUNCTION" or "PROCEDURE")) continue;
            for (int j = i + 2; j < to; j++)
                if (w[j].Call) return cx.Defined(w[j].Text, out var e) ? e : Effect.Unknown;
        }
        return Effect.Unknown;
    }

    // CREATE RULE … DO [ALSO|INSTEAD] NOTHING | command | (command; …): the commands run with every
    // matching statement on the table.
    private static Effect Rule(List<Word> w, int from, int to, int d, Context cx)
    {
        int at = IndexOf(w, from, to, d, "DO");
        if (at < 0 || at + 1 >= to) return Effect.Unknown;
        int pos = w[at].Pos + 2;
        var rest = cx.Source[pos..Math.Max(pos, Math.Min(cx.StatementEnd, cx.Source.Length))].Trim();
        foreach (var word in (ReadOnlySpan<string>)["ALSO", "INSTEAD"])
            if (rest.StartsWith(word, StringComparison.OrdinalIgnoreCase)) rest = rest[word.Length..].Trim();
        if (rest.StartsWith('(') && rest.EndsWith(')')) rest = rest[1..^1];
        if (rest.Equals("NOTHING", StringComparison.OrdinalIgnoreCase)) return Effect.Write;
        if (cx.Nesting >= MaxNesting) return Effect.Unknown;
        cx.Nesting++;
        try { return Scan(cx, rest, procedural: false).Effect; }
        finally { cx.Nesting--; }
    }

    /// <summary>Calls in words[from..to): each function's effect (SqlFunctions), a function this
    /// script defines by its body; a function the scanner cannot see into is unknown. Names
    /// before <c>(</c> that are not calls (keywords, a table after INTO, a type after :: or AS, a
    /// CTE's column list) are skipped.</summary>
    private static Effect Calls(List<Word> w, int from, int to, Context cx)
    {
        Effect e = Effect.Read;
        for (int i = from; i < to; i++)
        {
            var word = w[i];
            if (!word.Call) continue;
            if (word.Prev == ':') continue; // x::numeric(10,2)
            int head = i;
            while (head > from && w[head].Prev == '.') head--; // schema.function(
            string before = head > from ? w[head - 1].Text : "";
            // AS p(a) names an alias's columns; AS (f()) (a generated column) is an expression.
            if (before is "INTO" or "TABLE" or "ONLY" or "REFERENCES" or "WITH" or "RECURSIVE" || before == "AS" && w[head].Prev != '(') continue;
            if (word.Text == "\"") { e = ToolHelp.Max(e, Effect.Unknown); continue; }
            if (SqlFunctions.NotCalls.Contains(word.Text) && head == i) continue;
            if (cx.Defined(word.Text, out var defined)) { e = ToolHelp.Max(e, defined); continue; }
            // public.now() is not pg_catalog.now(): a function of the name in another schema (an
            // application's deleting function renamed there, say) is one the scanner cannot see into.
            if (head < i && w[head].Text != "PG_CATALOG") { e = ToolHelp.Max(e, Effect.Unknown); continue; }
            // set_config('search_path', …) is SET search_path (SearchPathShadows): its value is not read here.
            if (word.Text == "SET_CONFIG" && i + 1 < to && w[i + 1].Text == "'" && Content(w[i + 1], cx) is { } setting
                && setting.Trim().Equals("search_path", StringComparison.OrdinalIgnoreCase)) { e = ToolHelp.Max(e, Effect.Unknown); continue; }
            e = ToolHelp.Max(e, SqlFunctions.EffectOf(word.Text));
        }
        return e;
    }

    // A statement inside a PL/pgSQL or SQL body: control words (BEGIN, IF … THEN, LOOP, EXCEPTION
    // WHEN … THEN, RETURN QUERY, FOR … IN query LOOP) are stepped over; EXECUTE of a constant string
    // runs that string, of anything else is unknown; declarations, assignments and RAISE are
    // expressions, judged by the functions they call.
    private static Effect Procedural(List<Word> w, Context cx)
    {
        int i = 0, n = w.Count;
        Effect extra = Effect.Read;
        while (i < n)
        {
            var t = w[i].Text;
            if (t is "BEGIN" or "END" or "ELSE" or "LOOP" or "EXCEPTION" or "DECLARE" or "ATOMIC" or "QUERY" or "NEXT" or "RETURN" or "STRICT")
            {
                i++;
                continue;
            }
            if (t is "IF" or "ELSIF" or "ELSEIF" or "WHEN" or "WHILE" or "CASE")
            {
                int then = i + 1;
                while (then < n && w[then].Text is not ("THEN" or "LOOP")) then++;
                extra = ToolHelp.Max(extra, Calls(w, i + 1, Math.Min(then, n), cx));
                i = then + 1;
                continue;
            }
            if (t == "FOR" || t == "FOREACH")
            {
                int @in = i + 1;
                while (@in < n && w[@in].Text != "IN") @in++;
                int loop = @in + 1;
                while (loop < n && w[loop].Text != "LOOP") loop++;
                if (@in + 1 < loop) extra = ToolHelp.Max(extra, w[@in + 1].Text == "EXECUTE" ? Effect.Unknown : Classify(w, @in + 1, loop, 1, cx));
                i = loop + 1;
                continue;
            }
            break;
        }
        if (i >= n) return extra;
        var head = w[i].Text;
        if (head == "EXECUTE")
        {
            // EXECUTE 'constant SQL' runs that SQL; EXECUTE of a built string cannot be known.
            if (i + 2 == n && w[i + 1].Text == "'" || i + 2 < n && w[i + 1].Text == "'" && w[i + 2].Text is "INTO" or "USING")
                return ToolHelp.Max(extra, Body(Content(w[i + 1], cx)!, "sql", cx));
            return Effect.Unknown;
        }
        if (head is "RAISE" or "GET" or "NULL" or "OPEN" or "FETCH" or "CLOSE" or "MOVE" or "EXIT" or "CONTINUE" or "ASSERT" or "CALL" or "PERFORM"
            || !SqlFunctions.StatementStarts.Contains(head))
        {
            // An expression (x := f(), a declaration, RAISE … f()), a call, or a cursor command.
            var calls = Calls(w, i, n, cx);
            return ToolHelp.Max(extra, head == "CALL" && calls == Effect.Read ? Effect.Unknown : calls);
        }
        return ToolHelp.Max(extra, Classify(w, i, n, 1, cx));
    }
}
