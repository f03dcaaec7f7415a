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
public sealed record SqlResult(Effect Effect, string Summary, IReadOnlyList<SqlStatement> Statements) : IFactText
{
    /// <summary>"SQL: DROP TABLE t → drop", the evidence of a scanned script (made when read).</summary>
    string IFactText.FactText(string token) => $"SQL: {Summary} → {Effect.Name()}";

    string IFactText.Head(string token) => "SQL: ";

    /// <summary>What psql's <c>\connect</c> commands name (a database, or a conninfo/URI): the
    /// statements after one go to that server, not the one on the command line.</summary>
    public IReadOnlyList<string> Connects { get; init; } = [];

    /// <summary>What its <c>ATTACH</c> statements attach (Tools/SqlScanner.Attach.cs).</summary>
    public IReadOnlyList<SqlAttach> Attaches { get; init; } = [];
}

/// <summary>A SQL statement scanner in the shape of Npgsql's SqlQueryParser: one pass over the
/// text honouring quotes ('' and backslash escapes per dialect, E-strings, dollar quotes, quoted
/// identifiers), comments (<c>--</c>, nested <c>/* */</c>, <c>#</c> in MySQL) and parentheses;
/// statements split at <c>;</c> at depth 0. Each statement is classified from its keywords
/// (SqlScanner.Statements.cs); SQL that runs later or elsewhere is followed: function, procedure,
/// DO and rule bodies, triggers, calls of functions (SqlScanner.Routines.cs, SqlFunctions.cs).
/// Lexing follows the server's where it matters for hiding a statement: <c>--</c> comments end at
/// a newline or carriage return, and every non-ASCII character continues an identifier (so
/// <c>é$x$</c> is an identifier, not the start of a dollar quote).</summary>
public static partial class SqlScanner
{
    /// <summary>A word of a statement: a keyword or identifier (upper-cased), or a quote marker
    /// (<c>'</c> string, <c>"</c> quoted identifier, <c>$$</c> dollar-quoted text) with its content.</summary>
    private readonly record struct Word(string Text, int Depth, int Group, int Pos, int End = 0, bool Call = false, char Prev = '\0');

    private const int MaxWords = 20000, MaxNesting = 16;

    /// <summary>Scans <paramref name="sql"/>.</summary>
    public static SqlResult Scan(string sql, SqlDialect dialect = SqlDialect.Postgres, SqlScanOptions options = SqlScanOptions.None) =>
        Scan(new Context(sql, dialect, options), sql, false);

    /// <summary>What a scan and the scans of the bodies inside it share.</summary>
    private sealed class Context(string sql, SqlDialect dialect, SqlScanOptions options)
    {
        public readonly SqlDialect Dialect = dialect;
        public readonly string Sql = sql;
        /// <summary>A backslash starts a psql meta-command (a psql script, not text sent to the server).</summary>
        public readonly bool PsqlMeta = dialect == SqlDialect.Postgres && (options & SqlScanOptions.ServerText) == 0;
        /// <summary>A backslash escapes the next character in every string literal.</summary>
        public readonly bool BackslashStrings = dialect == SqlDialect.MySql || (options & SqlScanOptions.BackslashStrings) != 0;
        /// <summary>Routines the script defines, by upper-case name, with the effect of their body.</summary>
        // PERF: most scripts define no routine and connect nowhere: allocated on first use.
        private Dictionary<string, Effect>? _routines;
        private List<string>? _connects;
        public Dictionary<string, Effect> Routines => _routines ??= new(StringComparer.Ordinal);
        public IReadOnlyList<string> Connects => _connects ?? (IReadOnlyList<string>)[];
        public void Connect(string arg) => (_connects ??= []).Add(arg);
        private List<SqlAttach>? _attaches;
        public IReadOnlyList<SqlAttach> Attaches => _attaches ?? (IReadOnlyList<SqlAttach>)[];
        public void Attach(SqlAttach a) => (_attaches ??= []).Add(a);
        public bool Defined(string name, out Effect effect)
        {
            effect = Effect.Read;
            return _routines != null && _routines.TryGetValue(name, out effect);
        }
        public int Nesting;
        /// <summary>The text being scanned (the script, or a body inside it) and where the statement
        /// being classified ends in it.</summary>
        public string Source = sql;
        public int StatementEnd;
    }

