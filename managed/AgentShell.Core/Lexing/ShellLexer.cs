namespace AgentShell.Core.Lexing;

/// <summary>Kind of a shell token.</summary>
public enum ShellTokenKind : byte
{
    /// <summary>End of input.</summary>
    End,
    /// <summary>A word (raw, quotes still in place; decode with <see cref="ShellWord"/>).</summary>
    Word,
    /// <summary><c>;</c> or a newline.</summary>
    Separator,
    /// <summary><c>&amp;</c> (background; also ends a command).</summary>
    Background,
    /// <summary><c>&amp;&amp;</c>.</summary>
    AndIf,
    /// <summary><c>||</c>.</summary>
    OrIf,
    /// <summary><c>|</c> or <c>|&amp;</c>.</summary>
    Pipe,
    /// <summary><c>;;</c>, <c>;&amp;</c>, <c>;;&amp;</c> (case arm ends).</summary>
    CaseEnd,
    /// <summary><c>(</c>.</summary>
    OpenParen,
    /// <summary><c>)</c>.</summary>
    CloseParen,
    /// <summary>A redirection operator (<c>&gt;</c>, <c>2&gt;&gt;</c>, <c>&lt;</c>, <c>&amp;&gt;</c>, ...); its target is the next word.</summary>
    Redirect,
    /// <summary><c>&lt;&lt;DELIM</c> or <c>&lt;&lt;-DELIM</c>: <see cref="ShellToken.Body"/> holds the body.</summary>
    HereDoc,
    /// <summary><c>&lt;&lt;&lt;</c>: the next word is fed as stdin.</summary>
    HereString,
}

/// <summary>Facts about a word found while scanning it.</summary>
[Flags]
public enum ShellWordFlags : byte
{
    /// <summary>Plain word.</summary>
    None = 0,
    /// <summary>Contains quotes or backslashes.</summary>
    Quoted = 1,
    /// <summary>Contains a parameter expansion (<c>$x</c>, <c>${x}</c>, <c>$((..))</c>).</summary>
    Expansion = 2,
    /// <summary>Contains a command substitution (<c>$(..)</c> or backticks).</summary>
    CommandSubstitution = 4,
    /// <summary>A quote or substitution was not closed before the end of input.</summary>
    Unterminated = 8,
    /// <summary>On a here-doc token: the delimiter was quoted, so the body is not expanded.</summary>
    QuotedDelimiter = 16,
}

/// <summary>One token: a slice of the input, never a copy.</summary>
public readonly ref struct ShellToken
{
    /// <summary>Kind.</summary>
    public readonly ShellTokenKind Kind;
    /// <summary>Raw text (word with its quotes, operator, here-doc delimiter).</summary>
    public readonly ReadOnlySpan<byte> Text;
    /// <summary>Here-doc body (empty for other kinds).</summary>
    public readonly ReadOnlySpan<byte> Body;
    /// <summary>Word facts.</summary>
    public readonly ShellWordFlags Flags;
    /// <summary>Byte offset of the token in the input.</summary>
    public readonly int Offset;

    /// <summary>Creates a token.</summary>
    public ShellToken(ShellTokenKind kind, ReadOnlySpan<byte> text, ReadOnlySpan<byte> body, ShellWordFlags flags, int offset)
    {
        Kind = kind; Text = text; Body = body; Flags = flags; Offset = offset;
    }
}

