using System.Text;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

public sealed partial class CommandClassifier
{
    /// <summary>What feeds a command's stdin in a shell string: a here-doc or here-string, a
    /// redirected file, or the known output of the command piped into it (echo, printf, cat of a
    /// here-doc or file, a command substitution of one), a few hops at most.</summary>
    private sealed partial class Run
    {
        private static Stdin ResolveStdin(ShellCommand cmd, IExecContext ctx, Stdin outer)
        {
            switch (cmd.Stdin)
            {
                case StdinKind.Text: return new Stdin(cmd.StdinText, false);
                case StdinKind.File:
                    var t = cmd.StdinFile == null ? null : ToolHelp.ReadText(ctx, cmd.StdinFile);
                    return new Stdin(t, t == null);
                case StdinKind.Pipe:
                    // PERF: find's output is walked for only a consumer that may run what it finds (xargs sh).
                    if (cmd.PipeSource is { Words: [var src, ..] } && Basename(src) == "find" && !FindSelection.RunsFound(cmd.Words)) return new Stdin(null, true);
                    var text = cmd.PipeSource == null ? null : OutputOf(cmd.PipeSource, ctx);
                    return new Stdin(text, text == null);
                default:
                    return outer;
            }
        }

        /// <summary>The output of simple producers (echo, printf, cat of a here-doc or file, the kinds of
        /// statement a pg_dump or mysqldump prints: Tools/DumpOutput.cs) when
        /// every word is literal, and of filters that pass a known input on (cat and tee without
        /// files, <c>base64 -d</c>: <c>echo B64 | base64 -d | sh</c>; rev, tr, xxd -r -p, sed s///:
        /// CommandClassifier.Filters.cs); null otherwise.</summary>
        private static string? OutputOf(ShellCommand src, IExecContext ctx, int hops = 0)
        {
            if (src.Words.Count == 0 || src.Dynamic.Contains(true)) return null;
            var w = src.Words;
            switch (Basename(w[0]))
            {
                case "echo":
                {
                    int i = 1;
                    while (i < w.Count && w[i] is "-n" or "-e" or "-E" or "-ne" or "-en") i++;
                    return string.Join(' ', w.Skip(i)) + "\n";
                }
                case "printf":
                    return w.Count > 1 ? Printf(w) : "";
                case "cat":
                    if (w.Count == 1) return InputOf(src, ctx, hops);
                    var sb = new StringBuilder();
                    foreach (var f in w.Skip(1))
                    {
                        if (f.StartsWith('-')) return null;
                        var t = ToolHelp.ReadText(ctx, f);
                        if (t == null) return null;
                        sb.Append(t);
                    }
                    return sb.ToString();
                case "tee":
                    return InputOf(src, ctx, hops); // tee FILE… passes its input on
                case "base64":
                {
                    bool decode = false;
                    string? file = null;
                    foreach (var a in w.Skip(1))
                    {
                        if (a is "-d" or "--decode" or "-D" or "-di" or "-id") decode = true;
                        else if (a is "-i" or "--ignore-garbage" or "-w0") { }
                        else if (a.StartsWith('-')) return null;
                        else file = a;
                    }
                    if (!decode) return null;
                    var text = file != null ? ToolHelp.ReadText(ctx, file) : InputOf(src, ctx, hops);
                    return text == null ? null : Unbase64(text);
                }
                case "openssl":
                    // openssl base64 -d, openssl enc -d -base64 [-A]: base64 -d.
                    if (w.Skip(1).All(a => a is "base64" or "enc" or "-d" or "-base64" or "-a" or "-A") && w.Contains("-d") && (w[1] == "base64" || w.Contains("-base64") || w.Contains("-a")))
                        return InputOf(src, ctx, hops) is string b ? Unbase64(b) : null;
                    return null;
                case "find":
                    // The paths it prints, where they can be computed (find … -name '*.sh' | xargs -I{} sh {}).
                    return FindSelection.Files(w, 0, ctx, out bool prints, out bool nul) is { } found && prints
                        ? string.Concat(found.Select(f => f + (nul ? '\0' : '\n'))) : null;
                case "rev" or "tr" or "xxd" or "sed":
                    return InputOf(src, ctx, hops) is string input ? FilterOutput(w, input) : null;
                default:
                    // A dump piped into a client (pg_dump --clean | psql): the statements it holds.
                    return DumpOutput.Sql(Basename(w[0]), w);
            }
        }

