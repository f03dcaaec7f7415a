using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>SQL dialect: decides comment and string rules.</summary>
public enum SqlDialect : byte
{
    /// <summary>PostgreSQL (E-strings, dollar quotes, nested comments, psql backslash commands).</summary>
    Postgres,
    /// <summary>MySQL/MariaDB (backslash escapes in strings, backticks, <c>#</c> comments, <c>/*! */</c> executable comments).</summary>
    MySql,
    /// <summary>SQLite (standard strings, backticks and brackets for identifiers).</summary>
    Sqlite,
}

/// <summary>How to read the text, besides the dialect.</summary>
[Flags]
public enum SqlScanOptions : byte
{
    /// <summary>A psql script with standard-conforming strings.</summary>
    None = 0,
    /// <summary>Text as the server receives it (the wire), not a psql script: a backslash is an
    /// ordinary character, never a meta-command that hides the rest of its line.</summary>
    ServerText = 1,
    /// <summary><c>standard_conforming_strings</c> is off: a backslash escapes the next character in
    /// every string literal, not only in <c>E''</c>.</summary>
    BackslashStrings = 2,
}

/// <summary>One statement and what it does.</summary>
/// <param name="Effect">Its effect.</param>
/// <param name="Text">The statement, whitespace collapsed, at most 100 characters.</param>
public readonly record struct SqlStatement(Effect Effect, string Text);

/// <summary>What a SQL script does: the most severe statement decides.</summary>
/// <param name="Effect">Most severe effect (read for an empty script).</param>
/// <param name="Summary">Text of the most severe statement.</param>
/// <param name="Statements">Every statement.</param>
public sealed record SqlResult(Effect Effect, string Summary, IReadOnlyList<SqlStatement> Statements);

/// <summary>A SQL statement scanner in the shape of Npgsql's SqlQueryParser: one pass over the
/// text honouring quotes ('' and backslash escapes per dialect, E-strings, dollar quotes, quoted
/// identifiers), comments (<c>--</c>, nested <c>/* */</c>, <c>#</c> in MySQL) and parentheses;
/// statements split at <c>;</c> at depth 0. Each statement is classified from its keywords:
/// DROP → drop; TRUNCATE → truncate; DELETE without WHERE (or LIMIT) → wipe, with → delete;
/// UPDATE without WHERE → wipe (every row rewritten: the old values are gone), with → write;
/// ALTER … DROP → drop; SELECT/SHOW/EXPLAIN/DESCRIBE → read, except EXPLAIN ANALYZE of a write,
/// which runs it, and pg_terminate_backend → terminate; INSERT/CREATE/GRANT/COPY FROM/... → write;
/// DO/CALL/EXECUTE/anything unrecognised → unknown. Data-modifying CTEs count. What runs code as
/// the database server's OS user is as severe as anything (wipe): COPY … PROGRAM, LOAD 'library',
/// ALTER SYSTEM of a command or library setting, a function or language in C or an untrusted PL;
/// COPY … TO a server file → unknown.
/// Lexing follows the server's where it matters for hiding a statement: <c>--</c> comments end at
/// a newline or carriage return, and every non-ASCII character continues an identifier (so
/// <c>é$x$</c> is an identifier, not the start of a dollar quote).</summary>
public static class SqlScanner
{
    private readonly record struct Word(string Text, int Depth, int Group);

    private const int MaxWords = 20000, MaxNesting = 16;

