using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

// Statement classification. DROP → drop; TRUNCATE → truncate; DELETE without WHERE (or LIMIT) →
// wipe, with → delete; UPDATE without WHERE → wipe (every row rewritten: the old values are gone),
// with → write; a WHERE every row meets (1=1, true, a = a, … OR 1=1) is no WHERE; ALTER … DROP → drop; ALTER TABLE … DELETE (a ClickHouse mutation, TTL … DELETE) → delete; SELECT/SHOW/EXPLAIN/DESCRIBE → read, except EXPLAIN ANALYZE
// of a write, which runs it; INSERT/CREATE/GRANT/COPY FROM/... → write; DO/CALL/EXECUTE/anything
// unrecognised → unknown. Data-modifying CTEs count. A call of a function decides by the function
// (SqlFunctions: built-in reads, server file and program access, admin, terminate; a function the
// script defines, by its body; any other: unknown). COPY TO/FROM PROGRAM or a server file, LOAD,
// INSTALL PLUGIN, INTO OUTFILE, LOAD DATA INFILE → server-exec; ALTER SYSTEM, CREATE/ALTER SERVER,
// USER MAPPING, SUBSCRIPTION, EXTENSION, SUPERUSER/REPLICATION roles, grants of the server file
// and program roles, SET GLOBAL, CHANGE REPLICATION SOURCE → server-admin.
public static partial class SqlScanner
{
    /// <summary>Classifies words[from..to) (one statement, or one parenthesised sub-statement).</summary>
    private static Effect Classify(List<Word> w, int from, int to, int nesting, Context cx)
    {
        if (from >= to) return Effect.Read;
        if (nesting > MaxNesting) return Effect.Unknown;
        int d = w[from].Depth;
        string k = w[from].Text;
        // Data-modifying sub-statements in parentheses (CTEs, INSERT ... SELECT from a DELETE RETURNING).
        Effect nested = Effect.Read;
        for (int i = from + 1; i < to; i++)
        {
            if (w[i].Depth > d && w[i].Text is "DELETE" or "UPDATE" or "INSERT" or "MERGE" or "DROP" or "TRUNCATE" or "COPY"
                && (i == 0 || w[i - 1].Group != w[i].Group))
            {
                int end = i + 1;
                while (end < to && (w[end].Depth > w[i].Depth || (w[end].Depth == w[i].Depth && w[end].Group == w[i].Group))) end++;
                nested = ToolHelp.Max(nested, Classify(w, i, end, nesting + 1, cx));
                i = end - 1;
            }
        }
        return ToolHelp.Max(nested, Statement(w, from, to, d, k, cx));
    }

    /// <summary>True when a DELETE or UPDATE touches only some rows: it has a LIMIT, or a WHERE that a
    /// row can fail. A condition that names no column (<c>1=1</c>, <c>true</c>, <c>'a'='a'</c>,
    /// <c>true::bool</c>, MySQL's <c>WHERE 1</c>) is the same for every row, and so is a column compared
    /// with itself (<c>a = a</c>, every row but NULLs); either as a term of the condition's top-level
    /// OR makes it match every row, which is what <c>DELETE FROM t</c> does. A constant that is plainly
    /// false (<c>1=0</c>, <c>false</c>: an ORM's empty IN list) touches no row.</summary>
    private static bool Filtered(List<Word> w, int from, int to, int d, Context cx)
    {
        if (Has(w, from, to, d, "LIMIT")) return true;
        int where = IndexOf(w, from, to, d, "WHERE");
        if (where < 0) return false;
        int end = where + 1;
        while (end < to && !(w[end].Depth == d && w[end].Text is "RETURNING" or "ORDER" or "LIMIT")) end++;
        int endPos = end < w.Count ? w[end].Pos : cx.StatementEnd;
        int start = where + 1, textStart = WordEnd(w[where]);
        for (int i = where + 1; i <= end; i++)
        {
            if (i < end && !(w[i].Depth == d && w[i].Text == "OR")) continue;
            int textEnd = i < end ? w[i].Pos : endPos;
            var term = cx.Source.AsSpan(textStart, Math.Max(0, Math.Min(textEnd, cx.Source.Length) - textStart));
            if (EveryRowMeets(w, start, i, term, cx)) return false;
            if (i < end) { start = i + 1; textStart = WordEnd(w[i]); }
        }
        return true;
    }

