using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// gdb runs commands of its own from its command line (-ex, -iex, -eiex, --eval-command) and from script
// files (-x, -ix, -eix, --command): `shell CMD`, `!CMD`, `pipe GDBCMD | CMD` and `| GDBCMD | CMD` hand CMD to
// /bin/sh; `python CODE` is Python; `call system("CMD")` (any expression with a system("…") literal)
// makes the debuggee run CMD. Each is read as that command; `gdb --args CMD` stays a process wrapper row.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // Options as gdb reads them (Tools/Gdb.Options.cs: one dash or two, prefixes, =VALUE), up to --args.
        private void GdbCommands(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            var reader = new OptionReader(Gdb.Options, w, s + 1);
            while (reader.Next(out var t))
            {
                // An option gdb does not have, or lacking its value: gdb stops with an error, before any command.
                if (t.Kind != OptionTokenKind.Option) continue;
                var name = t.Spec!.Name;
                if (name == "--args") return;
                bool command = name is "--eval-command" or "--init-eval-command" or "--early-init-eval-command";
                bool script = name is "--command" or "--init-command" or "--early-init-command";
                if (!command && !script) continue;
                var value = t.Value!;
                bool dynamic = dyn != null && dyn[reader.Position - 1];
                if (command) { GdbCommand(value, dynamic, ctx, stdin, depth); continue; }
                var text = dynamic ? null : ToolHelp.ReadText(ctx, value);
                if (text == null) { Unknown($"gdb runs command file {value}, which cannot be read", string.Join(' ', w[s..]), w[s..]); continue; }
                foreach (var line in text.Split('\n')) GdbCommand(line, false, ctx, stdin, depth);
            }
        }

        private void GdbCommand(string line, bool dynamic, IExecContext ctx, Stdin stdin, int depth)
        {
            var c = line.Trim();
            if (c.Length == 0 || c[0] == '#') return;
            // A command built at run time, or one that runs a script or code gdb reads elsewhere
            // (source FILE, eval "shell %s", compile, guile): not read here, unknown.
            if (dynamic) { Unknown("gdb runs a command built at run time", c); return; }
            string word = c.Split(' ', 2)[0];
            string rest = c.Length > word.Length ? c[word.Length..].TrimStart() : "";
            if (c[0] == '!') { ScriptText(c[1..], dynamic, ctx, stdin, depth, "gdb !"); return; }
            if (word.Length >= 3 && "shell".StartsWith(word, StringComparison.Ordinal)) { ScriptText(rest, dynamic, ctx, stdin, depth, "gdb shell"); return; }
            if (c[0] == '|' || word == "pipe")
            {
                // pipe [COMMAND] | SHELL_COMMAND, | [COMMAND] | SHELL_COMMAND; -d DELIM names another delimiter.
                var body = c[0] == '|' ? c[1..] : rest;
                string delim = "|";
                if (body.StartsWith("-d "))
                {
                    var parts = body[3..].TrimStart().Split(' ', 2);
                    delim = parts[0];
                    body = parts.Length > 1 ? parts[1] : "";
                }
                int bar = body.IndexOf(delim, StringComparison.Ordinal);
                if (bar >= 0) ScriptText(body[(bar + delim.Length)..], dynamic, ctx, stdin, depth, "gdb pipe");
                return;
            }
            if (word is "python" or "py" or "python-interactive" or "pi") { if (rest.Length > 0) Inline("gdb python", rest, dynamic, ctx, depth); return; }
            if (word is "source" or "so" or "eval" or "compile" or "expression" or "guile" or "gu" or "guile-repl" or "gr")
            {
                Unknown($"gdb {word} runs commands or code not read here", c);
                return;
            }
            // call system("rm -rf /data"), print (int)system("…"): the debuggee runs the string.
            // system ("…") with blanks before the parenthesis is the same call.
            int sys = c.IndexOf("system", StringComparison.Ordinal);
            int paren = sys < 0 ? -1 : InlineCode.SkipSpace(c, sys + "system".Length);
            if (sys >= 0 && paren < c.Length && c[paren] == '(')
            {
                if (InlineCode.Literal(c, paren + 1, out var cmd, out _)) ScriptText(cmd, dynamic, ctx, stdin, depth, "gdb system()");
                else Unknown("gdb calls system() with a string that is not a literal", c);
            }
        }
    }
}