        private static string? Unbase64(string text)
        {
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(text.Where(c => !char.IsWhiteSpace(c))))); }
            catch (FormatException) { return null; }
        }

        /// <summary>printf FORMAT [ARG…] as bash prints it for <c>%s</c>, <c>%b</c>, <c>%d</c>, <c>%%</c> and the
        /// common escapes, the format reused while arguments remain; null for any other directive (a
        /// width, a precision, <c>%x</c>): its output is not known.</summary>
        private static string? Printf(List<string> w)
        {
            var sb = new StringBuilder();
            string format = w[1];
            int next = 2;
            do
            {
                for (int i = 0; i < format.Length; i++)
                {
                    char c = format[i];
                    if (c == '\\' && i + 1 < format.Length)
                    {
                        char e = format[++i];
                        // \xHH and \NNN (octal): printf '\x6b\x75…' spells a name byte by byte.
                        if (e == 'x' || e is >= '0' and <= '7')
                        {
                            int start = e == 'x' ? i + 1 : i, max = e == 'x' ? 2 : 3, n = 0;
                            while (n < max && start + n < format.Length && (e == 'x' ? char.IsAsciiHexDigit(format[start + n]) : format[start + n] is >= '0' and <= '7')) n++;
                            if (n == 0) return null;
                            sb.Append((char)Convert.ToInt32(format.Substring(start, n), e == 'x' ? 16 : 8));
                            i = start + n - 1;
                            continue;
                        }
                        sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', '"' => '"', '\'' => '\'', _ => '\0' });
                        if (e is not ('n' or 't' or 'r' or '\\' or '"' or '\'')) return null;
                        continue;
                    }
                    if (c != '%') { sb.Append(c); continue; }
                    if (i + 1 >= format.Length) return null;
                    char d = format[++i];
                    if (d == '%') { sb.Append('%'); continue; }
                    if (d is not ('s' or 'b' or 'd')) return null;
                    string arg = next < w.Count ? w[next++] : "";
                    sb.Append(d == 'b' ? arg.Replace("\\n", "\n") : arg);
                }
            }
            while (next < w.Count && next > 2);
            return sb.ToString();
        }

        // What a filter of a pipeline reads: its here-doc or here-string, its < FILE, or the known
        // output of the command before it (a few hops at most).
        private static string? InputOf(ShellCommand src, IExecContext ctx, int hops) => src.Stdin switch
        {
            StdinKind.Text => src.StdinText,
            StdinKind.File => src.StdinFile == null ? null : ToolHelp.ReadText(ctx, src.StdinFile),
            StdinKind.Pipe => src.PipeSource == null || hops >= 4 ? null : OutputOf(src.PipeSource, ctx, hops + 1),
            _ => null,
        };

        /// <summary>The output of the command substitution that is the whole of
        /// <paramref name="word"/> (<c>$(echo B64 | base64 -d)</c>, <c>`cat x.sh`</c>) when its last
        /// command is a producer <see cref="OutputOf"/> knows; null otherwise.</summary>
        private static string? SubstitutedOutput(string word, IExecContext ctx)
        {
            string inner;
            if (word.Length > 3 && word.StartsWith("$(", StringComparison.Ordinal) && word.EndsWith(')') && !word.StartsWith("$((", StringComparison.Ordinal)) inner = word[2..^1];
            else if (word.Length > 2 && word[0] == '`' && word[^1] == '`' && word.IndexOf('`', 1) == word.Length - 1) inner = word[1..^1];
            else return null;
            var script = ShellParser.Parse(Encoding.UTF8.GetBytes(inner), ctx.GetEnvironmentVariable, ctx.WorkingDirectory);
            if (script.Problems.Count > 0 || script.Commands.Count == 0) return null;
            var last = script.Commands[^1];
            // One pipeline: every command before the last feeds it.
            for (int i = 0; i < script.Commands.Count - 1; i++) if (!Feeds(script.Commands[i], script.Commands, i + 1)) return null;
            var output = OutputOf(last, ctx);
            // The shell drops the trailing newlines of a substitution.
            return output?.TrimEnd('\n');
        }

        private static bool Feeds(ShellCommand c, IReadOnlyList<ShellCommand> all, int from)
        {
            for (int i = from; i < all.Count; i++) if (ReferenceEquals(all[i].PipeSource, c)) return true;
            return false;
        }
    }
}
