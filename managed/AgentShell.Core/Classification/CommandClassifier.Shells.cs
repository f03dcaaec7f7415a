using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 8 (see CommandClassifier.Unwrap.cs): a shell runs what it is given.
// sh|bash|dash|zsh|ksh -c STRING [ARG0 ARGS…] (lexed, with its positional parameters put in), FILE (read, lexed), stdin (a here-doc lexed; a pipe from
// anything but echo/printf/cat → unknown); a string built at run time is unknown unless its
// substitution's output is known (then that output is the script).
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        /// <summary>A shell's options before its operands (-c: a string, -s: stdin, -o NAME, --rcfile
        /// FILE); the index of its first operand.</summary>
        private static int ShellOptions(string[] w, int s, out bool c, out bool fromStdin, out string? rcfile) =>
            ShellOptions(w, s, out c, out fromStdin, out rcfile, out _);

        /// <summary>As above; <paramref name="noexec"/>: -n or -o noexec (and not +n, not -i after it): the
        /// shell reads its commands and runs none (bash -n script.sh, find … -exec bash -n {} \; lint).</summary>
        private static int ShellOptions(string[] w, int s, out bool c, out bool fromStdin, out string? rcfile, out bool noexec)
        {
            int i = s + 1;
            c = fromStdin = noexec = false;
            bool interactive = false;
            rcfile = null;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a is "--" or "-") { i++; break; }
                if (a is "--rcfile" or "--init-file") { i++; rcfile = i < w.Length ? w[i] : null; continue; }
                if (a.StartsWith("--", StringComparison.Ordinal)) continue;
                if (a.Length > 1 && (a[0] == '-' || a[0] == '+'))
                {
                    for (int k = 1; k < a.Length; k++)
                    {
                        if (a[k] == 'c') c = true;
                        else if (a[k] == 's') fromStdin = true;
                        else if (a[k] == 'n') noexec = a[0] == '-';
                        else if (a[k] == 'i') interactive = true;
                        else if (a[k] is 'o' or 'O')
                        {
                            if (a[k] == 'o' && i + 1 < w.Length && w[i + 1] == "noexec") noexec = a[0] == '-';
                            i++;
                        }
                    }
                    continue;
                }
                break;
            }
            // An interactive shell ignores -n (bash(1)).
            if (interactive) noexec = false;
            return i;
        }

        private void Shell(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            var saved = EnterChild();
            try { ChildShell(w, dyn, s, ctx, stdin, depth); }
            finally { LeaveChild(saved); }
        }

        private void ChildShell(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = ShellOptions(w, s, out bool c, out bool fromStdin, out _, out bool noexec);
            string shell = Basename(w[s]);
            // -n: the commands are parsed, none runs (a syntax check of a script, a loop over files).
            if (noexec) return;
            if (c)
            {
                if (i + 1 < w.Length)
                {
                    // sh -c STRING ARG0 ARGS…: $0, $1…, "$@" are those words.
                    var text = PositionalParameters.Substitute(w[i], w[i + 1], dyn != null && dyn[i + 1], w[(i + 2)..], dyn?[(i + 2)..]);
                    ScriptText(text, dyn != null && dyn[i], ctx, stdin, depth, $"{shell} -c");
                }
                else if (i < w.Length) ShellString(w, dyn, i, ctx, stdin, depth, $"{shell} -c");
                else Unknown($"{shell} -c without a command string", string.Join(' ', w[s..]), w[s..]);
                return;
            }
            if (i < w.Length && !fromStdin)
            {
                var text = ScriptFileText(w[i], dyn != null && dyn[i], ctx);
                if (text == null) { Unknown($"{shell} runs script {w[i]}, which cannot be read", string.Join(' ', w[s..]), w[s..]); return; }
                Script(Encoding.UTF8.GetBytes(text), ctx, default, depth + 1, $"{shell} {w[i]}");
                return;
            }
            if (stdin.Text != null)
            {
                // sh -s ARGS <<EOF … "$1" …: the operands are the script's positional parameters.
                var text = fromStdin && i < w.Length ? PositionalParameters.Substitute(stdin.Text, null, false, w[i..], dyn?[i..]) : stdin.Text;
                Script(Encoding.UTF8.GetBytes(text), ctx, default, depth + 1, $"{shell} stdin");
                return;
            }
            Unknown(stdin.Opaque ? $"{shell} reads commands from a pipe whose content is unknown" : $"{shell} reads commands from stdin",
                string.Join(' ', w[s..]), w[s..]);
        }

        /// <summary>The text of a script named by <paramref name="word"/>: a file (one an earlier command of the
        /// string wrote included: WrittenFiles.cs), or a process substitution <c>&lt;(CMD)</c> whose output is
        /// known (<c>bash &lt;(echo …)</c>, <c>. &lt;(cat f)</c>); null when it cannot be read.</summary>
        private static string? ScriptFileText(string word, bool dynamic, IExecContext ctx)
        {
            if (!dynamic) return ToolHelp.ReadText(ctx, word);
            return word.Length > 3 && word.StartsWith("<(", StringComparison.Ordinal) && word.EndsWith(')') ? SubstitutedOutput("$(" + word[2..], ctx) : null;
        }

        /// <summary><c>source FILE</c> / <c>. FILE</c>: FILE's commands run in this shell, read as a script.</summary>
        private void SourceScript(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, int depth)
        {
            var text = s + 1 < w.Length ? ScriptFileText(w[s + 1], dyn != null && dyn[s + 1], ctx) : null;
            if (text == null) { Unknown($"{name} runs a script in the current shell", string.Join(' ', w[s..]), w[s..]); return; }
            Script(Encoding.UTF8.GetBytes(text), ctx, default, depth + 1, $"{name} {w[s + 1]}");
        }

        private void ShellString(string[] w, bool[]? dyn, int i, IExecContext ctx, Stdin stdin, int depth, string origin) =>
            ScriptText(w[i], dyn != null && dyn[i], ctx, stdin, depth, origin);

        private void ScriptText(string text, bool dynamic, IExecContext ctx, Stdin stdin, int depth, string origin)
        {
            // sh -c "$(printf '\x6b…') --context prod-eu delete ns payments": known outputs put in first.
            if (dynamic && WithKnownSubstitutions(text, ctx, true) is string known) (text, dynamic) = (known, false);
            if (dynamic && SubstitutedOutput(text, ctx) is string produced)
            {
                // sh -c "$(echo B64 | base64 -d)": the substitution's output is known, and it is the script.
                Script(Encoding.UTF8.GetBytes(produced), ctx, stdin, depth + 1, $"{origin} of a substituted script");
                return;
            }
            if (dynamic && (text.Contains("$(") || text.Contains('`') || text.StartsWith('$') || text.Contains(" $")))
            {
                // The string is built at run time: what runs cannot be known here.
                Unknown($"{origin} of a string built at run time", text);
            }
            Script(Encoding.UTF8.GetBytes(text), ctx, stdin, depth + 1, origin);
        }
    }
}