    private static bool EveryRowMeets(List<Word> w, int from, int to, ReadOnlySpan<char> term, Context cx)
    {
        bool constant = true;
        for (int i = from; i < to && constant; i++)
        {
            // A string, a dollar-quoted string, a cast's type name (1::bool) and the boolean words
            // name no column; anything else (a column, a call, a quoted identifier) may.
            constant = w[i].Text is "'" or "$$" or "TRUE" or "FALSE" or "NOT" or "AND" or "IS" or "NULL" or "UNKNOWN" or "IN" or "BETWEEN"
                or "LIKE" or "ILIKE" or "SIMILAR" or "TO" or "DISTINCT" or "FROM" or "ARRAY" or "CASE" or "WHEN" or "THEN" or "ELSE" or "END"
                || w[i].Prev == ':';
        }
        if (constant) return !PlainlyFalse(term);
        // a = a (also >=, <=): a column compared with itself.
        if (to - from == 2 && w[from].Text == w[from + 1].Text && w[from].Text is not ("'" or "$$"))
        {
            var op = cx.Source.AsSpan(WordEnd(w[from]), Math.Max(0, w[from + 1].Pos - WordEnd(w[from]))).Trim();
            return op is "=" or ">=" or "<=";
        }
        return false;
    }

    private static bool PlainlyFalse(ReadOnlySpan<char> term)
    {
        Span<char> t = stackalloc char[16];
        int n = 0;
        foreach (char c in term)
        {
            if (char.IsWhiteSpace(c) || c is '(' or ')') continue;
            if (n == t.Length) return false;
            t[n++] = char.ToLowerInvariant(c);
        }
        return t[..n] is "false" or "0" or "1=0" or "0=1" or "1<>1" or "1!=1" or "nottrue";
    }

    private static bool Has(List<Word> w, int from, int to, int depth, string word)
    {
        for (int i = from; i < to; i++) if (w[i].Depth == depth && w[i].Text == word) return true;
        return false;
    }

    private static bool HasAny(List<Word> w, int from, int to, string word)
    {
        for (int i = from; i < to; i++) if (w[i].Text == word) return true;
        return false;
    }

    private static int IndexOf(List<Word> w, int from, int to, int depth, string word)
    {
        for (int i = from; i < to; i++) if (w[i].Depth == depth && w[i].Text == word) return i;
        return -1;
    }

