namespace AgentShell.Core.Tools;

/// <summary>JavaScript's tagged shell templates: zx's <c>$`cmd`</c> (also <c>$.sync`…`</c> and
/// <c>$({cwd})`…`</c>), Bun Shell's <c>$`…`</c> and execa's <c>$`…`</c>/<c>$$`…`</c>. The text is a
/// shell command the library runs; a <c>${…}</c> in it is a value chosen at run time that zx
/// quotes as one word: it is read as an unset variable's word, so the command is still read
/// (<c>kubectl --context prod delete ns ${ns}</c> deletes on production whatever ns is).</summary>
internal static class ShellTemplates
{
    public static void Read(string code, InlineCode.Found f)
    {
        for (int i = code.IndexOf('$'); i >= 0 && i < code.Length; i = code.IndexOf('$', i + 1))
        {
            // The tag must be $ itself, not the end of a name (foo$`…`) or a ${…} of another template.
            if (i > 0 && (char.IsAsciiLetterOrDigit(code[i - 1]) || code[i - 1] is '_' or '.')) continue;
            int p = i + 1;
            if (p < code.Length && code[p] == '$') p++; // execa's $$
            if (code.AsSpan(p).StartsWith(".sync")) p += 5;
            else if (p < code.Length && code[p] == '(')
            {
                // $({ cwd: 'x' })`…`: options first.
                int depth = 0;
                for (; p < code.Length; p++)
                {
                    if (code[p] == '(') depth++;
                    else if (code[p] == ')' && --depth == 0) { p++; break; }
                }
            }
            if (p >= code.Length || code[p] != '`') continue;
            int to = p + 1;
            var text = new System.Text.StringBuilder();
            for (; to < code.Length && code[to] != '`'; to++)
            {
                if (code[to] == '\\' && to + 1 < code.Length) { text.Append(code[to]).Append(code[++to]); continue; }
                if (code[to] == '$' && to + 1 < code.Length && code[to + 1] == '{')
                {
                    int close = Close(code, to + 1);
                    if (close < 0) { f.Opaque ??= "an unterminated shell template"; return; }
                    text.Append(Value);
                    to = close;
                    continue;
                }
                text.Append(code[to]);
            }
            if (to >= code.Length) { f.Opaque ??= "an unterminated shell template"; return; }
            f.Scripts.Add(text.ToString());
            i = to;
        }
    }

    // A variable no environment sets: the shell reader makes its word unknown, as zx's value is.
    private const string Value = "\"${AGENTSHELL_TEMPLATE_VALUE}\"";

    // The } that closes the { at open (nested braces and strings in the expression counted roughly).
    private static int Close(string code, int open)
    {
        int depth = 0;
        for (int k = open; k < code.Length; k++)
        {
            if (code[k] == '{') depth++;
            else if (code[k] == '}' && --depth == 0) return k;
            else if (code[k] == '`') return -1;
        }
        return -1;
    }
}