    /// <summary>Scans <paramref name="sql"/>.</summary>
    public static SqlResult Scan(string sql, SqlDialect dialect = SqlDialect.Postgres, SqlScanOptions options = SqlScanOptions.None)
    {
        bool psqlMeta = dialect == SqlDialect.Postgres && (options & SqlScanOptions.ServerText) == 0;
        bool backslashStrings = dialect == SqlDialect.MySql || (options & SqlScanOptions.BackslashStrings) != 0;
        var statements = new List<SqlStatement>();
        var words = new List<Word>();
        var text = new StringBuilder();
        int depth = 0, group = 0;
        var groupStack = new Stack<int>();
        bool execComment = false;
        int i = 0;
        string s = sql;
        void End()
        {
            if (words.Count > 0 || text.ToString().Trim().Length > 0)
            {
                var t = Collapse(text.ToString());
                // PERF: a statement too large to classify cheaply is unknown rather than slow.
                var e = words.Count == 0 || words.Count > MaxWords ? Effect.Unknown : Classify(words, 0, words.Count, 0);
                statements.Add(new SqlStatement(e, t));
            }
            words.Clear(); text.Clear(); depth = 0; groupStack.Clear();
        }
        while (i < s.Length)
        {
            char c = s[i];
            char n = i + 1 < s.Length ? s[i + 1] : '\0';
            // Comments.
            // The server ends a line comment at \n or \r; a comment that ran on past a \r would hide
            // the statement after it.
            if (c == '-' && n == '-') { while (i < s.Length && s[i] is not ('\n' or '\r')) i++; text.Append(' '); continue; }
            if (c == '#' && dialect == SqlDialect.MySql) { while (i < s.Length && s[i] is not ('\n' or '\r')) i++; text.Append(' '); continue; }
            if (c == '/' && n == '*')
            {
                if (dialect == SqlDialect.MySql && i + 2 < s.Length && s[i + 2] == '!')
                {
                    // MySQL executes /*! ... */ (optionally versioned: /*!50000 ... */).
                    i += 3;
                    while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
                    execComment = true;
                    continue;
                }
                int nest = 1;
                i += 2;
                while (i < s.Length && nest > 0)
                {
                    if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*' && dialect == SqlDialect.Postgres) { nest++; i += 2; }
                    else if (s[i] == '*' && i + 1 < s.Length && s[i + 1] == '/') { nest--; i += 2; }
                    else i++;
                }
                text.Append(' ');
                continue;
            }
            if (execComment && c == '*' && n == '/') { execComment = false; i += 2; continue; }
            // psql backslash commands run to the end of the line.
            if (c == '\\' && psqlMeta)
            {
                int e = s.IndexOf('\n', i);
                if (e < 0) e = s.Length;
                var meta = s[i..e].Trim();
                i = e;
                if (meta.StartsWith("\\g", StringComparison.Ordinal) && words.Count > 0)
                {
                    if (meta.StartsWith("\\gexec", StringComparison.Ordinal))
                    {
                        End();
                        statements.Add(new SqlStatement(Effect.Unknown, "\\gexec (runs the query's output as SQL)"));
                    }
                    else End();
                    continue;
                }
                End();
                statements.Add(new SqlStatement(MetaEffect(meta), Collapse(meta)));
                continue;
            }
            // Strings and quoted identifiers.
            if (c == '\'' || ((c is 'E' or 'e') && n == '\'' && dialect == SqlDialect.Postgres && (i == 0 || !IsWordChar(s[i - 1]))))
            {
                bool backslash = c != '\'' || backslashStrings;
                int start = i;
                i += c == '\'' ? 1 : 2;
                while (i < s.Length)
                {
                    if (backslash && s[i] == '\\') { i += 2; continue; }
                    if (s[i] == '\'')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '\'') { i += 2; continue; }
                        break;
                    }
                    i++;
                }
                i = Math.Min(i + 1, s.Length);
                text.Append(s, start, i - start);
                if (words.Count == 0) words.Add(new Word("'", depth, group)); // a statement starting with a literal
                continue;
            }
            if (c == '"' || (c == '`' && dialect != SqlDialect.Postgres) || (c == '[' && dialect == SqlDialect.Sqlite))
            {
                char close = c == '[' ? ']' : c;
                int start = i++;
                while (i < s.Length)
                {
                    if (s[i] == close) { if (close != ']' && i + 1 < s.Length && s[i + 1] == close) { i += 2; continue; } break; }
                    if (c == '"' && dialect == SqlDialect.MySql && s[i] == '\\') { i += 2; continue; }
                    i++;
                }
                i = Math.Min(i + 1, s.Length);
                text.Append(s, start, i - start);
                words.Add(new Word("\"", depth, group)); // an identifier, never a keyword
                continue;
            }
            if (c == '$' && dialect == SqlDialect.Postgres && (i == 0 || !IsWordChar(s[i - 1])))
            {
                // $tag$ ... $tag$ (tag may be empty); $1 is a parameter.
                int t = i + 1;
                while (t < s.Length && (char.IsAsciiLetterOrDigit(s[t]) || s[t] == '_' || s[t] >= '\u0080')) t++;
                if (t < s.Length && s[t] == '$' && !(t > i + 1 && char.IsAsciiDigit(s[i + 1])))
                {
                    var tag = s[i..(t + 1)];
                    int close = s.IndexOf(tag, t + 1, StringComparison.Ordinal);
                    int end = close < 0 ? s.Length : close + tag.Length;
                    text.Append(s, i, end - i);
                    words.Add(new Word("$$", depth, group));
                    i = end;
                    continue;
                }
            }
            if (c == '(') { depth++; groupStack.Push(group); group = ++_groupCounter; text.Append(c); i++; continue; }
            if (c == ')') { if (depth > 0) { depth--; group = groupStack.Count > 0 ? groupStack.Pop() : 0; } text.Append(c); i++; continue; }
            if (c == ';' && depth == 0) { i++; End(); continue; }
            if (char.IsAsciiLetter(c) || c == '_' || c >= '\u0080')
            {
                int start = i;
                while (i < s.Length && IsWordChar(s[i])) i++;
                words.Add(new Word(AsciiUpper(s.AsSpan(start, i - start)), depth, group));
                text.Append(s, start, i - start);
                continue;
            }
            text.Append(c);
            i++;
        }
        End();
        Effect effect = Effect.Read;
        string summary = "";
        bool first = true;
        foreach (var st in statements)
        {
            if (first || st.Effect > effect) { effect = st.Effect; summary = st.Text; first = false; }
        }
        return new SqlResult(effect, summary, statements);
    }

    [ThreadStatic] private static int _groupCounter;

    // Every non-ASCII character continues an identifier, as in the server's lexer (ident_cont
    // includes \200-\377): é$x$ is one identifier, so $x$ after it opens no dollar quote.
    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' || c >= '\u0080';

    // Keywords are ASCII to the server; a Unicode upper-casing would turn the identifier "lımıt"
    // (dotless i) into LIMIT and make an unfiltered DELETE look filtered.
    private static string AsciiUpper(ReadOnlySpan<char> word)
    {
        Span<char> up = word.Length <= 64 ? stackalloc char[word.Length] : new char[word.Length];
        for (int k = 0; k < word.Length; k++) up[k] = char.IsAsciiLetterLower(word[k]) ? (char)(word[k] - 32) : word[k];
        return new string(up);
    }

    private static string Collapse(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, 100));
        bool space = false;
        foreach (char ch in s)
        {
            if (char.IsWhiteSpace(ch)) { space = sb.Length > 0; continue; }
            if (space) { sb.Append(' '); space = false; }
            sb.Append(ch);
            if (sb.Length >= 100) { sb.Append('…'); break; }
        }
        return sb.ToString();
    }

    private static Effect MetaEffect(string meta)
    {
        var cmd = meta.Split(' ', 2)[0];
        return cmd switch
        {
            "\\i" or "\\ir" or "\\include" or "\\include_relative" or "\\!" or "\\gexec" or "\\o" or "\\out" or "\\e" or "\\edit" or "\\ef" or "\\ev" => Effect.Unknown,
            "\\copy" => meta.Contains(" from ", StringComparison.OrdinalIgnoreCase) ? Effect.Write : Effect.Read,
            _ => Effect.Read,
        };
    }

    /// <summary>Classifies words[from..to) (one statement, or one parenthesised sub-statement).</summary>
    private static Effect Classify(List<Word> w, int from, int to, int nesting)
    {
        if (from >= to) return Effect.Read;
        if (nesting > MaxNesting) return Effect.Unknown;
        int d = w[from].Depth;
        string k = w[from].Text;
        // Data-modifying sub-statements in parentheses (CTEs, INSERT ... SELECT from a DELETE RETURNING).
        Effect nested = Effect.Read;
        for (int i = from + 1; i < to; i++)
        {
            if (w[i].Depth > d && w[i].Text is "DELETE" or "UPDATE" or "INSERT" or "MERGE" or "DROP" or "TRUNCATE"
                && (i == 0 || w[i - 1].Group != w[i].Group))
            {
                int end = i + 1;
                while (end < to && (w[end].Depth > w[i].Depth || (w[end].Depth == w[i].Depth && w[end].Group == w[i].Group))) end++;
                nested = ToolHelp.Max(nested, Classify(w, i, end, nesting + 1));
                i = end - 1;
            }
        }
        return ToolHelp.Max(nested, Statement(w, from, to, d, k));
    }

    private static bool Has(List<Word> w, int from, int to, int depth, string word)
    {
        for (int i = from; i < to; i++) if (w[i].Depth == depth && w[i].Text == word) return true;
        return false;
    }

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

    // Functions that run a statement given to them as a string.
    private static readonly string[] RunsAString =
        ["DBLINK", "DBLINK_EXEC", "DBLINK_SEND_QUERY", "DBLINK_OPEN", "QUERY_TO_XML", "QUERY_TO_XMLSCHEMA", "QUERY_TO_XML_AND_XMLSCHEMA"];

    private static bool HasAny(List<Word> w, int from, int to, string word)
    {
        for (int i = from; i < to; i++) if (w[i].Text == word) return true;
        return false;
    }

    private static Effect Statement(List<Word> w, int from, int to, int d, string k)
    {
        switch (k)
        {
            case "DROP": return Effect.Drop;
            case "TRUNCATE": return Effect.Truncate;
            case "DELETE":
                return Has(w, from, to, d, "WHERE") || Has(w, from, to, d, "LIMIT") ? Effect.Delete : Effect.Wipe;
            case "UPDATE":
                return Has(w, from, to, d, "WHERE") || Has(w, from, to, d, "LIMIT") ? Effect.Write : Effect.Wipe;
            case "ALTER":
                if (from + 1 < to && w[from + 1].Text == "SYSTEM" && RunsServerCode(w, from, to)) return Effect.Wipe;
                return Has(w, from, to, d, "DROP") ? Effect.Drop : Effect.Write;
            case "LOAD":
                // PostgreSQL's LOAD 'library' runs a shared library in the server; MySQL's LOAD DATA/XML reads a file into a table.
                return from + 1 < to && w[from + 1].Text is "DATA" or "XML" or "INDEX" ? Effect.Write : Effect.Wipe;
            case "CREATE":
                // A function, procedure or language in C or an untrusted PL (plpython3u, plperlu) runs code as the server's OS user.
                for (int i = from + 1; i + 1 < to; i++)
                {
                    if (w[i].Depth == d && w[i].Text == "LANGUAGE" && w[i + 1].Depth == d && w[i + 1].Text is var lang
                        && (lang is "C" or "INTERNAL" || (lang.StartsWith("PL", StringComparison.Ordinal) && lang.EndsWith('U')))) return Effect.Wipe;
                }
                return Effect.Write;
            case "MERGE":
                return Has(w, from, to, d, "DELETE") ? Effect.Delete : Effect.Write;
            case "WITH":
                for (int i = from + 1; i < to; i++)
                {
                    if (w[i].Depth == d && w[i].Text is "SELECT" or "INSERT" or "UPDATE" or "DELETE" or "MERGE" or "VALUES" or "TABLE")
                        return Statement(w, i, to, d, w[i].Text);
                }
                return Effect.Unknown;
            case "SELECT" or "VALUES" or "TABLE":
            {
                if (HasAny(w, from, to, "PG_TERMINATE_BACKEND") || HasAny(w, from, to, "PG_CANCEL_BACKEND")) return Effect.Terminate;
                if (HasAny(w, from, to, "PG_DROP_REPLICATION_SLOT")) return Effect.Drop;
                if (HasAny(w, from, to, "LO_UNLINK")) return Effect.Delete;
                foreach (var f in RunsAString) if (HasAny(w, from, to, f)) return Effect.Unknown;
                for (int i = from; i < to - 1; i++)
                {
                    if (w[i].Depth == d && w[i].Text == "INTO" && w[i + 1].Text is not ("OUTFILE" or "DUMPFILE")) return Effect.Write;
                }
                return Effect.Read;
            }
            case "EXPLAIN":
            {
                bool analyze = false;
                for (int i = from + 1; i < to; i++)
                {
                    var t = w[i].Text;
                    if (t is "ANALYZE" or "ANALYSE") analyze = true;
                    if (w[i].Depth == d && t is "SELECT" or "INSERT" or "UPDATE" or "DELETE" or "MERGE" or "WITH" or "CREATE" or "EXECUTE" or "VALUES" or "TABLE")
                        return analyze ? Statement(w, i, to, d, t) : Effect.Read;
                }
                return Effect.Read;
            }
            case "SHOW" or "DESCRIBE" or "DESC" or "USE" or "SET" or "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK"
                or "SAVEPOINT" or "RELEASE" or "LISTEN" or "UNLISTEN" or "NOTIFY" or "DEALLOCATE" or "DISCARD" or "FETCH" or "CLOSE"
                or "DECLARE" or "CHECKPOINT" or "HELP" or "PRAGMA" or "ANALYZE" or "ANALYSE" or "MOVE" or "ABORT" or "CHECKSUM":
                return Effect.Read;
            case "RESET":
                return from + 1 < to && w[from + 1].Text is "MASTER" or "BINARY" or "REPLICA" or "SLAVE" ? Effect.Delete : Effect.Read;
            case "INSERT" or "GRANT" or "REVOKE" or "COMMENT" or "VACUUM" or "REINDEX" or "CLUSTER" or "REFRESH"
                or "IMPORT" or "REPLACE" or "RENAME" or "SECURITY" or "REASSIGN" or "UPSERT" or "ATTACH" or "DETACH"
                or "OPTIMIZE" or "REPAIR" or "FLUSH" or "INSTALL" or "UNINSTALL" or "CHANGE" or "CACHE" or "LOCK" or "UNLOCK"
                or "ALTER_" or "CREATEDB":
                return Effect.Write;
            case "COPY":
                // COPY … TO/FROM PROGRAM runs a shell command as the server's operating-system user.
                if (Has(w, from, to, d, "PROGRAM")) return Effect.Wipe;
                if (Has(w, from, to, d, "FROM")) return Effect.Write;
                // COPY … TO 'file' writes a file on the server as its OS user (its own data files included).
                return Has(w, from, to, d, "TO") && !Has(w, from, to, d, "STDOUT") ? Effect.Unknown : Effect.Read;
            case "KILL" or "SHUTDOWN":
                return Effect.Terminate;
            case "PURGE":
                return Effect.Delete;
            case "PREPARE":
                for (int i = from + 1; i < to; i++)
                {
                    if (w[i].Depth == d && w[i].Text == "AS" && i + 1 < to) return Classify(w, i + 1, to, 1);
                }
                return Effect.Unknown;
            default:
                return Effect.Unknown; // DO, CALL, EXECUTE, DELIMITER, anything unrecognised
        }
    }
}