    private static Effect Statement(List<Word> w, int from, int to, int d, string k, Context cx)
    {
        switch (k)
        {
            case "DROP": return Effect.Drop;
            case "TRUNCATE": return Effect.Truncate;
            case "DELETE":
                return ToolHelp.Max(Filtered(w, from, to, d, cx) ? Effect.Delete : Effect.Wipe, Calls(w, from, to, cx));
            // UPDATE pg_database SET datallowconn = false closes a database as ALTER DATABASE … ALLOW_CONNECTIONS does;
            // another write to a system catalog is the server's administration.
            case "UPDATE" when HasAny(w, from, to, "PG_DATABASE") && HasAny(w, from, to, "DATALLOWCONN"):
                return Effect.Terminate;
            case "UPDATE" when from + 1 < to && (w[from + 1].Text.StartsWith("PG_CATALOG.", StringComparison.Ordinal) || w[from + 1].Text is "PG_DATABASE" or "PG_AUTHID" or "PG_CLASS" or "PG_ATTRIBUTE" or "PG_INDEX" or "PG_TRIGGER"):
                return Effect.ServerAdmin;
            case "UPDATE":
                return ToolHelp.Max(Filtered(w, from, to, d, cx) ? Effect.Write : Effect.Wipe, Calls(w, from, to, cx));
            case "ALTER":
                return Alter(w, from, to, d, cx);
            case "MERGE":
                return ToolHelp.Max(Has(w, from, to, d, "DELETE") ? Effect.Delete : Effect.Write, Calls(w, from, to, cx));
            case "WITH":
                for (int i = from + 1; i < to; i++)
                {
                    if (w[i].Depth == d && w[i].Text is "SELECT" or "INSERT" or "UPDATE" or "DELETE" or "MERGE" or "VALUES" or "TABLE")
                        return ToolHelp.Max(Statement(w, i, to, d, w[i].Text, cx), Calls(w, from, i, cx));
                }
                return Effect.Unknown;
            case "SELECT" or "VALUES" or "TABLE" or "PERFORM":
            {
                var e = Calls(w, from, to, cx);
                for (int i = from; i < to - 1; i++)
                {
                    if (w[i].Depth != d || w[i].Text != "INTO") continue;
                    // MySQL writes a file on the server; SELECT … INTO t creates a table.
                    e = ToolHelp.Max(e, w[i + 1].Text is "OUTFILE" or "DUMPFILE" ? (cx.Dialect == SqlDialect.MySql ? Effect.ServerExec : Effect.Write) : Effect.Write);
                }
                return e;
            }
            case "EXPLAIN":
            {
                bool analyze = false;
                for (int i = from + 1; i < to; i++)
                {
                    var t = w[i].Text;
                    if (t is "ANALYZE" or "ANALYSE") analyze = true;
                    if (w[i].Depth == d && t is "SELECT" or "INSERT" or "UPDATE" or "DELETE" or "MERGE" or "WITH" or "CREATE" or "EXECUTE" or "VALUES" or "TABLE")
                        return analyze ? Statement(w, i, to, d, t, cx) : Effect.Read;
                }
                return Effect.Read;
            }
            case "SET":
                // MySQL: SET GLOBAL / PERSIST / @@global changes the server for every session.
                if (cx.Dialect == SqlDialect.MySql && (HasAny(w, from, to, "GLOBAL") || HasAny(w, from, to, "PERSIST") || HasAny(w, from, to, "PERSIST_ONLY")))
                    return Effect.ServerAdmin;
                // session_replication_role = replica turns off every ordinary trigger, foreign keys'
                // cascades and checks among them: what the session deletes next leaves orphans behind.
                if (ReplicaRole(w, from, to, cx)) return Effect.ServerAdmin;
                // A search_path naming pg_catalog after another schema lets a function there stand in
                // for a built-in of the same name and arguments: the calls read after it are not the built-ins.
                return SearchPathShadows(w, from, to, cx) ? Effect.Unknown : Effect.Read;
            case "SHOW" or "DESCRIBE" or "DESC" or "USE" or "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK"
                or "SAVEPOINT" or "RELEASE" or "LISTEN" or "UNLISTEN" or "NOTIFY" or "DEALLOCATE" or "DISCARD" or "FETCH" or "CLOSE"
                or "CHECKPOINT" or "HELP" or "PRAGMA" or "ANALYZE" or "ANALYSE" or "MOVE" or "ABORT" or "CHECKSUM":
                return Effect.Read;
            case "RESET":
                return from + 1 < to && w[from + 1].Text is "MASTER" or "BINARY" or "REPLICA" or "SLAVE" ? Effect.Delete : Effect.Read;
            case "INSERT" or "REPLACE" or "UPSERT":
                return ToolHelp.Max(Effect.Write, Calls(w, from, to, cx));
            case "CREATE":
                return Create(w, from, to, d, cx);
            case "GRANT":
                return ServerRole(w, from, to) ? Effect.ServerAdmin : Effect.Write;
            // VACUUM FULL rewrites each table under an exclusive lock (every read and write waits, for
            // as long as the copy takes); REVOKE takes access away from roles that may be serving traffic.
            case "VACUUM" when HasAny(w, from, to, "FULL"):
            case "REVOKE":
            // REASSIGN OWNED BY a TO b: every object a owns changes hands at once (grants and the app's own role with them).
            case "REASSIGN":
                return Effect.ServerAdmin;
            case "ATTACH":
                Attach(w, from, to, cx);
                return Effect.Write;
            case "COMMENT" or "VACUUM" or "REINDEX" or "CLUSTER" or "REFRESH" or "IMPORT" or "RENAME" or "SECURITY"
                or "DETACH" or "OPTIMIZE" or "REPAIR" or "FLUSH" or "CACHE" or "LOCK" or "UNLOCK" or "ALTER_" or "CREATEDB":
                return Effect.Write;
            case "CHANGE":
                // MySQL: CHANGE MASTER / REPLICATION SOURCE TO host → replicates from another server.
                return from + 1 < to && w[from + 1].Text is "MASTER" or "REPLICATION" ? Effect.ServerAdmin : Effect.Write;
            case "INSTALL":
                return Effect.ServerExec; // MySQL INSTALL PLUGIN/COMPONENT loads a library into the server
            case "UNINSTALL":
                return Effect.ServerAdmin;
            case "LOAD":
                // PostgreSQL LOAD 'library' runs its code in the server; MySQL LOAD DATA INFILE reads a
                // server file (LOCAL: the client's).
                if (cx.Dialect != SqlDialect.MySql) return Effect.ServerExec;
                return HasAny(w, from, to, "LOCAL") ? Effect.Write : Effect.ServerExec;
            case "COPY":
                return ToolHelp.Max(Copy(w, from, to, d), QueryIn(w, from + 1, to, d, cx));
            case "DECLARE":
                // DECLARE c CURSOR FOR query: FETCH runs the query.
                return QueryAfter(w, from, to, d, "FOR", cx);
            case "KILL" or "SHUTDOWN":
                return Effect.Terminate;
            case "PURGE":
                return Effect.Delete;
            case "PREPARE":
                for (int i = from + 1; i < to; i++)
                {
                    if (w[i].Depth == d && w[i].Text == "AS" && i + 1 < to) return Classify(w, i + 1, to, 1, cx);
                }
                return Effect.Unknown;
            case "DO":
                return Do(w, from, to, cx);
            case "CALL":
                return Calls(w, from, to, cx) is var ce && ce == Effect.Read ? Effect.Unknown : ce;
            default:
                return Effect.Unknown; // EXECUTE, DELIMITER, anything unrecognised
        }
    }

