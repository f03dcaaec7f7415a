using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (CommandClassifier.Deferred.cs): what a command handed to a server runs. That
// server (a tmux or screen server, atd, cron, systemd) may run outside the supervised tree, where no
// exec or connect of what it starts is seen or decided: its text is all there is. A program no
// parser knows, a script file, an interpreter's code: what they do is decided by code read later,
// if ever (a file can change after this look), so each is an unknown effect there, for a person to
// approve (default.local:unread-tmux-commands, default.local:unread-scheduled-job). Parsed tools are
// judged on their arguments as here; a few inert commands pass. Text typed into a shell that keeps
// its state (send-keys, a paste, screen's stuff) also defines what later text means: a function's or
// an alias's body is judged where it is defined, a variable set there for later commands is unknown.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // The server the command being read is handed to (its tool and where it keeps what it
        // runs, the target of the unknown effect); null while this tree runs it.
        private (string Tool, string Spool)? _outside;
        private int _typed; // > 0: typed into a shell that keeps its state
        private int _seen; // intents added and server commands read so far (OutsideRan)
        private static readonly Stdin Pane = new(null, true, Terminal: true);

        // Builtins that change nothing a later command depends on, and programs that run no code of
        // another's and make no connection (when the file found is the system's).
        private static readonly HashSet<string> InertBuiltins = new(StringComparer.Ordinal)
            { "echo", "printf", "true", "false", ":", "test", "[", "cd", "pwd", "read", "wait", "exit", "return", "shift", "clear",
              "set", "break", "continue", "type", "umask", "getopts", "let" };
        private static readonly HashSet<string> InertPrograms = new(StringComparer.Ordinal)
            { "sleep", "cat", "tail", "head", "ls", "date", "wc", "grep", "sort", "uniq", "tty", "whoami", "id", "uname", "du", "df", "ps",
              "xclip", "xsel", "wl-copy", "wl-paste", "pbcopy", "pbpaste" }; // clipboard tools (tmux copy-command)
        private static readonly HashSet<string> AssigningBuiltins = new(StringComparer.Ordinal)
            { "export", "declare", "typeset", "readonly", "local" };
        private static readonly string[] SystemDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/snap/bin"];
        private static readonly string[] HomeDirs = [".local/bin", "bin", ".cargo/bin", "go/bin", ".bun/bin", ".deno/bin", ".npm-global/bin"];

        /// <summary>Variables whose value no program runs or loads code by (a locale, a terminal's size).</summary>
        internal static bool InertVariable(string name) =>
            name is "TERM" or "COLORTERM" or "LANG" or "LANGUAGE" or "TZ" or "COLUMNS" or "LINES" or "NO_COLOR" or "FORCE_COLOR"
                or "CLICOLOR" or "CLICOLOR_FORCE" or "HISTSIZE" or "HISTFILESIZE" or "HISTCONTROL"
            || name.StartsWith("LC_", StringComparison.Ordinal);

        private static (string, string) ServerOf(string tool, IExecContext ctx) => tool switch
        {
            "tmux" => ("tmux", "/tmp/tmux-server"),
            "screen" => ("screen", "/run/screen"),
            "at" or "batch" => (tool, "/var/spool/cron/atjobs"),
            "crontab" => ("crontab", $"/var/spool/cron/crontabs/{ctx.GetEnvironmentVariable("USER") ?? "user"}"),
            _ => ("systemd-run", "/run/systemd/transient"),
        };

        /// <summary>Text typed into a shell of the server that keeps its state.</summary>
        private void TypedText(string text, bool dynamic, IExecContext ctx, int depth, string origin)
        {
            _typed++;
            try { ScriptText(text, dynamic, ctx, Pane, depth, origin); }
            finally { _typed--; }
        }

        /// <summary>What a script read for an outside server leaves in a shell that keeps its state.</summary>
        private void TypedState(ReadOnlySpan<byte> text, Lexing.ShellScript script, IExecContext ctx, int depth)
        {
            foreach (var (fn, from, to) in script.Functions)
                if (from >= 0 && from <= to && to <= text.Length) Script(text[from..to], ctx, new Stdin(null, true), depth + 1, $"function {fn}");
            if (script.Assigned != null)
                foreach (var name in script.Assigned)
                    if (!InertVariable(name)) OutsideUnknown([name + "="], 0, $"sets {name} in a shell that keeps it, for commands not judged with it");
        }

        /// <summary>Called for every command read for an outside server before it is unwrapped; true
        /// when it was judged here in full (then nothing more is read of it).</summary>
        private bool OutsideCommand(ToolId id, string name, string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            _seen++;
            switch (id)
            {
                case ToolId.Shell when ShellScriptOperand(w, s) is { } file:
                    OutsideUnknown(w, s, $"runs the script {file} outside the supervised tree, judged on its text now (it may change before the server runs it)");
                    return false;
                case ToolId.Shell when stdin.Terminal && InteractiveShell(w, s):
                    return true; // a pane's shell, as with no command: what is typed into it is judged then
                case ToolId.Source when s + 1 < w.Length:
                    OutsideUnknown(w, s, $"sources {w[s + 1]} into a shell outside the supervised tree, judged on its text now (it may change before the server reads it)");
                    return false;
                case ToolId.None:
                    if (AssigningBuiltins.Contains(w[s]))
                    {
                        for (int i = s + 1; i < w.Length; i++)
                        {
                            int eq = w[i].IndexOf('=');
                            string v = eq > 0 ? w[i][..eq] : w[i];
                            if (v.Length > 0 && v[0] != '-' && !InertVariable(v)) { OutsideUnknown(w, s, $"{w[s]} sets {v} for commands not judged with it"); break; }
                        }
                        return true;
                    }
                    foreach (var pt in owner._profileTools) if (pt.Name == name) return false; // a tool the profile describes
                    OutsideProgram(w, s, ctx, depth);
                    return true;
                case ToolId.Python or ToolId.Php or ToolId.Dotnet or ToolId.Interpreter or ToolId.Cargo:
                    // Their code is read below where it is given (python -c); what it does is not
                    // certain from a reading, and no connect of it meets the gate there.
                    OutsideUnknown(w, s, $"runs {name} code outside the supervised tree, where its execs and connects are not seen");
                    return false;
                case ToolId.Alias:
                    for (int i = s + 1; i < w.Length; i++)
                    {
                        int eq = w[i].IndexOf('=');
                        if (eq > 0 && !w[i].StartsWith('-')) ScriptText(w[i][(eq + 1)..], Any(dyn, i), ctx, new Stdin(null, true), depth, $"alias {w[i][..eq]}");
                    }
                    return false;
                default:
                    return false;
            }
        }

        // Runners that start what a file or a package names (npm test, make, npx PKG, docker run).
        private static bool IsRunner(ToolId id) => id is ToolId.Npx or ToolId.Bunx or ToolId.Uvx or ToolId.PyRunner or ToolId.Bundle
            or ToolId.Pnpm or ToolId.Npm or ToolId.Yarn or ToolId.Bun or ToolId.Make or ToolId.TaskRunner or ToolId.Docker
            or ToolId.Xargs or ToolId.Parallel or ToolId.Watch or ToolId.Busybox;

        /// <summary>After a runner was read for an outside server: when nothing it starts was seen (a
        /// script, a recipe, a package's command), what it runs there is unknown.</summary>
        private void OutsideRan(ToolId id, string name, string[] w, int s, int seen)
        {
            if (_seen == seen && IsRunner(id)) OutsideUnknown(w, s, $"{name} runs outside the supervised tree what is not read here");
        }

        // bash, sh -l, zsh -i …: a shell that reads its terminal, as tmux starts with no command.
        private static bool InteractiveShell(string[] w, int s)
        {
            for (int i = s + 1; i < w.Length; i++) if (w[i] is not ("-l" or "-i" or "--login" or "-il" or "-li")) return false;
            return true;
        }

        // sh FILE (no -c, no -s), or the --rcfile an interactive one reads first: the file it reads.
        private static string? ShellScriptOperand(string[] w, int s)
        {
            int i = ShellOptions(w, s, out bool c, out bool fromStdin, out string? rcfile);
            return c ? null : rcfile ?? (i < w.Length && !fromStdin ? w[i] : null);
        }

        /// <summary>A program no parser knows, run by the server: inert, or unknown there (a script's
        /// text is read as well, for what it shows now).</summary>
        private void OutsideProgram(string[] w, int s, IExecContext ctx, int depth)
        {
            var name = w[s];
            bool bare = !name.Contains('/');
            if (bare && InertBuiltins.Contains(name)) return;
            var found = bare ? Candidates(name, ctx) : [name];
            if (bare && InertPrograms.Contains(name) && found.TrueForAll(IsSystemFile)) return;
            foreach (var path in found)
            {
                var bytes = ctx.ReadFile(path, ToolHelp.MaxFileBytes + 1);
                if (bytes == null) continue;
                if (bytes is [0x7F, (byte)'E', (byte)'L', (byte)'F', ..])
                {
                    OutsideUnknown(w, s, $"runs the program {path} outside the supervised tree, where its execs and connects are not seen");
                    return;
                }
                OutsideUnknown(w, s, $"runs the script {path} outside the supervised tree, judged on its text now (it may change before the server runs it)");
                if (bytes.Length <= ToolHelp.MaxFileBytes) ScriptFile(bytes, path, w, s, ctx, depth);
                return;
            }
            OutsideUnknown(w, s, bare ? $"runs {name} outside the supervised tree, a program not found here (the server finds its own)"
                : $"runs {name} outside the supervised tree, a file that cannot be read here");
        }

        // A script's text as the kernel runs it: a parsed tool or a shell named by its "#!" line
        // reads it; another interpreter's code is the unknown already said.
        private void ScriptFile(byte[] bytes, string path, string[] w, int s, IExecContext ctx, int depth)
        {
            if (bytes is not [(byte)'#', (byte)'!', ..]) { Script(bytes, ctx, new Stdin(null, true), depth + 1, $"script {path}"); return; }
            int nl = Array.IndexOf(bytes, (byte)'\n');
            var line = System.Text.Encoding.UTF8.GetString(bytes, 2, (nl < 0 ? bytes.Length : nl) - 2).Trim();
            var parts = line.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return;
            var interp = Basename(parts[0]);
            string? arg = parts.Length > 1 ? parts[1].Trim() : null;
            if (interp == "env" && arg != null) { var rest = arg.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries); interp = Basename(rest[0]); arg = rest.Length > 1 ? rest[1] : null; }
            var tool = ToolTable.Lookup(interp);
            if (tool == ToolId.Shell) Script(bytes, ctx, new Stdin(null, true), depth + 1, $"script {path}");
            else if (tool >= ToolId.Curl) Command([interp, .. arg != null ? [arg] : Array.Empty<string>(), path, .. w[(s + 1)..]], null, 0, ctx, new Stdin(null, true), depth + 1);
        }

        /// <summary>Where a shell of the server may find <paramref name="name"/>: the command's PATH
        /// (which the agent sets), the user's usual directories, the system's.</summary>
        private static List<string> Candidates(string name, IExecContext ctx)
        {
            var dirs = new List<string>();
            // The command's PATH, and this process's (the user's when the run began: a server the user
            // started has it, whatever PATH the agent gives the CLI).
            foreach (var d in $"{ctx.GetEnvironmentVariable("PATH")}:{Environment.GetEnvironmentVariable("PATH")}".Split(':'))
                if (d.StartsWith('/') && !dirs.Contains(d)) dirs.Add(d);
            if (ctx.GetEnvironmentVariable("HOME") is { Length: > 1 } home && home[0] == '/')
                foreach (var d in HomeDirs) if (!dirs.Contains($"{home}/{d}")) dirs.Add($"{home}/{d}");
            foreach (var d in SystemDirs) if (!dirs.Contains(d)) dirs.Add(d);
            var found = new List<string>();
            foreach (var d in dirs)
            {
                // Found when there at all: a file this process may not read (mode 0711) the server may still run.
                var p = d.TrimEnd('/') + "/" + name;
                if (ctx.ReadConfigFile(p).Exists) found.Add(p);
            }
            return found;
        }

        private static bool IsSystemFile(string path) =>
            path.StartsWith("/usr/bin/", StringComparison.Ordinal) || path.StartsWith("/bin/", StringComparison.Ordinal)
            || path.StartsWith("/usr/sbin/", StringComparison.Ordinal) || path.StartsWith("/sbin/", StringComparison.Ordinal);

        private void OutsideUnknown(string[] w, int s, string why)
        {
            var (tool, spool) = _outside ?? ("shell", "/tmp");
            Add(new CommandIntent
            {
                Tool = tool, Effect = Effect.Unknown, Summary = why, Argv = w[s..],
                Targets = [new Target { Kind = TargetKind.LocalPath, Path = spool }],
                Evidence = [new Evidence(string.Join(' ', w[s..]), why)],
            });
        }
    }
}
