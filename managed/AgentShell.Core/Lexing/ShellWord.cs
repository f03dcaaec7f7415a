using System.Buffers;
using System.Text;

namespace AgentShell.Core.Lexing;

/// <summary>Turns a raw word (as <see cref="ShellLexer"/> sliced it) into the argument the shell
/// would pass: quotes removed, backslashes and <c>$'..'</c> escapes applied, <c>~</c> and
/// <c>$NAME</c>/<c>${NAME}</c> expanded when the value is known. Unknown expansions and command
/// substitutions stay as written and mark the word dynamic; the text of each command substitution
/// is collected so its commands are classified too.</summary>
public static class ShellWord
{
    /// <summary>True for <c>[A-Za-z_]</c>.</summary>
    public static bool IsNameStart(byte c) => (c | 0x20) is >= (byte)'a' and <= (byte)'z' || c == '_';

    /// <summary>True for <c>[A-Za-z0-9_]</c>.</summary>
    public static bool IsNameChar(byte c) => IsNameStart(c) || (c >= '0' && c <= '9');

    /// <summary>Decodes <paramref name="raw"/>. <paramref name="lookup"/> answers variables (null:
    /// unknown); <paramref name="substitutions"/> receives the text inside <c>$(..)</c>, backticks
    /// and <c>&lt;(..)</c>.</summary>
    public static string Decode(ReadOnlySpan<byte> raw, Func<string, string?>? lookup, List<string>? substitutions, out bool dynamic)
    {
        dynamic = false;
        var buf = ArrayPool<byte>.Shared.Rent(raw.Length * 2 + 16);
        var w = new Writer(buf);
        try
        {
            int p = 0;
            if (raw.Length > 0 && raw[0] == '~' && (raw.Length == 1 || raw[1] == '/'))
            {
                var home = lookup?.Invoke("HOME");
                if (home != null) { w.Append(home); p = 1; }
            }
            Decode(raw, ref p, ref w, lookup, substitutions, ref dynamic, inDouble: false, stopAt: 0, depth: 0);
            return Encoding.UTF8.GetString(w.Written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(w.Buffer);
        }
    }

    private ref struct Writer(byte[] buffer)
    {
        public byte[] Buffer = buffer;
        private int _n;
        public readonly ReadOnlySpan<byte> Written => Buffer.AsSpan(0, _n);

        public void Append(byte b)
        {
            if (_n == Buffer.Length) Grow(1);
            Buffer[_n++] = b;
        }

        public void Append(ReadOnlySpan<byte> s)
        {
            if (_n + s.Length > Buffer.Length) Grow(s.Length);
            s.CopyTo(Buffer.AsSpan(_n));
            _n += s.Length;
        }

        public void Append(string s)
        {
            int max = Encoding.UTF8.GetMaxByteCount(s.Length);
            if (_n + max > Buffer.Length) Grow(max);
            _n += Encoding.UTF8.GetBytes(s, Buffer.AsSpan(_n));
        }

        private void Grow(int need)
        {
            var nb = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length * 2, _n + need + 16));
            Buffer.AsSpan(0, _n).CopyTo(nb);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = nb;
        }
    }

    private const int MaxDepth = 32;

    private static void Decode(ReadOnlySpan<byte> s, ref int p, ref Writer w, Func<string, string?>? lookup,
        List<string>? subs, ref bool dynamic, bool inDouble, byte stopAt, int depth)
    {
        if (depth > MaxDepth) { w.Append(s[p..]); p = s.Length; dynamic = true; return; }
        while (p < s.Length)
        {
            byte c = s[p];
            if (stopAt != 0 && c == stopAt) { p++; return; }
            switch (c)
            {
                case (byte)'\\':
                    if (p + 1 >= s.Length) { w.Append(c); p++; break; }
                    byte n = s[p + 1];
                    if (n == '\n') { p += 2; break; }
                    if (inDouble && n is not ((byte)'$' or (byte)'`' or (byte)'"' or (byte)'\\')) { w.Append(c); p++; break; }
                    w.Append(n); p += 2;
                    break;
                case (byte)'\'' when !inDouble:
                {
                    int e = s[(p + 1)..].IndexOf((byte)'\'');
                    int end = e < 0 ? s.Length : p + 1 + e;
                    w.Append(s[(p + 1)..end]);
                    p = Math.Min(end + 1, s.Length);
                    break;
                }
                case (byte)'"' when !inDouble:
                    p++;
                    Decode(s, ref p, ref w, lookup, subs, ref dynamic, inDouble: true, stopAt: (byte)'"', depth + 1);
                    break;
                case (byte)'`':
                {
                    int start = ++p;
                    while (p < s.Length && s[p] != '`') p += s[p] == '\\' ? 2 : 1;
                    int end = Math.Min(p, s.Length);
                    subs?.Add(UnescapeBacktick(s[start..end]));
                    w.Append(s[(start - 1)..Math.Min(end + 1, s.Length)]);
                    p = Math.Min(end + 1, s.Length);
                    dynamic = true;
                    break;
                }
                case (byte)'<' or (byte)'>' when !inDouble && p + 1 < s.Length && s[p + 1] == '(':
                {
                    int start = p;
                    int end = MatchParen(s, p + 2, 1);
                    subs?.Add(Encoding.UTF8.GetString(s[(p + 2)..Math.Max(p + 2, end - 1)]));
                    w.Append(s[start..end]);
                    p = end;
                    dynamic = true;
                    break;
                }
                case (byte)'$':
                    Dollar(s, ref p, ref w, lookup, subs, ref dynamic, inDouble, depth);
                    break;
                default:
                    w.Append(c); p++;
                    break;
            }
        }
    }

    private static void Dollar(ReadOnlySpan<byte> s, ref int p, ref Writer w, Func<string, string?>? lookup,
        List<string>? subs, ref bool dynamic, bool inDouble, int depth)
    {
        byte n = p + 1 < s.Length ? s[p + 1] : (byte)0;
        if (n == '(')
        {
            bool arith = p + 2 < s.Length && s[p + 2] == '(';
            int end = MatchParen(s, p + (arith ? 3 : 2), arith ? 2 : 1);
            if (!arith) subs?.Add(Encoding.UTF8.GetString(s[(p + 2)..Math.Max(p + 2, end - 1)]));
            w.Append(s[p..end]);
            p = end;
            dynamic = true;
            return;
        }
        if (n == '{')
        {
            int close = p + 2, braces = 1;
            while (close < s.Length && braces > 0)
            {
                if (s[close] == '{') braces++;
                else if (s[close] == '}') braces--;
                if (braces > 0) close++;
            }
            var inner = s[(p + 2)..Math.Min(close, s.Length)];
            string? value = null;
            if (inner.Length > 0 && IsSimpleName(inner)) value = lookup?.Invoke(Encoding.UTF8.GetString(inner));
            else if (inner.Length > 1 && lookup != null) value = ShellParamExpansion.Expand(inner, lookup); // ${x:-d}, ${x/a/b}, ${!x}
            if (value != null) w.Append(value);
            else
            {
                // ${x:-default} etc.: dynamic, but any command substitution inside still counts.
                if (inner.IndexOf("$("u8) >= 0 || inner.IndexOf((byte)'`') >= 0)
                {
                    int q = 0;
                    var scratch = new Writer(ArrayPool<byte>.Shared.Rent(inner.Length + 16));
                    Decode(inner, ref q, ref scratch, lookup, subs, ref dynamic, inDouble: true, stopAt: 0, depth + 1);
                    ArrayPool<byte>.Shared.Return(scratch.Buffer);
                }
                w.Append(s[p..Math.Min(close + 1, s.Length)]);
                dynamic = true;
            }
            p = Math.Min(close + 1, s.Length);
            return;
        }
        if (n == '\'' && !inDouble)
        {
            p += 2;
            AnsiC(s, ref p, ref w);
            return;
        }
        if (n == '"' && !inDouble) { p++; return; } // $"..." is a locale string: same as "..."
        if (IsNameStart(n))
        {
            int e = p + 1;
            while (e < s.Length && IsNameChar(s[e])) e++;
            var value = lookup?.Invoke(Encoding.UTF8.GetString(s[(p + 1)..e]));
            if (value != null) w.Append(value);
            else { w.Append(s[p..e]); dynamic = true; }
            p = e;
            return;
        }
        // $1…$9 after set -- A B (ShellBuiltinState): the value when the string set one.
        if (n is >= (byte)'1' and <= (byte)'9' && lookup?.Invoke(((char)n).ToString()) is string positional)
        {
            w.Append(positional);
            p += 2;
            return;
        }
        if ((n >= '0' && n <= '9') || n is (byte)'@' or (byte)'*' or (byte)'#' or (byte)'?' or (byte)'$' or (byte)'!' or (byte)'-')
        {
            w.Append(s[p..(p + 2)]);
            p += 2;
            dynamic = true;
            return;
        }
        w.Append((byte)'$');
        p++;
    }

    private static bool IsSimpleName(ReadOnlySpan<byte> s)
    {
        if (!IsNameStart(s[0])) return false;
        foreach (byte c in s) if (!IsNameChar(c)) return false;
        return true;
    }

    private static void AnsiC(ReadOnlySpan<byte> s, ref int p, ref Writer w)
    {
        while (p < s.Length)
        {
            byte c = s[p];
            if (c == '\'') { p++; return; }
            if (c != '\\' || p + 1 >= s.Length) { w.Append(c); p++; continue; }
            byte e = s[p + 1];
            p += 2;
            switch (e)
            {
                case (byte)'n': w.Append((byte)'\n'); break;
                case (byte)'t': w.Append((byte)'\t'); break;
                case (byte)'r': w.Append((byte)'\r'); break;
                case (byte)'a': w.Append(7); break;
                case (byte)'b': w.Append(8); break;
                case (byte)'e': case (byte)'E': w.Append(27); break;
                case (byte)'f': w.Append(12); break;
                case (byte)'v': w.Append(11); break;
                case (byte)'x':
                {
                    int v = 0, k = 0;
                    while (k < 2 && p < s.Length && Hex(s[p]) >= 0) { v = v * 16 + Hex(s[p]); p++; k++; }
                    w.Append((byte)v);
                    break;
                }
                case >= (byte)'0' and <= (byte)'7':
                {
                    int v = e - '0', k = 1;
                    while (k < 3 && p < s.Length && s[p] >= '0' && s[p] <= '7') { v = v * 8 + (s[p] - '0'); p++; k++; }
                    w.Append((byte)v);
                    break;
                }
                case (byte)'u': case (byte)'U':
                {
                    int v = 0, k = 0, max = e == 'u' ? 4 : 8;
                    while (k < max && p < s.Length && Hex(s[p]) >= 0) { v = v * 16 + Hex(s[p]); p++; k++; }
                    if (v is >= 0 and <= 0x10FFFF && !(v is >= 0xD800 and <= 0xDFFF)) w.Append(char.ConvertFromUtf32(v));
                    break;
                }
                default: w.Append(e); break;
            }
        }
    }

    private static int Hex(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Index just after the parenthesis that closes <paramref name="depth"/> open ones,
    /// honouring quotes; the end of input when unbalanced.</summary>
    private static int MatchParen(ReadOnlySpan<byte> s, int p, int depth)
    {
        while (p < s.Length)
        {
            byte c = s[p];
            if (c == '\\') { p += 2; continue; }
            if (c == '\'')
            {
                int e = s[(p + 1)..].IndexOf((byte)'\'');
                p = e < 0 ? s.Length : p + e + 2;
                continue;
            }
            if (c == '"')
            {
                p++;
                while (p < s.Length && s[p] != '"') p += s[p] == '\\' ? 2 : 1;
                p++;
                continue;
            }
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return p + 1;
            p++;
        }
        return s.Length;
    }

    private static string UnescapeBacktick(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder(s.Length);
        var text = Encoding.UTF8.GetString(s);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '$' or '`' or '\\') { sb.Append(text[++i]); continue; }
            sb.Append(text[i]);
        }
        return sb.ToString();
    }
}