    /// <summary>The effect of the query a statement runs now or stores to run later, when
    /// <paramref name="keyword"/> at depth <paramref name="d"/> introduces one (CREATE VIEW, CREATE
    /// MATERIALIZED VIEW and CREATE TABLE … AS query; DECLARE … CURSOR FOR query): its calls decide as
    /// in a SELECT of its own. Read when there is none.</summary>
    private static Effect QueryAfter(List<Word> w, int from, int to, int d, string keyword, Context cx)
    {
        int at = IndexOf(w, from, to, d, keyword);
        return at < 0 ? Effect.Read : QueryIn(w, at + 1, to, d, cx);
    }

    /// <summary>The effect of the query starting at <paramref name="at"/> (bare, or in parentheses
    /// as in COPY (query) TO), classified to the end of its parentheses; read when none starts there.</summary>
    private static Effect QueryIn(List<Word> w, int at, int to, int d, Context cx)
    {
        if (at >= to || w[at].Text is not ("SELECT" or "WITH" or "VALUES" or "TABLE" or "EXECUTE")) return Effect.Read;
        int end = at + 1;
        if (w[at].Depth > d) while (end < to && w[end].Depth > d) end++;
        else end = to;
        return Classify(w, at, end, 1, cx);
    }

    /// <summary>True for SET [SESSION|LOCAL] search_path (or SET SCHEMA) whose value names
    /// pg_catalog, and not first.</summary>
    private static bool SearchPathShadows(List<Word> w, int from, int to, Context cx)
    {
        int at = from + 1;
        while (at < to && w[at].Text is "SESSION" or "LOCAL") at++;
        if (at >= to || w[at].Text is not ("SEARCH_PATH" or "SCHEMA")) return false;
        // The value as the server's list syntax: a word is a name (case-folded), "quoted" stays as
        // written, and a string's text is read as a list too (set_config's, and never less strict).
        var value = new System.Text.StringBuilder();
        for (int i = at + 1; i < to; i++)
        {
            if (i == at + 1 && w[i].Text is "TO" or "=") continue;
            string? name = w[i].Text is "'" or "\"" ? Content(w[i], cx) : w[i].Text;
            if (name == null) continue;
            value.Append(w[i].Text == "\"" ? "\"" + name.Replace("\"", "\"\"") + "\"" : name).Append(',');
        }
        return SearchPath.Shadows(value.ToString());
    }

    // COPY … FROM/TO PROGRAM runs a command on the server; FROM/TO 'file' reads or writes a server
    // file; FROM STDIN writes the table; TO STDOUT reads it.
    private static Effect Copy(List<Word> w, int from, int to, int d)
    {
        int dir = IndexOf(w, from, to, d, "FROM");
        bool fromSide = dir >= 0;
        if (dir < 0) dir = IndexOf(w, from, to, d, "TO");
        if (dir < 0 || dir + 1 >= to) return fromSide ? Effect.Write : Effect.Read;
        var next = w[dir + 1].Text;
        if (next is "PROGRAM" or "'") return Effect.ServerExec;
        return fromSide ? Effect.Write : Effect.Read;
    }