    private static SqlResult Scan(Context cx, string s, bool procedural)
    {
        var dialect = cx.Dialect;
        var statements = new List<SqlStatement>(1); // PERF: most scripts are one statement (an array of 4 was made for it)
        // PERF: the word list of the last scan on this thread is used again (a scan inside this one
        // finds none and makes its own); it does not outlive the scan.
        var words = _freeWords ?? new List<Word>();
        _freeWords = null;
        // PERF: of a statement's text only its summary is kept, built as the scan goes (the whole
        // text was copied into a StringBuilder only to be cut to 100 characters).
        var text = new Summary();
        int depth = 0, group = 0;
        var outerSource = cx.Source;
        cx.Source = s;
        Stack<int>? groupStack = null; // PERF: made at the first parenthesis
        bool execComment = false;
        char prev = '\0';
        int i = 0;
        // PERF: static, its state passed in: a closure would hold the loop's variables (i, depth,
        // prev) on the heap for the whole scan, and be allocated per scan.
        static void End(Context cx, List<SqlStatement> statements, List<Word> words, ref Summary text, Stack<int>? groupStack, bool procedural, int i, ref int depth, ref char prev)
        {
            if (words.Count > 0 || !text.Blank)
            {
                var t = text.ToText();
                cx.StatementEnd = i;
                // PERF: a statement too large to classify cheaply is unknown rather than slow.
                var e = words.Count == 0 ? Effect.Unknown : words.Count > MaxWords || cx.Nesting > MaxNesting ? Effect.Unknown
                    : procedural ? Procedural(words, cx) : Classify(words, 0, words.Count, 0, cx);
                statements.Add(new SqlStatement(e, t));
            }
            words.Clear(); text.Clear(); depth = 0; groupStack?.Clear(); prev = '\0';
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
                i = AfterBlockComment(s, i, dialect);
                text.Append(' ');
                continue;
            }
            if (execComment && c == '*' && n == '/') { execComment = false; i += 2; continue; }
            // psql backslash commands: \; puts a ; in the query without sending it (psql sends both
            // statements together later), so it ends a statement as ; does; \: is a plain colon.
            // Any other runs to the end of the line, or to an unquoted backslash: another command,
            // or \\, after which the line is SQL again (MetaEnd).
            if (c == '\\' && cx.PsqlMeta && !procedural)
            {
                if (n == ';') { End(cx, statements, words, ref text, groupStack, procedural, i, ref depth, ref prev); i += 2; continue; }
                if (n == ':') { text.Append(':'); prev = ':'; i += 2; continue; }
                int e = s.IndexOf('\n', i);
                if (e < 0) e = s.Length;
                int stop = MetaEnd(s, i, e);
                var meta = s[i..stop].Trim();
                int at = i;
                i = stop < e && stop + 1 < s.Length && s[stop + 1] == '\\' ? stop + 2 : stop;
                // A meta-command ends the statement before it, whatever it is (\g runs it).
                bool pending = words.Count > 0;
                End(cx, statements, words, ref text, groupStack, procedural, at, ref depth, ref prev);
                Meta(meta, pending, statements, cx);
                continue;
            }
            // Strings and quoted identifiers.
            // U&'…' is a string whose \XXXX escapes the server undoes (DO U&'… DEL\0045TE …' deletes).
            bool unicode = c is 'U' or 'u' && n == '&' && i + 2 < s.Length && s[i + 2] == '\'' && dialect == SqlDialect.Postgres && (i == 0 || !IsWordChar(s[i - 1]));
            if (c == '\'' || unicode || ((c is 'E' or 'e') && n == '\'' && dialect == SqlDialect.Postgres && (i == 0 || !IsWordChar(s[i - 1]))))
            {
                bool backslash = c is 'E' or 'e' || cx.BackslashStrings;
                int first = i;
                i += c == '\'' ? 1 : unicode ? 3 : 2;
                while (i < s.Length)
                {
                    if (backslash && s[i] == '\\') { i += 2; continue; }
                    if (s[i] == '\'')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '\'') { i += 2; continue; }
                        // 'a'<newline>'b' is one constant 'ab' to the server: read on into the next part.
                        if (dialect == SqlDialect.Postgres && Continuation(s, i + 1) is int next) { i = next + 1; continue; }
                        break;
                    }
                    i++;
                }
                i = Math.Min(i + 1, s.Length);
                if (unicode) i = UescapeEnd(s, i, dialect) ?? i; // the word holds its UESCAPE clause: Content reads the escape from it
                text.Append(s, first, i - first);
                // PERF: the content is decoded only when a body or a language name needs it (Content).
                words.Add(new Word("'", depth, group, first, i, Prev: prev));
                prev = '\'';
                continue;
            }
            if (c == '"' || (c == '`' && dialect != SqlDialect.Postgres) || (c == '[' && dialect == SqlDialect.Sqlite))
            {
                char close = c == '[' ? ']' : c;
                int first = i++;
                while (i < s.Length)
                {
                    if (s[i] == close) { if (close != ']' && i + 1 < s.Length && s[i + 1] == close) { i += 2; continue; } break; }
                    if (c == '"' && dialect == SqlDialect.MySql && s[i] == '\\') { i += 2; continue; }
                    i++;
                }
                i = Math.Min(i + 1, s.Length);
                text.Append(s, first, i - first);
                words.Add(new Word("\"", depth, group, first, i, NextIsParen(s, i, dialect), prev)); // an identifier, never a keyword
                prev = close;
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
                    words.Add(new Word("$$", depth, group, i, end, Prev: prev));
                    prev = '$';
                    i = end;
                    continue;
                }
            }
            if (c == '(') { depth++; (groupStack ??= new Stack<int>()).Push(group); group = ++_groupCounter; text.Append(c); prev = c; i++; continue; }
            if (c == ')') { if (depth > 0) { depth--; group = groupStack?.Count > 0 ? groupStack.Pop() : 0; } text.Append(c); prev = c; i++; continue; }
            if (c == ';' && depth == 0) { End(cx, statements, words, ref text, groupStack, procedural, i, ref depth, ref prev); i++; continue; }
            if (char.IsAsciiLetter(c) || c == '_' || c >= '\u0080')
            {
                int first = i;
                while (i < s.Length && IsWordChar(s[i])) i++;
                words.Add(new Word(AsciiUpper(s.AsSpan(first, i - first)), depth, group, first, Call: NextIsParen(s, i, dialect), Prev: prev));
                text.Append(s, first, i - first);
                prev = s[i - 1];
                continue;
            }
            text.Append(c);
            if (!char.IsWhiteSpace(c)) prev = c;
            i++;
        }
        End(cx, statements, words, ref text, groupStack, procedural, i, ref depth, ref prev);
        cx.Source = outerSource;
        if (words.Capacity <= 256) { words.Clear(); _freeWords = words; }
        Effect effect = Effect.Read;
        string summary = "";
        bool firstStatement = true;
        foreach (var st in statements)
        {
            if (firstStatement || st.Effect > effect) { effect = st.Effect; summary = st.Text; firstStatement = false; }
        }
        return new SqlResult(effect, summary, statements) { Connects = cx.Connects, Attaches = cx.Attaches };
    }

    [ThreadStatic] private static int _groupCounter;
    [ThreadStatic] private static List<Word>? _freeWords;

    // Every non-ASCII character continues an identifier, as in the server's lexer (ident_cont
    // includes \200-\377): é$x$ is one identifier, so $x$ after it opens no dollar quote.
    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' || c >= '\u0080';

    // Keywords are ASCII to the server; a Unicode upper-casing would turn the identifier "lımıt"
    // (dotless i) into LIMIT and make an unfiltered DELETE look filtered.
    private static string AsciiUpper(ReadOnlySpan<char> word)
    {
        Span<char> up = word.Length <= 64 ? stackalloc char[word.Length] : new char[word.Length];
        for (int k = 0; k < word.Length; k++) up[k] = char.IsAsciiLetterLower(word[k]) ? (char)(word[k] - 32) : word[k];
        return SqlKeywords.Of(up);
    }

    /// <summary>True when the next thing after <paramref name="i"/> is <c>(</c>: whitespace and
    /// comments are stepped over, as the server does (<c>f/**/()</c> and <c>f--x&lt;newline&gt;()</c>
    /// call f; read as a plain name they hid the call).</summary>
    private static bool NextIsParen(string s, int i, SqlDialect dialect)
    {
        while (i < s.Length)
        {
            char c = s[i];
            char n = i + 1 < s.Length ? s[i + 1] : '\0';
            if (char.IsWhiteSpace(c)) i++;
            else if ((c == '-' && n == '-') || (c == '#' && dialect == SqlDialect.MySql)) { while (i < s.Length && s[i] is not ('\n' or '\r')) i++; }
            else if (c == '/' && n == '*' && !(dialect == SqlDialect.MySql && i + 2 < s.Length && s[i + 2] == '!')) i = AfterBlockComment(s, i, dialect);
            else break;
        }
        return i < s.Length && s[i] == '(';
    }

    /// <summary>The index just past the block comment that starts at <paramref name="i"/> (its
    /// <c>/*</c>), or the end of <paramref name="s"/> when it is not closed. PostgreSQL nests them;
    /// MySQL ends one at the first <c>*/</c>.</summary>
    private static int AfterBlockComment(string s, int i, SqlDialect dialect)
    {
        int nest = 1;
        i += 2;
        while (i < s.Length && nest > 0)
        {
            if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*' && dialect == SqlDialect.Postgres) { nest++; i += 2; }
            else if (s[i] == '*' && i + 1 < s.Length && s[i + 1] == '/') { nest--; i += 2; }
            else i++;
        }
        return i;
    }

    private static string Collapse(string s)
    {
        Span<char> out_ = stackalloc char[CollapsedMax + 2];
        int n = 0;
        bool space = false;
        Collapse(s, out_, ref n, ref space);
        return new string(out_[..n]);
    }

    // The collapsed text stops at this many characters or one more (a space and a character land
    // together), then "…" (at most CollapsedMax + 2 in all).
    private const int CollapsedMax = 100;

    /// <summary>A statement's text as <see cref="Collapse(string)"/> makes it, appended piece by piece
    /// as the scan reads the statement; once full, the rest is not looked at.</summary>
    private struct Summary
    {
        private SummaryChars _chars;
        private int _n;
        private bool _space, _full;

        /// <summary>Only whitespace was appended, or nothing.</summary>
        public readonly bool Blank => _n == 0;

        public void Append(char c)
        {
            if (!_full) _full = !Collapse(new ReadOnlySpan<char>(in c), _chars, ref _n, ref _space);
        }

        public void Append(string s, int start, int count)
        {
            if (!_full) _full = !Collapse(s.AsSpan(start, count), _chars, ref _n, ref _space);
        }

        public readonly string ToText() => new(((ReadOnlySpan<char>)_chars)[.._n]);

        public void Clear() { _n = 0; _space = _full = false; }
    }

    [System.Runtime.CompilerServices.InlineArray(CollapsedMax + 2)]
    private struct SummaryChars { private char _c; }

    /// <summary>Appends <paramref name="s"/> to <paramref name="out_"/> with whitespace runs made one
    /// space (none leading); false once it is full (<see cref="CollapsedMax"/> characters and "…").</summary>
    private static bool Collapse(ReadOnlySpan<char> s, Span<char> out_, ref int n, ref bool space)
    {
        foreach (char ch in s)
        {
            if (char.IsWhiteSpace(ch)) { space = n > 0; continue; }
            if (space) { out_[n++] = ' '; space = false; }
            out_[n++] = ch;
            if (n >= CollapsedMax) { out_[n++] = '…'; return false; }
        }
        return true;
    }

    // Meta-commands whose argument is the rest of the line, backslashes and all.
    private static readonly string[] WholeLineMetas = ["\\!", "\\copy", "\\h", "\\help", "\\sf", "\\sf+", "\\sv", "\\sv+", "\\ef", "\\ev"];

    /// <summary>Where the psql meta-command at <paramref name="i"/> ends on its line (which ends at
    /// <paramref name="lineEnd"/>): at the first backslash outside its arguments' quotes ('…', "…",
    /// `…`), as psql's lexer ends it there: <c>\echo a \! cmd</c> is two commands and
    /// <c>\set x 1 \\ DROP TABLE t;</c> sends the DROP. A command that takes the whole line, or an
    /// output piped to a program (<c>\g |cmd</c>), runs to the end of the line.</summary>
    private static int MetaEnd(string s, int i, int lineEnd)
    {
        int k = i + 1;
        while (k < lineEnd && !char.IsWhiteSpace(s[k]) && s[k] != '\\') k++;
        var name = s.AsSpan(i, k - i);
        foreach (var whole in WholeLineMetas) if (name.SequenceEqual(whole)) return lineEnd;
        while (k < lineEnd && char.IsWhiteSpace(s[k])) k++;
        if (k < lineEnd && s[k] == '|') return lineEnd;
        char quote = '\0';
        for (; k < lineEnd; k++)
        {
            char c = s[k];
            if (quote != '\0')
            {
                if (quote == '\'' && c == '\\') k++;
                else if (c == quote) quote = '\0';
            }
            else if (c is '\'' or '"' or '`') quote = c;
            else if (c == '\\') return k;
        }
        return lineEnd;
    }

    // A psql backslash command: \g ends the statement before it; some send their output to a
    // program, run one, read a script, or connect elsewhere.
    // The statement before it has been ended (pending: there was one).
    private static void Meta(string meta, bool pending, List<SqlStatement> statements, Context cx)
    {
        var parts = meta.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        var cmd = parts[0];
        var arg = parts.Length > 1 ? parts[1].Trim() : "";
        bool pipe = arg.StartsWith('|');
        if (cmd.StartsWith("\\g", StringComparison.Ordinal) && pending)
        {
            if (cmd == "\\gexec") statements.Add(new SqlStatement(Effect.Unknown, "\\gexec (runs the query's output as SQL)"));
            else if (pipe) statements.Add(new SqlStatement(Effect.ServerExec, Collapse(meta) + " (runs a program)"));
            return;
        }
        Effect effect = cmd switch
        {
            "\\!" => Effect.ServerExec,
            "\\o" or "\\out" or "\\g" or "\\gx" or "\\w" or "\\write" when pipe => Effect.ServerExec,
            "\\copy" when arg.Contains(" program ", StringComparison.OrdinalIgnoreCase) => Effect.ServerExec,
            "\\copy" => arg.Contains(" from ", StringComparison.OrdinalIgnoreCase) ? Effect.Write : Effect.Read,
            "\\i" or "\\ir" or "\\include" or "\\include_relative" or "\\gexec" or "\\o" or "\\out" or "\\e" or "\\edit" or "\\ef" or "\\ev" => Effect.Unknown,
            "\\lo_unlink" => Effect.Delete,
            "\\lo_import" => Effect.Write,
            _ => Effect.Read,
        };
        if (cmd is "\\c" or "\\connect")
        {
            // The rest of the script runs on the server this names; "-" keeps a part of the current connection.
            cx.Connect(arg);
            effect = Effect.Read;
        }
        statements.Add(new SqlStatement(effect, effect == Effect.ServerExec ? Collapse(meta) + " (runs a program)" : Collapse(meta)));
    }
}
