using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 7 (see CommandClassifier.Unwrap.cs): xargs [options] CMD — the rest of argv, with the
// arguments it reads (stdin, or -a FILE; NUL-separated with -0) appended, or put in for -I R, when known;
// otherwise a placeholder word that is unknown.
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private void Xargs(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            bool replace = false, nul = false;
            int perCommand = int.MaxValue;
            bool byLines = false;
            string replStr = "{}";
            string? argFile = null;
            for (; i < w.Length; i++)
            {
                var a = w[i];
                if (a == "--") { i++; break; }
                if (!a.StartsWith('-') || a.Length == 1) break;
                if (a is "-I" or "-i" || a.StartsWith("-I", StringComparison.Ordinal) || a.StartsWith("--replace", StringComparison.Ordinal))
                {
                    replace = true;
                    replStr = a == "-I" ? (i + 1 < w.Length ? w[i + 1] : replStr) : a.StartsWith("-I", StringComparison.Ordinal) ? a[2..]
                        : a.StartsWith("--replace=", StringComparison.Ordinal) ? a[10..] : a.StartsWith("-i", StringComparison.Ordinal) && a.Length > 2 ? a[2..] : "{}";
                }
                if (a is "-0" or "--null") nul = true;
                // -n N / -L N: a command per N arguments (or lines), not one for all of them.
                if (MaxArgs(a, i + 1 < w.Length ? w[i + 1] : null) is int n) { perCommand = n; byLines = a[1] == 'L' || a.StartsWith("--max-lines", StringComparison.Ordinal); }
                if (a is "-a" or "--arg-file" && i + 1 < w.Length) argFile = w[i + 1];
                else if (a.StartsWith("--arg-file=", StringComparison.Ordinal)) argFile = a[11..];
                if (a is "-a" or "-d" or "-E" or "-I" or "-L" or "-n" or "-P" or "-s" or "--arg-file" or "--delimiter" or "--max-args" or "--max-procs" or "--max-lines" or "--max-chars" or "--eof" or "--process-slot-var") i++;
            }
            var inner = i < w.Length ? w[i..] : ["echo"];
            // -a FILE: the arguments are FILE's (stdin stays the command's); -0: NUL-separated.
            if (argFile != null) { var args = ToolHelp.ReadText(ctx, argFile); stdin = new Stdin(args, args == null); }
            char[] seps = nul ? ['\0'] : ['\n'];
            var innerDyn = dyn != null && i < w.Length ? dyn[i..] : null;
            if (replace && stdin.Text != null && replStr.Length > 0)
            {
                // -I R: one command per known input line, with R replaced by the line (the first
                // MaxXargsRuns lines; past them the rest runs with R unknown, never dropped unread).
                var lines = stdin.Text.Split(seps, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (var line in lines.Take(MaxXargsRuns))
                    Command([.. inner.Select(x => x.Replace(replStr, line, StringComparison.Ordinal))], innerDyn, 0, ctx, new Stdin(null, true), depth + 1);
                if (lines.Length > MaxXargsRuns) Command(inner, innerDyn, 0, ctx, new Stdin(null, true), depth + 1);
                return;
            }
            if (!replace)
            {
                // Known input (echo a b | xargs cmd) becomes the arguments; otherwise a placeholder.
                string[] input = stdin.Text != null ? stdin.Text.Split(nul ? seps : null, StringSplitOptions.RemoveEmptyEntries) : [XargsInput];
                // -n N: N arguments a command; -L N: N input lines a command, each split into its words
                // (split by words, echo 'rm -rf /home' | xargs -L1 sudo ran sudo rm, sudo -rf, …).
                var chunks = stdin.Text == null || perCommand == int.MaxValue ? null
                    : byLines ? [.. stdin.Text.Split(seps, StringSplitOptions.RemoveEmptyEntries).Where(l => nul || l.Trim().Length > 0)
                        .Chunk(perCommand).Select(c => nul ? c : c.SelectMany(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToArray())]
                    : input.Chunk(perCommand).ToArray();
                if (chunks is { Length: > 1 })
                {
                    foreach (var chunk in chunks.Take(MaxXargsRuns))
                        Command([.. inner, .. chunk], innerDyn == null ? null : [.. innerDyn, .. chunk.Select(_ => false)], 0, ctx, new Stdin(null, true), depth + 1);
                    // Past the bound the rest is not read: its command runs with arguments not known here.
                    if (chunks.Length > MaxXargsRuns)
                        Command([.. inner, XargsInput], [.. innerDyn ?? inner.Select(_ => false), true], 0, ctx, new Stdin(null, true), depth + 1);
                    return;
                }
                if (chunks is { Length: 1 }) input = chunks[0];
                inner = [.. inner, .. input];
                if (innerDyn != null) innerDyn = [.. innerDyn, .. input.Select(_ => stdin.Text == null)];
            }
            // The command's stdin is xargs's stdin minus what xargs consumed: treat it as unknown.
            Command(inner, innerDyn, 0, ctx, new Stdin(null, true), depth + 1);
        }

        /// <summary>Commands one xargs is read as, each with its part of a known input.</summary>
        private const int MaxXargsRuns = 16;

        // xargs -n N, -nN, --max-args=N, -L N, -LN, --max-lines=N: the arguments (or lines) per command.
        private static int? MaxArgs(string a, string? next)
        {
            string? v = a is "-n" or "-L" ? next
                : a.Length > 2 && a[0] == '-' && a[1] is 'n' or 'L' && char.IsAsciiDigit(a[2]) ? a[2..]
                : a.StartsWith("--max-args=", StringComparison.Ordinal) ? a[11..] : a.StartsWith("--max-lines=", StringComparison.Ordinal) ? a[12..] : null;
            return int.TryParse(v, out int n) && n > 0 ? n : null;
        }
    }
}