    private static Effect Alter(List<Word> w, int from, int to, int d, Context cx)
    {
        string what = from + 1 < to ? w[from + 1].Text : "";
        // A setting the server runs as a shell command or loads as a library runs code as its OS user.
        if (what == "SYSTEM" && RunsServerCode(w, from, to)) return Effect.ServerExec;
        if (what is "SYSTEM" or "SERVER" or "SUBSCRIPTION" or "EXTENSION") return Effect.ServerAdmin;
        if (what == "USER" && from + 2 < to && w[from + 2].Text == "MAPPING") return Effect.ServerAdmin;
        if (what == "FOREIGN" && from + 2 < to && w[from + 2].Text == "DATA") return Effect.ServerAdmin;
        if (what is "ROLE" or "USER" && RolePower(w, from, to)) return Effect.ServerAdmin;
        // A role that can no longer log in (NOLOGIN, MySQL ACCOUNT LOCK) cuts off whatever connects as
        // it; a new password (IDENTIFIED BY) or expiry (VALID UNTIL) may do the same until every client has it.
        if (what is "ROLE" or "USER" && (HasAny(w, from, to, "NOLOGIN") || Has(w, from, to, d, "ACCOUNT") && HasAny(w, from, to, "LOCK"))) return Effect.Terminate;
        if (what is "ROLE" or "USER" && (HasAny(w, from, to, "PASSWORD") || HasAny(w, from, to, "IDENTIFIED") || HasAny(w, from, to, "VALID"))) return Effect.ServerAdmin;
        // ALTER DATABASE … ALLOW_CONNECTIONS false: no new session gets in.
        if (what == "DATABASE" && ClosesDatabase(w, from, to)) return Effect.Terminate;
        // ALTER TABLE … DISABLE TRIGGER (ALL, USER): foreign keys' cascades and checks stop with them.
        if (what == "TABLE" && Has(w, from, to, d, "DISABLE") && HasAny(w, from, to, "TRIGGER")) return Effect.ServerAdmin;
        // ALTER SEQUENCE … RESTART: new ids may collide with rows that exist (inserts fail) or repeat ids others hold; unknown.
        if (what == "SEQUENCE" && HasAny(w, from, to, "RESTART")) return Effect.Unknown;
        // ALTER TABLE … SET UNLOGGED: a crash empties the table and replicas no longer get its rows.
        if (what == "TABLE" && HasAny(w, from, to, "UNLOGGED")) return Effect.ServerAdmin;
        // ALTER DATABASE|ROLE … CONNECTION LIMIT 0: no new session gets in (another limit is a write).
        if (what is "DATABASE" or "ROLE" or "USER" && ConnectionLimitZero(w, from, to, cx.Sql)) return Effect.Terminate;
        if (what == "INSTANCE") return Effect.ServerAdmin; // MySQL ALTER INSTANCE
        // ALTER ROLE / DATABASE / FUNCTION … SET search_path: the SET a later session (or call) starts with.
        int set = IndexOf(w, from, to, d, "SET");
        if (what is "ROLE" or "USER" or "DATABASE" or "FUNCTION" or "PROCEDURE" && set > 0 && SearchPathShadows(w, set, to, cx)) return Effect.Unknown;
        // ALTER TABLE … ALTER c TYPE t USING expr sets every row's c to expr, as an UPDATE without WHERE does.
        var own = Has(w, from, to, d, "DROP") ? Effect.Drop
            : ToolHelp.Max(what == "TABLE" && RewritesColumn(w, from, to, d, cx) ? Effect.Wipe : Effect.Write,
                           AlterDeletes(w, from, to, d) ? Effect.Delete : Effect.Write);
        return ToolHelp.Max(own, Stored(w, from + 1, to, what == "INDEX", cx));
    }

    // ClickHouse's ALTER TABLE t DELETE WHERE … (a mutation) and TTL … DELETE remove rows; a
    // foreign key's ON DELETE is not a deletion.
    private static bool AlterDeletes(List<Word> w, int from, int to, int d)
    {
        if (from + 1 >= to || w[from + 1].Text != "TABLE") return false;
        for (int i = from + 2; i < to; i++)
        {
            if (w[i].Depth == d && w[i].Text == "DELETE" && w[i - 1].Text != "ON") return true;
        }
        return false;
    }