/// <summary>A POSIX/bash tokenizer over UTF-8 bytes: quotes, <c>$'..'</c>, backslashes, operators,
/// redirections, here-docs, comments, <c>$(..)</c> and backticks (kept inside their word; see
/// <see cref="ShellWord"/> for their contents). It never allocates and never throws: malformed
/// input ends a word at the end of input with <see cref="ShellWordFlags.Unterminated"/>.</summary>
public ref struct ShellLexer
{
    private readonly ReadOnlySpan<byte> _src;
    private int _pos;
    private int _hereDocLineEnd;   // newline after which pending here-doc bodies start; -1 when none
    private int _hereDocResume;    // where lexing resumes after those bodies
    private int _nest;             // nesting of quotes/substitutions being skipped

    /// <summary>Deepest nesting of quotes and substitutions scanned; deeper input is treated as unterminated.</summary>
    public const int MaxNesting = 64;

    /// <summary>Lexes <paramref name="source"/>.</summary>
    public ShellLexer(ReadOnlySpan<byte> source)
    {
        _src = source;
        _pos = 0;
        _hereDocLineEnd = -1;
        _hereDocResume = -1;
        _nest = 0;
    }

    /// <summary>True once any unterminated quote or substitution was seen.</summary>
    public bool SawUnterminated { get; private set; }

    // PERF: one table lookup per byte decides whether a word continues.
    private const byte CWord = 0, CBlank = 1, CNewline = 2, CMeta = 3;
    private static readonly byte[] Class = BuildClass();

    private static byte[] BuildClass()
    {
        var t = new byte[256];
        t[' '] = t['\t'] = t['\r'] = CBlank;
        t['\n'] = CNewline;
        foreach (char c in ";&|()<>") t[c] = CMeta;
        return t;
    }

    /// <summary>Reads the next token.</summary>
    public ShellToken Next()
    {
        var s = _src;
        while (true)
        {
            while (_pos < s.Length && Class[s[_pos]] == CBlank) _pos++;
            if (_pos >= s.Length) return new ShellToken(ShellTokenKind.End, default, default, 0, s.Length);
            byte c = s[_pos];
            if (c == '\\' && _pos + 1 < s.Length && s[_pos + 1] == '\n') { _pos += 2; continue; } // line continuation
            if (c == '#')
            {
                while (_pos < s.Length && s[_pos] != '\n') _pos++;
                continue;
            }
            break;
        }
        int start = _pos;
        byte b = s[_pos];
        if (b == '\n')
        {
            if (_hereDocLineEnd == _pos)
            {
                _pos = _hereDocResume;
                _hereDocLineEnd = -1;
            }
            else _pos++;
            return new ShellToken(ShellTokenKind.Separator, s.Slice(start, 1), default, 0, start);
        }
        // An fd number directly before a redirection ("2>", "10<&").
        if (b >= '0' && b <= '9')
        {
            int p = _pos;
            while (p < s.Length && s[p] >= '0' && s[p] <= '9') p++;
            if (p < s.Length && (s[p] == '<' || s[p] == '>')) return Redirection(start, p);
        }
        if (Class[b] == CMeta)
        {
            byte n = _pos + 1 < s.Length ? s[_pos + 1] : (byte)0;
            switch (b)
            {
                case (byte)';':
                    if (n == ';') { _pos += _pos + 2 < s.Length && s[_pos + 2] == '&' ? 3 : 2; return Op(ShellTokenKind.CaseEnd, start); }
                    if (n == '&') { _pos += 2; return Op(ShellTokenKind.CaseEnd, start); }
                    _pos++; return Op(ShellTokenKind.Separator, start);
                case (byte)'&':
                    if (n == '&') { _pos += 2; return Op(ShellTokenKind.AndIf, start); }
                    if (n == '>') return Redirection(start, _pos);
                    _pos++; return Op(ShellTokenKind.Background, start);
                case (byte)'|':
                    if (n == '|') { _pos += 2; return Op(ShellTokenKind.OrIf, start); }
                    _pos += n == '&' ? 2 : 1; return Op(ShellTokenKind.Pipe, start);
                case (byte)'(':
                    _pos++; return Op(ShellTokenKind.OpenParen, start);
                case (byte)')':
                    _pos++; return Op(ShellTokenKind.CloseParen, start);
                default:
                    // A process substitution <(..) / >(..) is a word whose contents are commands.
                    if (n == '(') break;
                    return Redirection(start, _pos);
            }
        }
        var flags = ScanWord(ref _pos);
        if ((flags & ShellWordFlags.Unterminated) != 0) SawUnterminated = true;
        return new ShellToken(ShellTokenKind.Word, s[start.._pos], default, flags, start);
    }

    private ShellToken Op(ShellTokenKind kind, int start) => new(kind, _src[start.._pos], default, 0, start);

    private ShellToken Redirection(int start, int p)
    {
        var s = _src;
        // p is at '<' or '>' (or '&' of "&>").
        byte c = s[p];
        byte n = p + 1 < s.Length ? s[p + 1] : (byte)0;
        if (c == '<' && n == '<')
        {
            if (p + 2 < s.Length && s[p + 2] == '<') { _pos = p + 3; return new ShellToken(ShellTokenKind.HereString, s[start.._pos], default, 0, start); }
            _pos = p + 2;
            if (_pos < s.Length && s[_pos] == '-') _pos++;
            return HereDoc(start);
        }
        p++;
        if (c == '&') p++;                                  // "&>"
        if (p < s.Length && (s[p] == '>' || s[p] == '&' || s[p] == '|')) p++; // ">>", ">&", "<&", ">|", "&>>"
        else if (c == '<' && p < s.Length && s[p] == '>') p++;              // "<>"
        _pos = p;
        return new ShellToken(ShellTokenKind.Redirect, s[start.._pos], default, 0, start);
    }

    private ShellToken HereDoc(int start)
    {
        var s = _src;
        while (_pos < s.Length && (s[_pos] == ' ' || s[_pos] == '\t')) _pos++;
        int dStart = _pos;
        var flags = ScanWord(ref _pos);
        var rawDelim = s[dStart.._pos];
        bool strip = s[start..dStart].IndexOf("<<-"u8) >= 0;
        // PERF: the delimiter is unquoted into a stack buffer; here-docs are rare.
        Span<byte> delim = stackalloc byte[Math.Min(rawDelim.Length, 256)];
        int dl = 0;
        foreach (byte ch in rawDelim)
        {
            if (ch is (byte)'\'' or (byte)'"' or (byte)'\\') continue;
            if (dl < delim.Length) delim[dl++] = ch;
        }
        var d = delim[..dl];
        int bodyStart;
        if (_hereDocLineEnd < 0)
        {
            int nl = s[_pos..].IndexOf((byte)'\n');
            if (nl < 0) { SawUnterminated = true; return new ShellToken(ShellTokenKind.HereDoc, rawDelim, default, flags | ShellWordFlags.Unterminated | Quoted(flags), start); }
            _hereDocLineEnd = _pos + nl;
            bodyStart = _hereDocLineEnd + 1;
        }
        else bodyStart = _hereDocResume;
        int line = bodyStart, bodyEnd = s.Length, resume = s.Length;
        bool found = false;
        while (line < s.Length)
        {
            int e = s[line..].IndexOf((byte)'\n');
            int lineEnd = e < 0 ? s.Length : line + e;
            var text = s[line..lineEnd];
            if (strip) while (text.Length > 0 && text[0] == '\t') text = text[1..];
            if (text.SequenceEqual(d)) { bodyEnd = line; resume = lineEnd < s.Length ? lineEnd + 1 : s.Length; found = true; break; }
            line = lineEnd + 1;
        }
        if (!found) { SawUnterminated = true; flags |= ShellWordFlags.Unterminated; }
        _hereDocResume = resume;
        return new ShellToken(ShellTokenKind.HereDoc, rawDelim, s[Math.Min(bodyStart, s.Length)..Math.Min(bodyEnd, s.Length)], flags | Quoted(flags), start);
    }

    private static ShellWordFlags Quoted(ShellWordFlags f) => (f & ShellWordFlags.Quoted) != 0 ? ShellWordFlags.QuotedDelimiter : 0;

    /// <summary>Scans one word from <paramref name="pos"/> to its end (a blank, newline or operator
    /// outside quotes).</summary>
    private ShellWordFlags ScanWord(ref int pos)
    {
        var s = _src;
        var flags = ShellWordFlags.None;
        while (pos < s.Length)
        {
            byte c = s[pos];
            if (Class[c] != CWord)
            {
                // "<(" / ">(" process substitution inside a word position.
                if ((c == '<' || c == '>') && pos + 1 < s.Length && s[pos + 1] == '(')
                {
                    flags |= ShellWordFlags.CommandSubstitution;
                    pos = SkipParens(pos + 2, ref flags);
                    continue;
                }
                break;
            }
            switch (c)
            {
                case (byte)'\\':
                    flags |= ShellWordFlags.Quoted;
                    pos = Math.Min(pos + 2, s.Length);
                    break;
                case (byte)'\'':
                    flags |= ShellWordFlags.Quoted;
                    pos = SkipSingle(pos + 1, ref flags);
                    break;
                case (byte)'"':
                    flags |= ShellWordFlags.Quoted;
                    pos = SkipDouble(pos + 1, ref flags);
                    break;
                case (byte)'`':
                    flags |= ShellWordFlags.CommandSubstitution;
                    pos = SkipBacktick(pos + 1, ref flags);
                    break;
                case (byte)'$':
                    pos = SkipDollar(pos, ref flags);
                    break;
                default:
                    pos++;
                    break;
            }
        }
        return flags;
    }

    private int SkipSingle(int p, ref ShellWordFlags flags)
    {
        int e = _src[p..].IndexOf((byte)'\'');
        if (e < 0) { flags |= ShellWordFlags.Unterminated; return _src.Length; }
        return p + e + 1;
    }

    private int SkipAnsiC(int p, ref ShellWordFlags flags)
    {
        var s = _src;
        while (p < s.Length)
        {
            if (s[p] == '\\') { p += 2; continue; }
            if (s[p] == '\'') return p + 1;
            p++;
        }
        flags |= ShellWordFlags.Unterminated;
        return s.Length;
    }

    private int SkipDouble(int p, ref ShellWordFlags flags)
    {
        var s = _src;
        while (p < s.Length)
        {
            byte c = s[p];
            if (c == '"') return p + 1;
            if (c == '\\') { p += 2; continue; }
            if (c == '`') { flags |= ShellWordFlags.CommandSubstitution; p = SkipBacktick(p + 1, ref flags); continue; }
            if (c == '$') { p = SkipDollar(p, ref flags, inDouble: true); continue; }
            p++;
        }
        flags |= ShellWordFlags.Unterminated;
        return s.Length;
    }

    private int SkipBacktick(int p, ref ShellWordFlags flags)
    {
        var s = _src;
        while (p < s.Length)
        {
            if (s[p] == '\\') { p += 2; continue; }
            if (s[p] == '`') return p + 1;
            p++;
        }
        flags |= ShellWordFlags.Unterminated;
        return s.Length;
    }

    private int SkipDollar(int p, ref ShellWordFlags flags, bool inDouble = false)
    {
        if (!Enter(ref flags)) return _src.Length;
        int r = SkipDollarCore(p, ref flags, inDouble);
        _nest--;
        return r;
    }

    // Bounded recursion: pathological nesting must not exhaust the stack of the supervisor.
    private bool Enter(ref ShellWordFlags flags)
    {
        if (++_nest <= MaxNesting) return true;
        _nest--;
        flags |= ShellWordFlags.Unterminated;
        return false;
    }

    private int SkipDollarCore(int p, ref ShellWordFlags flags, bool inDouble)
    {
        var s = _src;
        byte n = p + 1 < s.Length ? s[p + 1] : (byte)0;
        if (n == '(')
        {
            if (p + 2 < s.Length && s[p + 2] == '(')
            {
                flags |= ShellWordFlags.Expansion;
                return SkipParens(p + 3, ref flags, closeTwice: true);
            }
            flags |= ShellWordFlags.CommandSubstitution;
            return SkipParens(p + 2, ref flags);
        }
        if (n == '{')
        {
            flags |= ShellWordFlags.Expansion;
            int depth = 1, q = p + 2;
            while (q < s.Length && depth > 0)
            {
                byte c = s[q];
                if (c == '\\') { q += 2; continue; }
                if (c == '\'' && !inDouble) { q = SkipSingle(q + 1, ref flags); continue; }
                if (c == '"') { q = SkipDouble(q + 1, ref flags); continue; }
                if (c == '$' && q + 1 < s.Length && s[q + 1] == '(') { q = SkipDollar(q, ref flags); continue; }
                if (c == '{') depth++;
                else if (c == '}') depth--;
                q++;
            }
            if (depth > 0) flags |= ShellWordFlags.Unterminated;
            return Math.Min(q, s.Length);
        }
        if (n == '\'' && !inDouble) { flags |= ShellWordFlags.Quoted; return SkipAnsiC(p + 2, ref flags); }
        if (n == '"' && !inDouble) { flags |= ShellWordFlags.Quoted; return SkipDouble(p + 2, ref flags); }
        if (ShellWord.IsNameStart(n) || (n >= '0' && n <= '9') || n is (byte)'@' or (byte)'*' or (byte)'#' or (byte)'?' or (byte)'$' or (byte)'!' or (byte)'-')
            flags |= ShellWordFlags.Expansion;
        return p + 1;
    }

    /// <summary>Skips to after the parenthesis closing one opened before <paramref name="p"/>,
    /// honouring quotes and nesting.</summary>
    private int SkipParens(int p, ref ShellWordFlags flags, bool closeTwice = false)
    {
        if (!Enter(ref flags)) return _src.Length;
        int r = SkipParensCore(p, ref flags, closeTwice);
        _nest--;
        return r;
    }

    private int SkipParensCore(int p, ref ShellWordFlags flags, bool closeTwice)
    {
        var s = _src;
        int depth = closeTwice ? 2 : 1;
        while (p < s.Length)
        {
            byte c = s[p];
            switch (c)
            {
                case (byte)'\\': p += 2; continue;
                case (byte)'\'': p = SkipSingle(p + 1, ref flags); continue;
                case (byte)'"': p = SkipDouble(p + 1, ref flags); continue;
                case (byte)'`': p = SkipBacktick(p + 1, ref flags); continue;
                case (byte)'(': depth++; break;
                case (byte)')':
                    depth--;
                    if (depth == 0) return p + 1;
                    break;
            }
            p++;
        }
        flags |= ShellWordFlags.Unterminated;
        return s.Length;
    }
}
