using System.Text;

namespace AgentShell.Core.Classification;

/// <summary>
/// Puts the positional parameters of <c>sh -c STRING ARG0 ARG1 …</c> (and of a function called
/// by name) into the script text before it is lexed, as the shell would expand them:
/// <c>$0</c>…<c>$9</c>, <c>${N}</c>, <c>$#</c>, <c>$@</c> and <c>$*</c> (in double quotes:
/// <c>"$@"</c> one word each, <c>"$*"</c> one word). A value is quoted so that it stays one word;
/// a value that was itself built at run time is put in double quotes so that its expansions are
/// still seen as such. Text in single quotes is left alone.
/// </summary>
internal static class PositionalParameters
{
    /// <summary>The script with its positional parameters replaced; <paramref name="zero"/> is
    /// <c>$0</c> (null: left as it is, a function's <c>$0</c> is the shell's), <paramref name="args"/>
    /// <c>$1</c>…; <paramref name="dynamic"/>[k] says whether args[k] was built at run time.</summary>
    public static string Substitute(string script, string? zero, bool zeroDynamic, IReadOnlyList<string> args, IReadOnlyList<bool>? dynamic)
    {
        if (script.IndexOf('$') < 0) return script;
        var sb = new StringBuilder(script.Length + 64);
        bool single = false, dbl = false;
        int dblOpen = -1; // where in sb the open double quote is
        for (int i = 0; i < script.Length; i++)
        {
            char c = script[i];
            if (single) { sb.Append(c); if (c == '\'') single = false; continue; }
            if (c == '\\' && i + 1 < script.Length) { sb.Append(c).Append(script[++i]); continue; }
            if (c == '\'' && !dbl) { single = true; sb.Append(c); continue; }
            if (c == '"') { dbl = !dbl; if (dbl) dblOpen = sb.Length; sb.Append(c); continue; }
            if (c != '$' || i + 1 >= script.Length) { sb.Append(c); continue; }
            char n = script[i + 1];
            int len = 2, k = n - '0';
            if (n == '{' && i + 3 < script.Length && script[i + 3] == '}' && script[i + 2] is '@' or '*' or '#')
            {
                n = script[i + 2];
                len = 4;
            }
            else if (n == '{' && i + 2 < script.Length && char.IsAsciiDigit(script[i + 2]))
            {
                // ${N}, ${10}: braces take every digit (a bare $10 is $1 then '0').
                int end = i + 2;
                while (end < script.Length && char.IsAsciiDigit(script[end])) end++;
                if (end >= script.Length || script[end] != '}' || end - (i + 2) > 6) { sb.Append(c); continue; }
                k = int.Parse(script.AsSpan(i + 2, end - (i + 2)), System.Globalization.CultureInfo.InvariantCulture);
                n = '0';
                len = end - i + 1;
            }
            if (char.IsAsciiDigit(n))
            {
                if (k == 0 && zero == null) { sb.Append(script, i, len); i += len - 1; continue; }
                string v = k == 0 ? zero! : k <= args.Count ? args[k - 1] : "";
                bool d = k == 0 ? zeroDynamic : k <= args.Count && dynamic != null && dynamic[k - 1];
                Word(sb, v, d, dbl);
            }
            else if (n == '#') Word(sb, args.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), false, dbl);
            else if (n == '@' && dbl && args.Count == 0 && sb.Length == dblOpen + 1 && i + len < script.Length && script[i + len] == '"')
            {
                // "$@" with no arguments is no word at all, not an empty one.
                sb.Length = dblOpen;
                dbl = false;
                i += len;
                continue;
            }
            else if (n is '@' or '*')
            {
                if (dbl) sb.Append('"');
                if (n == '*' && dbl) Quote(sb, string.Join(' ', args), dynamic != null && dynamic.Any(x => x));
                else
                {
                    for (int a = 0; a < args.Count; a++)
                    {
                        if (a > 0) sb.Append(' ');
                        Quote(sb, args[a], dynamic != null && dynamic[a]);
                    }
                }
                if (dbl) sb.Append('"');
            }
            else { sb.Append(c); continue; }
            i += len - 1;
        }
        return sb.ToString();
    }

    // Inside double quotes the quote is closed around the value and opened again.
    private static void Word(StringBuilder sb, string v, bool dynamic, bool inDouble)
    {
        if (inDouble) sb.Append('"');
        Quote(sb, v, dynamic);
        if (inDouble) sb.Append('"');
    }

    private static void Quote(StringBuilder sb, string v, bool dynamic)
    {
        if (dynamic)
        {
            sb.Append('"');
            foreach (char ch in v) { if (ch is '"' or '\\' or '`') sb.Append('\\'); sb.Append(ch); }
            sb.Append('"');
        }
        else sb.Append('\'').Append(v.Replace("'", "'\\''")).Append('\'');
    }
}
