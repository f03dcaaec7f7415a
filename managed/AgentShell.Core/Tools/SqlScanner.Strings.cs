using System.Text;

namespace AgentShell.Core.Tools;

// String constants as the server reads them: a quote word's content with its escapes undone, and
// the parts of a constant continued across a newline joined.
public static partial class SqlScanner
{
    /// <summary>The text inside a quote word (<c>'</c>, <c>$$</c>, <c>"</c>) of the statement being
    /// classified, with its escapes undone; null for other words.</summary>
    private static string? Content(in Word w, Context cx)
    {
        if (w.Text is not ("'" or "$$" or "\"")) return null;
        var s = cx.Source.AsSpan(w.Pos, Math.Min(w.End, cx.Source.Length) - w.Pos);
        if (w.Text == "$$")
        {
            int tag = s[1..].IndexOf('$') + 2; // "$tag$"
            return s.Length >= 2 * tag && s[^tag..].SequenceEqual(s[..tag]) ? s[tag..^tag].ToString() : s[Math.Min(tag, s.Length)..].ToString();
        }
        if (w.Text == "\"") return s.Length >= 2 ? s[1..^1].ToString() : "";
        bool unicode = s.Length > 2 && s[0] is 'U' or 'u' && s[1] == '&';
        bool backslash = s[0] is 'E' or 'e' || cx.BackslashStrings;
        bool postgres = cx.Dialect == SqlDialect.Postgres;
        var sb = new StringBuilder(s.Length);
        int i = s[0] == '\'' ? 1 : unicode ? 3 : 2;
        for (; i < s.Length; i++)
        {
            if (backslash && s[i] == '\\' && i + 1 < s.Length)
            {
                if (postgres) i = Escape(s, i + 1, sb) - 1;
                else sb.Append(s[++i]);
                continue;
            }
            if (s[i] == '\'')
            {
                if (i + 1 < s.Length && s[i + 1] == '\'') { sb.Append('\''); i++; continue; }
                if (postgres && Continuation(s, i + 1) is int next) { i = next; continue; }
                break;
            }
            sb.Append(s[i]);
        }
        if (!unicode) return sb.ToString();
        // UESCAPE 'c' after the closing quote names the escape character (else a backslash).
        var rest = s[Math.Min(i + 1, s.Length)..];
        int q = rest.LastIndexOf('\'');
        char escape = rest.Contains("UESCAPE", StringComparison.OrdinalIgnoreCase) && q >= 2 && rest[q - 2] == '\'' ? rest[q - 1] : '\\';
        return UnicodeEscapes(sb.ToString(), escape);
    }

    /// <summary>A U&amp;'' string's content with its escapes undone as the server does: e+XXXXXX
    /// and eXXXX are code points, ee is e; anything else after e is an error to the server, kept as sent.</summary>
    private static string UnicodeEscapes(string v, char e)
    {
        if (v.IndexOf(e) < 0) return v;
        var sb = new StringBuilder(v.Length);
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] != e || i + 1 >= v.Length) { sb.Append(v[i]); continue; }
            if (v[i + 1] == e) { sb.Append(e); i++; continue; }
            int digits = v[i + 1] == '+' ? 6 : 4, at = v[i + 1] == '+' ? i + 2 : i + 1;
            if (at + digits <= v.Length && int.TryParse(v.AsSpan(at, digits), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int cp)
                && cp is >= 0 and <= 0x10FFFF)
            {
                if (cp <= 0xFFFF) sb.Append((char)cp); else sb.Append(char.ConvertFromUtf32(cp));
                i = at + digits - 1;
                continue;
            }
            sb.Append(v[i]);
        }
        return sb.ToString();
    }

    /// <summary>Where a U&amp;'' string's <c>UESCAPE 'c'</c> clause ends when one follows the string
    /// that ends before <paramref name="i"/> (blanks and comments between), else null.</summary>
    private static int? UescapeEnd(string s, int i, SqlDialect dialect)
    {
        int j = Blank(s, i, dialect);
        if (j + 7 > s.Length || !s.AsSpan(j, 7).Equals("UESCAPE", StringComparison.OrdinalIgnoreCase) || (j + 7 < s.Length && IsWordChar(s[j + 7]))) return null;
        j = Blank(s, j + 7, dialect);
        return j + 2 < s.Length && s[j] == '\'' && s[j + 2] == '\'' ? j + 3 : null;
    }

    // Past blanks and comments from i.
    private static int Blank(string s, int i, SqlDialect dialect)
    {
        while (i < s.Length)
        {
            if (char.IsWhiteSpace(s[i])) i++;
            else if (s[i] == '-' && i + 1 < s.Length && s[i + 1] == '-') { while (i < s.Length && s[i] is not ('\n' or '\r')) i++; }
            else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*') i = AfterBlockComment(s, i, dialect);
            else break;
        }
        return i;
    }

    /// <summary>Where the next part of a string constant starts (its opening quote) when only
    /// whitespace holding a newline, and comments, separate it from the part that closed before
    /// <paramref name="i"/> (the server's quote continuation: 'DEL'&lt;newline&gt;'ETE' is 'DELETE');
    /// else null.</summary>
    private static int? Continuation(ReadOnlySpan<char> s, int i)
    {
        bool newline = false;
        while (i < s.Length)
        {
            char c = s[i];
            if (c is '\n' or '\r') { newline = true; i++; }
            else if (c is ' ' or '\t' or '\f' or '\v') i++;
            else if (c == '-' && i + 1 < s.Length && s[i + 1] == '-') { while (i < s.Length && s[i] is not ('\n' or '\r')) i++; }
            else break;
        }
        return newline && i < s.Length && s[i] == '\'' ? i : null;
    }

    /// <summary>Undoes one backslash escape of a PostgreSQL E'' string (or any string with
    /// standard_conforming_strings off) whose character after the backslash is at <paramref name="i"/>,
    /// as the server does: \b \f \n \r \t, octal \ooo, hex \xhh, \uXXXX and \UXXXXXXXX, else the
    /// character itself. Read as the character after the backslash, E'DEL\105TE' hid a DELETE.
    /// Returns the index after the escape.</summary>
    private static int Escape(ReadOnlySpan<char> s, int i, StringBuilder sb)
    {
        char c = s[i];
        switch (c)
        {
            case 'b': sb.Append('\b'); return i + 1;
            case 'f': sb.Append('\f'); return i + 1;
            case 'n': sb.Append('\n'); return i + 1;
            case 'r': sb.Append('\r'); return i + 1;
            case 't': sb.Append('\t'); return i + 1;
        }
        if (c is >= '0' and <= '7')
        {
            int v = 0, k = i;
            while (k < s.Length && k < i + 3 && s[k] is >= '0' and <= '7') v = v * 8 + (s[k++] - '0');
            sb.Append((char)(v & 0xFF));
            return k;
        }
        int digits = c switch { 'x' => 2, 'u' => 4, 'U' => 8, _ => 0 };
        if (digits > 0)
        {
            int v = 0, k = i + 1;
            while (k < s.Length && k < i + 1 + digits && char.IsAsciiHexDigit(s[k])) v = v * 16 + Convert.ToInt32(s[k++].ToString(), 16);
            if (k > i + 1 && (c == 'x' || k == i + 1 + digits))
            {
                if (c == 'x') sb.Append((char)v);
                else if (v is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF)) sb.Append(char.ConvertFromUtf32(v));
                return k;
            }
        }
        sb.Append(c);
        return i + 1;
    }
}
