using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

// Wrappers that run a command as another user or through a string: su -c, runuser, script -c and
// GNU parallel (CommandClassifier.Unwrap.cs dispatches to them, level 2 and 4 of its list).
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // su [options] [-] [USER [ARGS]] and runuser in su's form: -c/--command STRING is run by the
        // user's shell. runuser -u USER [--] CMD runs CMD itself. Without a command, su starts a
        // login shell reading stdin (a here-doc is its script; a terminal is interactive: nothing here).
        private void SwitchUser(string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            int command = -1;
            bool asUser = false;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (a == "-" || a.Length < 2 || a[0] != '-') { if (a == "-") continue; break; }
                if (a.StartsWith("--command=", StringComparison.Ordinal)) { ScriptText(a[10..], dyn != null && dyn[i], ctx, stdin, depth, $"{name} -c"); return; }
                if (a is "--command" or "--session-command") { command = i + 1; i++; continue; }
                if (a is "--user" && name == "runuser") { asUser = true; i++; continue; }
                if (a is "--shell" or "--group" or "--supp-group" or "--whitelist-environment") { i++; continue; }
                if (a.StartsWith("--", StringComparison.Ordinal)) continue;
                for (int k = 1; k < a.Length; k++)
                {
                    char o = a[k];
                    if (o is not ('c' or 's' or 'g' or 'G' or 'w' or 'u')) continue;
                    if (o == 'u' && name != "runuser") continue;
                    if (o == 'c') command = k + 1 < a.Length ? -2 : i + 1;
                    if (o == 'u') asUser = true;
                    if (k + 1 < a.Length) { if (o == 'c') ScriptText(a[(k + 1)..], dyn != null && dyn[i], ctx, stdin, depth, $"{name} -c"); }
                    else i++;
                    break;
                }
                if (command == -2) return;
            }
            if (asUser) { Command(w, dyn, i, ctx, stdin, depth + 1); return; }
            // -c may also follow the user name (su postgres -c '…'): look past it.
            for (int j = i + 1; command < 0 && j < w.Length; j++)
            {
                if (w[j] is "-c" or "--command") command = j + 1;
                else if (w[j].StartsWith("--command=", StringComparison.Ordinal)) { ScriptText(w[j][10..], dyn != null && dyn[j], ctx, stdin, depth, $"{name} -c"); return; }
            }
            if (command >= 0)
            {
                if (command < w.Length) ShellString(w, dyn, command, ctx, stdin, depth, $"{name} -c");
                else Unknown($"{name} -c without a command string", string.Join(' ', w[s..]), w[s..]);
                return;
            }
            if (stdin.Text != null) Script(Encoding.UTF8.GetBytes(stdin.Text), ctx, default, depth + 1, $"{name} stdin");
            else if (stdin.Opaque) Unknown($"{name} reads commands from a pipe whose content is unknown", string.Join(' ', w[s..]), w[s..]);
        }

        // script [options] [FILE]: -c/--command STRING runs through the user's shell (util-linux).
        private void TypescriptRecorder(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            for (int i = s + 1; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") return;
                if (a.StartsWith("--command=", StringComparison.Ordinal)) { ScriptText(a[10..], dyn != null && dyn[i], ctx, stdin, depth, "script -c"); return; }
                if (a == "--command") { if (i + 1 < w.Length) ShellString(w, dyn, i + 1, ctx, stdin, depth, "script -c"); return; }
                if (a.Length < 2 || a[0] != '-' || a[1] == '-') continue;
                for (int k = 1; k < a.Length; k++)
                {
                    if (a[k] is 'E' or 'I' or 'O' or 'B' or 'T' or 'm' or 'o') { if (k + 1 == a.Length) i++; break; }
                    if (a[k] != 'c') continue;
                    if (k + 1 < a.Length) ScriptText(a[(k + 1)..], dyn != null && dyn[i], ctx, stdin, depth, "script -c");
                    else if (i + 1 < w.Length) ShellString(w, dyn, i + 1, ctx, stdin, depth, "script -c");
                    return;
                }
            }
            // Without -c script starts an interactive shell: its commands are execs of their own.
        }

        // GNU parallel options that take a value (the next word when not attached).
        private static readonly string[] ParallelValued =
        [
            "-j", "--jobs", "-P", "--max-procs", "-S", "--sshlogin", "--sshloginfile", "--slf", "-a", "--arg-file", "--joblog", "--delay", "--timeout",
            "-n", "--max-args", "-N", "-L", "--max-lines", "-l", "--colsep", "-C", "-d", "--delimiter", "-E", "--eof", "-I", "--replace", "--tmpdir",
            "--results", "--res", "--workdir", "--wd", "--env", "--basefile", "--bf", "--return", "--transfer-file", "--tf", "--halt", "--memfree",
            "--load", "--retries", "--tagstring", "--header", "--block", "--recstart", "--recend", "--shebang-wrap", "-s", "--max-chars", "--sem-id",
        ];

        // parallel [options] CMD [::: ARGS …]: CMD's words joined are run by a shell once per argument,
        // with {} (and {.}, {1}, …) replaced, the argument appended when there is none. The arguments
        // are not substituted here: a placeholder stands for them. Without CMD each input line is a
        // command (a known stdin is that script; any other is unknown). -S runs it on other hosts.
        private void GnuParallel(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (a.Length < 2 || a[0] != '-' || a.StartsWith(":::", StringComparison.Ordinal)) break;
                if (a is "--dry-run" or "--dryrun") return; // prints the commands, runs none
                if (a.Contains('=')) continue;
                if (Array.IndexOf(ParallelValued, a) >= 0) i++;
            }
            int end = i;
            while (end < w.Length && !w[end].StartsWith(":::", StringComparison.Ordinal)) end++;
            if (i >= end && end < w.Length)
            {
                // parallel ::: 'cmd a' 'cmd b': each argument is a command.
                var lines = string.Join('\n', w[(end + 1)..].Where(x => !x.StartsWith(":::", StringComparison.Ordinal)));
                ScriptText(lines, Any(dyn, end), ctx, new Stdin(null, true), depth, "parallel arguments");
                return;
            }
            if (i >= end)
            {
                if (stdin.Text != null) Script(Encoding.UTF8.GetBytes(stdin.Text), ctx, default, depth + 1, "parallel stdin");
                else Unknown("parallel runs the commands it reads from stdin, whose content is unknown", string.Join(' ', w[s..]), w[s..]);
                return;
            }
            var text = string.Join(' ', w[i..end]);
            // parallel CMD {} ::: a b: one ::: list of literal values is run value by value.
            if (end < w.Length && w[end] == ":::" && end + 1 < w.Length && w.Length - end - 1 <= 16 && !Any(dyn, end + 1)
                && !w[(end + 1)..].Any(x => x.StartsWith(":::", StringComparison.Ordinal)) && (text.Contains("{}") || !text.Contains('{')))
            {
                foreach (var v in w[(end + 1)..])
                {
                    var q = "'" + v.Replace("'", "'\\''") + "'";
                    ScriptText(text.Contains("{}") ? text.Replace("{}", q) : text + " " + q, Any(dyn, i), ctx, new Stdin(null, true), depth, "parallel command");
                }
                return;
            }
            if (!text.Contains('{')) text += " " + XargsInput;
            ScriptText(text, Any(dyn, i), ctx, new Stdin(null, true), depth, "parallel command");
        }
    }
}
