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
        // Bun's global (Bun.$), a module's member (require("zx").$) and a renamed import
        // (const {$: sh} = require("zx"), import {$ as sh} from "zx") are the same tag (review42 F10).
        bool library = code.Contains("zx", StringComparison.Ordinal) || code.Contains("bun", StringComparison.OrdinalIgnoreCase)
            || code.Contains("execa", StringComparison.Ordinal);
        for (int i = code.IndexOf('$'); i >= 0 && i < code.Length; i = code.IndexOf('$', i + 1))
        {
            // The tag must be $ itself, not the end of a name (foo$`…`) or a ${…} of another template;
            // a member $ (x.$) only in code that names zx, Bun or execa.
            if (i > 0 && (char.IsAsciiLetterOrDigit(code[i - 1]) || code[i - 1] == '_' || code[i - 1] == '.' && !library)) continue;
            int p = i + 1;
            if (p < code.Length && code[p] == '$') p++; // execa's $$
            if ((i = Template(code, p, f)) < 0) return;
        }
        foreach (var alias in Aliases(code))
            for (int i = code.IndexOf(alias, StringComparison.Ordinal); i >= 0; i = code.IndexOf(alias, i + alias.Length, StringComparison.Ordinal))
            {
                if (i > 0 && (char.IsAsciiLetterOrDigit(code[i - 1]) || code[i - 1] is '_' or '$' or '.')) continue;
                if (Template(code, i + alias.Length, f) < 0) return;
            }
    }

    // The template after a tag ending at p (with .sync, or ({options}), and blanks before the
    // backtick, which JavaScript allows): read into f; the index to go on from, or -1 to stop.
    private static int Template(string code, int p, InlineCode.Found f)
    {
        int tag = p;
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
        while (p < code.Length && code[p] is ' ' or '\t' or '\n' or '\r') p++;
        if (p >= code.Length || code[p] != '`') return tag;
        int to = p + 1;
        var text = new System.Text.StringBuilder();
        for (; to < code.Length && code[to] != '`'; to++)
        {
            if (code[to] == '\\' && to + 1 < code.Length) { text.Append(code[to]).Append(code[++to]); continue; }
            if (code[to] == '$' && to + 1 < code.Length && code[to + 1] == '{')
            {
                int close = Close(code, to + 1);
                if (close < 0) { f.Opaque ??= "an unterminated shell template"; return -1; }
                text.Append(Value);
                to = close;
                continue;
            }
            text.Append(code[to]);
        }
        if (to >= code.Length) { f.Opaque ??= "an unterminated shell template"; return -1; }
        f.Scripts.Add(text.ToString());
        return to;
    }

    // Names the $ tag is bound to: {$: sh} (destructuring) and {$ as sh} (an import).
    private static List<string> Aliases(string code)
    {
        var names = new List<string>();
        for (int i = code.IndexOf('$'); i >= 0 && i + 1 < code.Length; i = code.IndexOf('$', i + 1))
        {
            int p = i + 1;
            while (p < code.Length && code[p] == ' ') p++;
            if (p < code.Length && code[p] == ':') p++;
            else if (code.AsSpan(p).StartsWith("as ")) p += 3;
            else continue;
            while (p < code.Length && code[p] == ' ') p++;
            int start = p;
            while (p < code.Length && (char.IsAsciiLetterOrDigit(code[p]) || code[p] is '_' or '$')) p++;
            if (p > start && !char.IsAsciiDigit(code[start]) && code[start..p] is var name && name != "$" && !names.Contains(name)) names.Add(name);
        }
        return names;
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
