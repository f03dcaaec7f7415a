namespace AgentShell.Core.Tools;

/// <summary>Says, without parsing into a document or throwing, that a text is surely not JSON as
/// <see cref="System.Text.Json.JsonDocument"/> reads it (with trailing commas allowed, comments
/// skipped, depth 64): a raw GraphQL document (<c>{ me { id } }</c>) looks like JSON to a body
/// reader, and the parser's exception costs microseconds each time.</summary>
/// <remarks>Conservative on purpose: it answers <c>true</c> only at a printable ASCII character
/// that standard JSON cannot have there, a control character inside a string, an escape JSON does
/// not have, or the end of the text, reached through standard JSON only. Anything where the
/// parser's options or encoding rules come in (a comment, a trailing comma, a non-ASCII or control
/// character outside a string, a surrogate anywhere, more than 64 levels) stops the check with
/// <c>false</c>, and the caller parses as before. So <c>true</c> implies the parser throws.</remarks>
internal static class JsonPrecheck
{
    // Results of the readers below: an index past what was read, or one of these.
    private const int Unsure = -1, Invalid = -2;
    private const int MaxDepth = 64;

    /// <summary>True when <paramref name="text"/> is surely not one JSON value (see the remarks).</summary>
    public static bool SurelyInvalid(ReadOnlySpan<char> text)
    {
        // The parser refuses invalid UTF-16 anywhere before reading any JSON, with another exception.
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0) return false;
        int i = Value(text, 0, 0);
        if (i < 0) return i == Invalid;
        i = Blanks(text, i);
        if (i < 0 || i >= text.Length) return false;
        return Printable(text[i]);
    }

    // A printable ASCII character: the only kind whose rejection the check asserts.
    private static bool Printable(char c) => c is >= ' ' and <= '~';

    /// <summary>Past the whitespace at <paramref name="i"/>; Unsure at a comment.</summary>
    private static int Blanks(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length)
        {
            char c = s[i];
            if (c is ' ' or '\t' or '\n' or '\r') i++;
            else if (c == '/') return Unsure;
            else break;
        }
        return i;
    }

    /// <summary>What to answer at <paramref name="i"/>, where the character is not what JSON has there.</summary>
    private static int Unexpected(ReadOnlySpan<char> s, int i) => i >= s.Length || Printable(s[i]) ? Invalid : Unsure;

    private static int Value(ReadOnlySpan<char> s, int i, int depth)
    {
        i = Blanks(s, i);
        if (i < 0) return i;
        if (i >= s.Length) return Invalid;
        return s[i] switch
        {
            '{' => Object(s, i + 1, depth + 1),
            '[' => Array(s, i + 1, depth + 1),
            '"' => String(s, i),
            't' => Literal(s, i, "true"),
            'f' => Literal(s, i, "false"),
            'n' => Literal(s, i, "null"),
            '-' or (>= '0' and <= '9') => Number(s, i),
            _ => Unexpected(s, i),
        };
    }

    private static int Object(ReadOnlySpan<char> s, int i, int depth)
    {
        if (depth > MaxDepth) return Unsure;
        i = Blanks(s, i);
        if (i < 0) return i;
        if (i < s.Length && s[i] == '}') return i + 1;
        while (true)
        {
            if (i >= s.Length || s[i] != '"') return Unexpected(s, i);
            i = String(s, i);
            if (i < 0) return i;
            i = Blanks(s, i);
            if (i < 0) return i;
            if (i >= s.Length || s[i] != ':') return Unexpected(s, i);
            i = Value(s, i + 1, depth);
            if (i < 0) return i;
            i = Blanks(s, i);
            if (i < 0) return i;
            if (i < s.Length && s[i] == '}') return i + 1;
            if (i >= s.Length || s[i] != ',') return Unexpected(s, i);
            i = Blanks(s, i + 1);
            if (i < 0) return i;
            if (i < s.Length && s[i] == '}') return Unsure; // a trailing comma: the options allow it
        }
    }

    private static int Array(ReadOnlySpan<char> s, int i, int depth)
    {
        if (depth > MaxDepth) return Unsure;
        i = Blanks(s, i);
        if (i < 0) return i;
        if (i < s.Length && s[i] == ']') return i + 1;
        while (true)
        {
            i = Value(s, i, depth);
            if (i < 0) return i;
            i = Blanks(s, i);
            if (i < 0) return i;
            if (i < s.Length && s[i] == ']') return i + 1;
            if (i >= s.Length || s[i] != ',') return Unexpected(s, i);
            i = Blanks(s, i + 1);
            if (i < 0) return i;
            if (i < s.Length && s[i] == ']') return Unsure; // a trailing comma
        }
    }

    // What ends a run of plain string content: the closing quote, an escape, a control character.
    private static readonly System.Buffers.SearchValues<char> StringStops = System.Buffers.SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>Past the string whose opening quote is at <paramref name="i"/>.</summary>
    private static int String(ReadOnlySpan<char> s, int i)
    {
        for (i++; i < s.Length; i++)
        {
            // PERF: most of a body is string content: stepped over vectorised, to the next stop.
            int run = s[i..].IndexOfAny(StringStops);
            if (run < 0) return Invalid;
            i += run;
            char c = s[i];
            if (c == '"') return i + 1;
            if (c < ' ') return Invalid;
            if (++i >= s.Length) return Invalid;
            switch (s[i])
            {
                case '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't': break;
                case 'u':
                    for (int k = 0; k < 4; k++)
                        if (++i >= s.Length || !char.IsAsciiHexDigit(s[i])) return Unexpected(s, i);
                    break;
                default: return Invalid; // no other escape, whatever the character (a backslash-newline too)
            }
        }
        return Invalid;
    }

    private static int Literal(ReadOnlySpan<char> s, int i, string word)
    {
        for (int k = 0; k < word.Length; k++, i++)
            if (i >= s.Length || s[i] != word[k]) return Unexpected(s, i);
        return AfterToken(s, i);
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private static int Number(ReadOnlySpan<char> s, int i)
    {
        if (s[i] == '-') i++;
        if (i >= s.Length || !char.IsAsciiDigit(s[i])) return Unexpected(s, i);
        if (s[i] == '0') i++;
        else while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i < s.Length && s[i] == '.')
        {
            if (++i >= s.Length || !char.IsAsciiDigit(s[i])) return Unexpected(s, i);
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            if (++i < s.Length && s[i] is '+' or '-') i++;
            if (i >= s.Length || !char.IsAsciiDigit(s[i])) return Unexpected(s, i);
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        return AfterToken(s, i);
    }

    /// <summary>A number or literal ends at a delimiter; anything else glued to it is no JSON.</summary>
    private static int AfterToken(ReadOnlySpan<char> s, int i)
    {
        if (i >= s.Length || s[i] is ' ' or '\t' or '\n' or '\r' or ',' or ']' or '}' or '/') return i;
        return Unexpected(s, i);
    }
}