    /// <summary>True when an ALTER TABLE subcommand changes a column's type with <c>USING expr</c>
    /// whose value is not the column's own, converted (the server rewrites every row with expr:
    /// <c>USING NULL</c>, <c>USING 0</c> or <c>USING c * 0</c> empty the column). <c>USING c::int</c> and
    /// <c>CAST(c AS int)</c> keep the values; a cast with a length (<c>c::varchar(1)</c>, <c>c::char</c>)
    /// cuts them, so it does not. The USING of <c>EXCLUDE USING gist</c> and <c>USING INDEX</c> belong
    /// to ADD, not to a type change. Subcommands are split at commas at the statement's depth.</summary>
    private static bool RewritesColumn(List<Word> w, int from, int to, int d, Context cx)
    {
        for (int i = from + 2; i < to; i++)
        {
            if (w[i].Depth != d || w[i].Text != "USING" || w[i - 1].Text == "EXCLUDE" || (i + 1 < to && w[i + 1].Text == "INDEX")) continue;
            int start = i - 1;
            while (start > from + 1 && !(w[start].Depth == d && w[start].Prev == ',')) start--;
            int type = -1;
            for (int j = start; j < i; j++) if (w[j].Depth == d && w[j].Text == "TYPE") type = j;
            if (type < 0) continue;
            // ALTER [COLUMN] c [SET DATA] TYPE …: the column is the word after ALTER (and COLUMN).
            int column = start;
            while (column < type && !(w[column].Depth == d && w[column].Text == "ALTER")) column++;
            while (column < type && w[column].Text is "ALTER" or "COLUMN") column++;
            int end = i + 1;
            while (end < to && !(w[end].Depth == d && w[end].Prev == ',')) end++;
            int textEnd = end < to ? w[end].Pos : cx.StatementEnd;
            if (column >= type || !KeepsValues(cx.Source.AsSpan(WordEnd(w[i])..textEnd), cx.Source.AsSpan(w[column].Pos..WordEnd(w[column])))) return true;
        }
        return false;
    }

    private static int WordEnd(Word word) => word.End > 0 ? word.End : word.Pos + word.Text.Length;

    /// <summary>True for <c>c</c>, <c>c::type</c> (cast after cast) or <c>CAST(c AS type)</c>, in
    /// parentheses or not, where c is <paramref name="column"/>, and no type has a length or is char.</summary>
    private static bool KeepsValues(ReadOnlySpan<char> expr, ReadOnlySpan<char> column)
    {
        var m = KeptValue().Match(expr.Trim().TrimEnd(',').ToString());
        if (!m.Success) return false;
        var c = m.Groups["c"].Value;
        bool same = column.Length > 0 && column[0] == '"' ? c == column.ToString() : c[0] != '"' && c.Equals(column.ToString(), StringComparison.OrdinalIgnoreCase);
        if (!same) return false;
        foreach (System.Text.RegularExpressions.Capture t in m.Groups["t"].Captures)
        {
            // char and bit without a length are one long; a length on a string or bit type cuts.
            var type = t.Value.ToUpperInvariant();
            var name = type.Split(' ', '(', '[')[0].Trim('"');
            if (name is "CHAR" or "CHARACTER" or "BPCHAR" or "BIT" or "NCHAR" or "VARCHAR" or "VARBIT" or "NVARCHAR"
                && (type.Contains('(') || !type.Contains("VARYING"))) return false;
        }
        return true;
    }

    private const string TypeName = @"(?<t>(""[^""]+""|[A-Za-z_][A-Za-z0-9_$]*(\s*\.\s*[A-Za-z_][A-Za-z0-9_$]*)?)(\s+(precision|varying))?(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\s+with(out)?\s+time\s+zone)?(\s*\[\s*\d*\s*\])*)";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(\(\s*)*((?<c>""(?:[^""]|"""")+""|[A-Za-z_][A-Za-z0-9_$]*)(\s*::\s*" + TypeName + @")*|CAST\s*\(\s*(?<c>""(?:[^""]|"""")+""|[A-Za-z_][A-Za-z0-9_$]*)\s+AS\s+" + TypeName + @"\s*\))(\s*\))*$",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.ExplicitCapture)]
    private static partial System.Text.RegularExpressions.Regex KeptValue();

    // Settings whose value the server runs as a shell command or loads as a library.
    private static readonly string[] ServerCodeSettings =
    [
        "ARCHIVE_COMMAND", "RESTORE_COMMAND", "ARCHIVE_CLEANUP_COMMAND", "RECOVERY_END_COMMAND", "SSL_PASSPHRASE_COMMAND",
        "SHARED_PRELOAD_LIBRARIES", "SESSION_PRELOAD_LIBRARIES", "LOCAL_PRELOAD_LIBRARIES", "DYNAMIC_LIBRARY_PATH", "ARCHIVE_LIBRARY",
    ];

    private static bool RunsServerCode(List<Word> w, int from, int to)
    {
        foreach (var name in ServerCodeSettings) if (HasAny(w, from, to, name)) return true;
        return false;
    }
}
