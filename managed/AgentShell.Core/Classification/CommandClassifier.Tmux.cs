using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// tmux (level 6, CommandClassifier.Deferred.cs): what a tmux CLI hands its server. Its argv is a
// sequence of tmux commands (`;` between them), and several of them carry shell commands the
// server runs (run-shell, if-shell, pipe-pane, display-popup, new-window, a `#(…)` in any format)
// or text it types later (set-buffer, load-buffer: paste-buffer types it), or tmux commands of
// their own (if-shell, set-hook, bind-key, source-file). Each is judged on its text here, since the
// server may run outside the tree (the command-server exemption rests on this). Commands read from
// stdin (-C control mode, source-file -, load-buffer -) cannot be known: an unread job, as at's.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        // tmux's own option letters that take a value: -c SHELL-CMD, -f FILE, -L NAME, -S PATH, -T FEATURES.
        private const string TmuxGlobalValued = "cfLST";
        private const int TmuxMaxNesting = 4;

        private void Tmux(string[] w, bool[]? dyn, int s, IExecContext ctx, int depth)
        {
            int i = s + 1;
            for (; i < w.Length && w[i].Length > 1 && w[i][0] == '-' && w[i] != "--"; i++)
            {
                // getopt: letters clustered (-2C), a valued letter takes the rest of the word or the next one.
                var a = w[i];
                for (int k = 1; k < a.Length; k++)
                {
                    char f = a[k];
                    if (f == 'C')
                    {
                        TmuxUnread(w, s, "tmux -C (control mode) sends the commands it reads from stdin, which are not known here");
                        return;
                    }
                    if (TmuxGlobalValued.IndexOf(f) < 0) continue;
                    string? value = k + 1 < a.Length ? a[(k + 1)..] : i + 1 < w.Length ? w[++i] : null;
                    // tmux -c CMD runs CMD with the user's shell, as a login shell would.
                    if (f == 'c' && value != null) { ScriptText(value, Any(dyn, s + 1), ctx, new Stdin(null, true), depth, "tmux -c"); return; }
                    break;
                }
            }
            if (i < w.Length && w[i] == "--") i++;
            TmuxSequence(w[i..], Any(dyn, i), ctx, depth, 0, w[s..]);
        }

        /// <summary>Commands separated by a `;` word, or by a word ending in an unescaped `;`.</summary>
        private void TmuxSequence(string[] words, bool dynamic, IExecContext ctx, int depth, int nesting, string[] argv)
        {
            var one = new List<string>();
            foreach (var word in words)
            {
                bool ends = word.EndsWith(';') && !word.EndsWith("\\;", StringComparison.Ordinal);
                if (!ends) { one.Add(word); continue; }
                if (word.Length > 1) one.Add(word[..^1]);
                TmuxCommand([.. one], dynamic, ctx, depth, nesting, argv);
                one.Clear();
            }
            if (one.Count > 0) TmuxCommand([.. one], dynamic, ctx, depth, nesting, argv);
        }

        /// <summary>A tmux command given as one string (if-shell's, set-hook's, a line of a file), parsed as tmux would.</summary>
        private void TmuxText(string text, bool dynamic, IExecContext ctx, int depth, int nesting, string[] argv)
        {
            if (nesting >= TmuxMaxNesting || TmuxWords(text) is not { } words)
            {
                TmuxUnread(argv, 0, $"tmux runs the tmux commands \"{text}\", which are not parsed here");
                return;
            }
            TmuxSequence(words, dynamic, ctx, depth, nesting + 1, argv);
        }

        private void TmuxCommand(string[] c, bool dynamic, IExecContext ctx, int depth, int nesting, string[] argv)
        {
            if (c.Length == 0) return;
            // A format's #(…) runs a shell command in the server, whichever command expands it.
            foreach (var a in c) foreach (var cmd in FormatCommands(a)) ScriptText(cmd, dynamic, ctx, new Stdin(null, true), depth, "tmux format #()");
            var sub = c[0];
            int i = 1;
            switch (sub)
            {
                case "send-keys" or "send":
                    TmuxSendKeys(c, dynamic, ctx, depth, argv);
                    return;
                case "paste-buffer" or "pasteb":
                    TmuxUnread(argv, 0, "tmux paste-buffer types a buffer whose text is not known here");
                    return;
                case "new-session" or "new" or "new-window" or "neww" or "split-window" or "splitw" or "respawn-pane" or "respawnp"
                    or "respawn-window" or "respawnw":
                    TmuxPaneCommand(c, "ceFfnstxylp", dynamic, ctx, depth, sub, argv);
                    return;
                case "set-environment" or "setenv":
                    // setenv [-Fhgru] [-t TARGET] NAME [VALUE]: every pane made later starts with it.
                    i = TmuxFlags(c, "t", out string given);
                    if (given.IndexOfAny(['u', 'r']) < 0 && i < c.Length && !InertVariable(c[i]))
                        TmuxUnread(argv, 0, $"tmux set-environment {c[i]} changes what the server's later panes run with, which is not judged here");
                    return;
                case "run-shell" or "run":
                    i = TmuxFlags(c, "cdt", out bool asTmux, 'C');
                    if (i >= c.Length) return;
                    // run-shell -C: its argument is a tmux command.
                    if (asTmux) TmuxText(string.Join(' ', c[i..]), dynamic, ctx, depth, nesting, argv);
                    else TmuxShellCommand(c, i, dynamic, ctx, depth, sub);
                    return;
                case "pipe-pane" or "pipep":
                    TmuxShellCommand(c, TmuxFlags(c, "t"), dynamic, ctx, depth, sub);
                    return;
                case "display-popup" or "popup":
                    TmuxPaneCommand(c, "bcdehsStTwxy", dynamic, ctx, depth, sub, argv);
                    return;
                case "if-shell" or "if":
                    // if-shell [-bF] [-t TARGET] SHELL-COMMAND COMMAND [COMMAND]; with -F the condition is a format.
                    i = TmuxFlags(c, "t", out bool format, 'F');
                    if (i >= c.Length) return;
                    if (!format) ScriptText(c[i], dynamic, ctx, new Stdin(null, true), depth, "tmux if-shell");
                    for (int k = i + 1; k < c.Length; k++) TmuxText(c[k], dynamic, ctx, depth, nesting, argv);
                    return;
                case "set-hook":
                    i = TmuxFlags(c, "t", out bool unset, 'u');
                    if (!unset && i + 1 < c.Length) TmuxText(string.Join(' ', c[(i + 1)..]), dynamic, ctx, depth, nesting, argv);
                    return;
                case "bind-key" or "bind":
                    // bind-key [-nr] [-N NOTE] [-T TABLE] KEY COMMAND [ARGS]: the command as words.
                    i = TmuxFlags(c, "NT");
                    if (i + 1 < c.Length) TmuxSequence(c[(i + 1)..], dynamic, ctx, depth, nesting + 1, argv);
                    return;
                case "set-option" or "set" or "set-window-option" or "setw":
                    i = TmuxFlags(c, "t");
                    if (i + 1 < c.Length) TmuxOption(c[i], c[i + 1], dynamic, ctx, depth, nesting, argv);
                    return;
                case "set-buffer" or "setb":
                    // Its data is typed into a pane by paste-buffer (which is unknown: any buffer): judged for what it shows.
                    i = TmuxFlags(c, "bnt");
                    if (i < c.Length) BufferText(c[^1], dynamic, ctx, depth, "tmux set-buffer");
                    return;
                case "load-buffer" or "loadb":
                    i = TmuxFlags(c, "bt");
                    if (i < c.Length) TmuxFile(c[i], false, dynamic, ctx, depth, nesting, argv, sub);
                    return;
                case "source-file" or "source":
                    for (i = TmuxFlags(c, "t"); i < c.Length; i++) TmuxFile(c[i], true, dynamic, ctx, depth, nesting, argv, sub);
                    return;
                case "command-prompt" or "confirm-before" or "confirm" or "display-menu" or "menu":
                    TmuxUnread(argv, 0, $"tmux {sub} runs tmux commands completed later, which are not known here");
                    return;
            }
        }

        // Options whose value the server runs as a shell command (default-command: every new pane;
        // lock-command: lock-server; copy-command: copy mode's pipe; editor: the prompt's editor) or
        // as a program (default-shell: every new pane without a command).
        private static readonly string[] TmuxCommandOptions = ["default-command", "lock-command", "copy-command", "editor"];

        // Hooks are options too (tmux 3.x): set-option after-new-window 'run-shell …' is set-hook's.
        private static readonly string[] TmuxHookPrefixes = ["after-", "alert-", "client-", "pane-", "session-", "window-", "command-error"];

        /// <summary>set-option NAME VALUE: a value the server will run is judged as what it runs. tmux
        /// takes any unambiguous prefix of an option's name (`set -g default-c …`), so a name that
        /// begins any such option counts as it; a user option (@name) is data.</summary>
        private void TmuxOption(string name, string value, bool dynamic, IExecContext ctx, int depth, int nesting, string[] argv)
        {
            int bracket = name.IndexOf('[');
            if (bracket >= 0) name = name[..bracket]; // an array option's index: hooks are arrays
            if (name.Length == 0 || name[0] == '@') return;
            bool Begins(string option) => option.StartsWith(name, StringComparison.Ordinal);
            if (Begins("default-shell"))
                ScriptText("'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'", dynamic, ctx, Pane, depth, "tmux default-shell");
            foreach (var option in TmuxCommandOptions)
                if (Begins(option)) ScriptText(value, dynamic, ctx, new Stdin(null, true), depth, $"tmux {option}");
            foreach (var hook in TmuxHookPrefixes)
                if (name.StartsWith(hook, StringComparison.Ordinal) || hook.StartsWith(name, StringComparison.Ordinal))
                {
                    TmuxText(value, dynamic, ctx, depth, nesting, argv);
                    return;
                }
        }

        /// <summary>A file of tmux commands (source-file) or of text to paste (load-buffer), read now.</summary>
        private void TmuxFile(string path, bool commands, bool dynamic, IExecContext ctx, int depth, int nesting, string[] argv, string sub)
        {
            string? text = path == "-" ? null : ToolHelp.ReadText(ctx, path);
            if (text == null)
            {
                TmuxUnread(argv, 0, path == "-" ? $"tmux {sub} reads from stdin, whose content is not known here" : $"tmux {sub} reads {path}, which cannot be read");
                return;
            }
            if (!commands) { BufferText(text, dynamic, ctx, depth, $"tmux {sub}"); return; }
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length > 0 && line[0] != '#') TmuxText(line, dynamic, ctx, depth, nesting, argv);
            }
        }

        private void TmuxShellCommand(string[] c, int i, bool dynamic, IExecContext ctx, int depth, string sub)
        {
            if (i < c.Length && c[i] == "--") i++;
            // A pane's command reads its terminal (pipe-pane's and run-shell's read no terminal).
            var stdin = sub is "pipe-pane" or "pipep" or "run-shell" or "run" ? new Stdin(null, true) : Pane;
            if (i < c.Length) ScriptText(string.Join(' ', c[i..]), dynamic, ctx, stdin, depth, $"tmux {sub}");
        }

        /// <summary>A command that makes a pane (new-window, display-popup, …) and the shell command it
        /// runs there. Each -e NAME=VALUE whose variable is not an inert one changes what runs there
        /// (BASH_ENV, LD_PRELOAD, PATH, PROMPT_COMMAND…), which is not judged here.</summary>
        private void TmuxPaneCommand(string[] c, string valued, bool dynamic, IExecContext ctx, int depth, string sub, string[] argv)
        {
            var values = new List<(char Flag, string Value)>();
            int i = TmuxFlags(c, valued, out _, values);
            foreach (var (flag, value) in values)
            {
                if (flag != 'e') continue;
                int eq = value.IndexOf('=');
                var name = eq >= 0 ? value[..eq] : value;
                if (!InertVariable(name)) TmuxUnread(argv, 0, $"tmux {c[0]} -e {name} sets what the new pane runs with, which is not judged here");
            }
            TmuxShellCommand(c, i, dynamic, ctx, depth, sub);
        }

        private static int TmuxFlags(string[] c, string valued) => TmuxFlags(c, valued, out _);

        private static int TmuxFlags(string[] c, string valued, out bool seen, char flag)
        {
            int i = TmuxFlags(c, valued, out string given);
            seen = given.Contains(flag);
            return i;
        }

        /// <summary>The index of the first argument after <paramref name="c"/>'s flags (getopt:
        /// clustered, a valued letter takes the rest of its word or the next word); <paramref name="given"/>:
        /// every flag letter given (a value's letters are no flags: `-t work` gives t only);
        /// <paramref name="values"/>: each valued letter with its value, in order.</summary>
        private static int TmuxFlags(string[] c, string valued, out string given, List<(char Flag, string Value)>? values = null)
        {
            var letters = new System.Text.StringBuilder();
            int i = 1;
            for (; i < c.Length && c[i].Length > 1 && c[i][0] == '-' && c[i] != "--"; i++)
            {
                var a = c[i];
                for (int k = 1; k < a.Length; k++)
                {
                    letters.Append(a[k]);
                    if (valued.IndexOf(a[k]) < 0) continue;
                    string? value = k + 1 < a.Length ? a[(k + 1)..] : i + 1 < c.Length ? c[++i] : null;
                    if (value != null) values?.Add((a[k], value));
                    break;
                }
            }
            given = letters.ToString();
            return i;
        }

        /// <summary>send-keys [-FHlMRX] [-N COUNT] [-t PANE] KEY…: each word a key or text typed as
        /// is; Enter (C-m, C-j, KPEnter) ends a line, which the pane's shell runs. The text is judged
        /// as typed into a shell that keeps its state. A line this call did not type from its start
        /// (its first key an Enter: a line typed before) or edited with keys (history, yank,
        /// completion) runs what is not known here; so do hex keys (-H).</summary>
        private void TmuxSendKeys(string[] c, bool dynamic, IExecContext ctx, int depth, string[] argv)
        {
            int i = TmuxFlags(c, "Nct", out string given); // -N COUNT, -c CLIENT, -t TARGET
            bool literal = given.Contains('l'), hex = given.Contains('H'), copyMode = given.Contains('X');
            if (i < c.Length && c[i] == "--") i++;
            if (copyMode)
            {
                // send-keys -X copy-pipe[-and-cancel|-no-clear|-line…] CMD, pipe[-and-cancel|-no-clear] CMD: a shell command.
                if (i + 1 < c.Length && c[i].Contains("pipe", StringComparison.Ordinal)) ScriptText(c[i + 1], dynamic, ctx, new Stdin(null, true), depth, $"tmux {c[i]}");
                return;
            }
            if (hex) { TmuxUnread(argv, 0, "tmux send-keys -H types keys given in hex, which are not read here"); return; }
            var text = new System.Text.StringBuilder();
            bool lineTyped = false, lineEdited = false, first = true, unknownLine = false;
            for (; i < c.Length; i++)
            {
                var k = c[i];
                if (!literal && k is "Enter" or "ENTER" or "C-m" or "C-M" or "C-j" or "KPEnter" or "^M")
                {
                    unknownLine |= lineEdited || first && !lineTyped;
                    text.Append('\n');
                    lineTyped = lineEdited = first = false;
                }
                else if (!literal && k is "Space") { text.Append(' '); lineTyped = true; }
                else if (!literal && k is "C-c" or "C-u") { text.Clear(); lineTyped = lineEdited = first = false; } // the line is dropped
                else if (!literal && TmuxKeyName(k)) lineEdited = true;
                else { text.Append(k).Append(' '); lineTyped = true; }
            }
            if (unknownLine) TmuxUnread(argv, 0, "tmux send-keys runs a line typed before it or edited with keys, which is not known here");
            if (text.Length > 0) TypedText(text.ToString(), dynamic, ctx, depth, "tmux send-keys");
        }

        // A buffer's text: nothing runs until a paste (paste-buffer, unknown itself); the parsers
        // judge what it shows, a program they do not know is not an effect yet.
        private void BufferText(string text, bool dynamic, IExecContext ctx, int depth, string origin)
        {
            var saved = _outside;
            _outside = null;
            try { ScriptText(text, dynamic, ctx, new Stdin(null, true), depth, origin); }
            finally { _outside = saved; }
        }

        private static readonly HashSet<string> TmuxKeys = new(StringComparer.OrdinalIgnoreCase)
        {
            "Escape", "Tab", "BTab", "BSpace", "Up", "Down", "Left", "Right", "Home", "End", "PageUp", "PgUp", "PageDown", "PgDn",
            "NPage", "PPage", "IC", "Insert", "DC", "Delete", "Any",
        };

        /// <summary>A key send-keys presses rather than text it types: a named key, F1–F12, a keypad
        /// key, or any key with modifiers (C-c, M-x, S-Up). None of them types a command.</summary>
        private static bool TmuxKeyName(string w) =>
            TmuxKeys.Contains(w) || w.Length >= 2 && w[0] is 'F' && w.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0
            || w.StartsWith("KP", StringComparison.Ordinal) && w.Length > 2
            || w.Length >= 3 && w[0] is 'C' or 'M' or 'S' && w[1] == '-' || w.Length >= 2 && w[0] == '^';

        /// <summary>The shell commands of every #(…) in a tmux format; a #( without its end is all the rest.</summary>
        private static IEnumerable<string> FormatCommands(string s)
        {
            for (int at = s.IndexOf("#(", StringComparison.Ordinal); at >= 0; at = s.IndexOf("#(", at + 2, StringComparison.Ordinal))
            {
                int open = 1, k = at + 2;
                for (; k < s.Length && open > 0; k++) open += s[k] == '(' ? 1 : s[k] == ')' ? -1 : 0;
                yield return open == 0 ? s[(at + 2)..(k - 1)] : s[(at + 2)..];
            }
        }

        /// <summary>A tmux command line split as tmux's parser does for the common forms: words, '…' and
        /// "…" quoting, backslash escapes; null for what this does not follow (braces, %if, ~ and $ expansion).</summary>
        private static string[]? TmuxWords(string text)
        {
            var words = new List<string>();
            var cur = new System.Text.StringBuilder();
            bool inWord = false;
            char quote = '\0';
            for (int i = 0; i < text.Length; i++)
            {
                char ch = text[i];
                if (quote == '\'') { if (ch == '\'') quote = '\0'; else cur.Append(ch); continue; }
                if (ch == '\\' && i + 1 < text.Length && quote != '\'') { cur.Append(text[++i]); inWord = true; continue; }
                if (quote == '"') { if (ch == '"') quote = '\0'; else if (ch == '$') return null; else cur.Append(ch); continue; }
                if (ch is '\'' or '"') { quote = ch; inWord = true; continue; }
                if (ch is '{' or '}' or '$' or '~' or '%' && !inWord) return null;
                if (ch == '$') return null;
                if (ch is ' ' or '\t') { if (inWord) { words.Add(cur.ToString()); cur.Clear(); inWord = false; } continue; }
                if (ch == '#' && !inWord) break; // a comment to the end of the line
                cur.Append(ch);
                inWord = true;
            }
            if (quote != '\0') return null;
            if (inWord) words.Add(cur.ToString());
            return [.. words];
        }

        /// <summary>Commands the server will run whose text is not known here: written where the
        /// server keeps its state, for default.local:unread-tmux-commands to pause.</summary>
        private void TmuxUnread(string[] w, int s, string why) => Add(new CommandIntent
        {
            Tool = "tmux", Effect = Effect.Unknown, Summary = why, Argv = w[s..],
            Targets = [new Target { Kind = TargetKind.LocalPath, Path = "/tmp/tmux-server" }],
            Evidence = [new Evidence(string.Join(' ', w[s..]), why)],
        });
    }
}
