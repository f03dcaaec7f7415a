using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (see CommandClassifier.Unwrap.cs): text tools that run commands of their own —
// awk's system("CMD"), print | "CMD" and "CMD" | getline; GNU sed's e command (e CMD, or a bare e that
// runs each input line) and s///e; vim/vi/nvim/ex -c|+|--cmd ':!CMD' (and :r !CMD, :w !CMD). A literal
// command is read as a shell string; one built at run time (awk's "… " $1, sed's s///e, a bare e on input
// that is not known) is unknown. Everything else these tools do is text: nothing.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private void TextTool(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            switch (name)
            {
                case "awk" or "gawk" or "mawk" or "nawk" or "busybox-awk":
                {
                    int i = s + 1;
                    for (; i < w.Length && w[i].StartsWith('-') && w[i] != "--"; i++)
                    {
                        if (w[i] is "-f" or "--file") { Unknown($"{name} runs a program file (not read)", string.Join(' ', w[s..]), w[s..]); return; }
                        if (w[i] is "-F" or "-v" or "--assign" or "--field-separator") i++;
                    }
                    if (i < w.Length && w[i] == "--") i++;
                    if (i < w.Length) AwkProgram(name, w[i], Any(dyn, i), ctx, depth);
                    return;
                }
                case "sed" or "gsed":
                    for (int i = s + 1; i < w.Length; i++)
                    {
                        var a = w[i];
                        if (a is "-e" or "--expression") { if (i + 1 < w.Length) SedScript(w[++i], Any(dyn, i), ctx, stdin, depth); continue; }
                        if (a.StartsWith("--expression=", StringComparison.Ordinal)) { SedScript(a[13..], Any(dyn, i), ctx, stdin, depth); continue; }
                        if (a is "-f" or "--file") { i++; continue; }
                        if (a.StartsWith('-')) continue;
                        // The first operand is the script unless -e gave one.
                        if (!w[(s + 1)..i].Any(x => x is "-e" or "--expression" or "-f" or "--file" || x.StartsWith("--expression=", StringComparison.Ordinal)))
                            SedScript(a, Any(dyn, i), ctx, stdin, depth);
                        break;
                    }
                    return;
                default: // vim, vi, nvim, ex, view
                    for (int i = s + 1; i < w.Length; i++)
                    {
                        string? ex = w[i] is "-c" or "--cmd" && i + 1 < w.Length ? w[++i] : w[i].StartsWith('+') ? w[i][1..] : null;
                        if (ex == null) continue;
                        if (VimShellCommand(ex) is string cmd) ScriptText(cmd, Any(dyn, i), ctx, default, depth, $"{name} :!");
                        else if (ex.Contains("system(", StringComparison.Ordinal) || ex.TrimStart(':', ' ').StartsWith("exe", StringComparison.Ordinal))
                            Unknown($"{name} runs an ex command that may start a program", ex);
                    }
                    return;
            }
        }

        // ':!CMD', 'silent !CMD', 'r !CMD', 'w !CMD', '%!CMD': the shell command, or null.
        private static string? VimShellCommand(string ex)
        {
            var t = ex.TrimStart(':', ' ');
            foreach (var p in (ReadOnlySpan<string>)["silent! ", "silent ", "sil! ", "sil "]) if (t.StartsWith(p, StringComparison.Ordinal)) { t = t[p.Length..].TrimStart(); break; }
            int bang = t.IndexOf('!');
            if (bang < 0) return null;
            var head = t[..bang].TrimEnd();
            return head is "" or "r" or "read" or "w" or "write" or "%" or "." or "'<,'>" or "0r" or "$r" ? t[(bang + 1)..] : null;
        }

        private void AwkProgram(string name, string prog, bool dynamic, IExecContext ctx, int depth)
        {
            if (dynamic && prog.Contains('$')) Unknown($"{name} program built at run time", prog);
            var none = new Stdin(null, true);
            foreach (int at in InlineCode.Calls(prog, "system"))
            {
                if (InlineCode.Literal(prog, at, out var cmd, out int end) && InlineCode.SkipSpace(prog, end) is int p && p < prog.Length && prog[p] == ')')
                    ScriptText(cmd, false, ctx, none, depth, $"{name} system()");
                else
                {
                    // system("kubectl … ns " $1): the literal parts with an unknown word for each other part.
                    Unknown($"{name} system() of a command built at run time", prog);
                    if (Concatenation(prog, at) is string built) ScriptText(built, true, ctx, none, depth, $"{name} system()");
                }
            }
            // print … | "CMD" and "CMD" | getline: the string is a shell command.
            for (int i = prog.IndexOf('|'); i >= 0; i = prog.IndexOf('|', i + 1))
            {
                if (i + 1 < prog.Length && prog[i + 1] == '|' || i > 0 && prog[i - 1] == '|') { i++; continue; }
                int q = InlineCode.SkipSpace(prog, i + 1);
                if (q < prog.Length && prog[q] == '"' && InlineCode.Literal(prog, q, out var piped, out _)) ScriptText(piped, false, ctx, none, depth, $"{name} print |");
                else if (prog.AsSpan(q).StartsWith("getline") && prog.LastIndexOf('"', Math.Max(0, i - 1)) is int close && close > 0)
                {
                    int open = prog.LastIndexOf('"', close - 1);
                    if (open >= 0 && prog[(close + 1)..i].Trim().Length == 0) ScriptText(prog[(open + 1)..close], false, ctx, none, depth, $"{name} getline");
                    else Unknown($"{name} getline from a command built at run time", prog);
                }
                else if (!prog.AsSpan(q).StartsWith("getline") && prog[..i].Contains("print", StringComparison.Ordinal)) Unknown($"{name} pipes to a command built at run time", prog);
            }
        }

        // The argument list starting at from (just after '('), literals kept and every other token an
        // unknown variable; null when unbalanced.
        private static string? Concatenation(string code, int from)
        {
            int close = InlineCode.Balanced(code, from - 1, '(', ')', 4096);
            if (close < 0) return null;
            var sb = new StringBuilder();
            for (int i = from; i < close - 1;)
            {
                if (char.IsWhiteSpace(code[i])) { i++; continue; }
                if (code[i] == '"' && InlineCode.Literal(code, i, out var lit, out int end)) { sb.Append(lit); i = end; continue; }
                sb.Append("${awk_value}");
                while (i < close - 1 && !char.IsWhiteSpace(code[i]) && code[i] != '"') i++;
            }
            return sb.ToString();
        }

        // GNU sed: each command after its address; e CMD runs CMD, a bare e runs the pattern space (each
        // input line), an s command's e flag runs its result.
        private void SedScript(string script, bool dynamic, IExecContext ctx, Stdin stdin, int depth)
        {
            if (dynamic && script.Contains('$')) { if (script.Contains('e')) Unknown("sed script built at run time", script); return; }
            int i = 0;
            while (i < script.Length)
            {
                // The address: line numbers, $, /RE/, \cREc, ranges, steps, a negation; blanks and separators.
                while (i < script.Length && (char.IsAsciiDigit(script[i]) || script[i] is '$' or ',' or '~' or '!' or ' ' or '\t' or ';' or '\n' or '{' or '}' or '+'))
                    i++;
                if (i >= script.Length) return;
                char c = script[i];
                if (c is '/' or '\\') { i = SkipDelimited(script, c == '\\' ? i + 1 : i, 1); continue; }
                if (c == 's' || c == 'y')
                {
                    if (i + 1 >= script.Length) return;
                    i = SkipDelimited(script, i + 1, 2);
                    int flags = i;
                    while (i < script.Length && script[i] is not (';' or '\n' or '}')) i++;
                    if (c == 's' && script[flags..i].Contains('e')) Unknown("sed s///e runs the substituted line as a command", script);
                    continue;
                }
                int eol = script.IndexOf('\n', i);
                if (eol < 0) eol = script.Length;
                if (c == 'e')
                {
                    var cmd = script[(i + 1)..eol].Trim();
                    if (cmd.Length > 0) ScriptText(cmd, false, ctx, default, depth, "sed e");
                    else if (stdin.Text != null) Script(Encoding.UTF8.GetBytes(stdin.Text), ctx, default, depth + 1, "sed e of its input");
                    else Unknown("sed e runs its input lines as commands", script);
                    i = eol;
                    continue;
                }
                // a, i, c, r, R, w, W, b, t, T, :label, q, l, =… : text or a name to the end of the line.
                i = c is 'a' or 'i' or 'c' or 'r' or 'R' or 'w' or 'W' or 'b' or 't' or 'T' or ':' or '#' ? eol : i + 1;
            }
        }

        // Just after the n-th unescaped closing delimiter that follows the opening one at open.
        private static int SkipDelimited(string s, int open, int parts)
        {
            if (open >= s.Length) return s.Length;
            char d = s[open];
            int i = open + 1;
            for (int seen = 0; i < s.Length && seen < parts; i++)
            {
                if (s[i] == '\\') { i++; continue; }
                if (s[i] == d) seen++;
            }
            return i;
        }
    }
}
