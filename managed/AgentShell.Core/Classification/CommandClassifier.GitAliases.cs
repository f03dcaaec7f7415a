using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Unwrapping, level 6 (see CommandClassifier.Unwrap.cs): git aliases. `git NAME` where NAME is no
// git command runs alias.NAME from `-c alias.NAME=…`, the repository's .git/config or the user's
// ~/.gitconfig (XDG: ~/.config/git/config; GIT_CONFIG_GLOBAL), or a `git config alias.NAME VALUE` earlier in
// the same string: "!CMD" is a shell command (git runs
// `sh -c 'CMD "$@"'` with the remaining words), anything else is git's own words (`pf = push
// --force`), which git runs in-process: no exec would show them. A configuration with an include
// that may define the alias is not followed: the alias is unknown. A -c setting git runs as a command
// (core.sshCommand, core.pager, …) is read as a shell string too.
public sealed partial class CommandClassifier
{
    // git's own commands (git help -a): an alias cannot shadow one, so these never read a config file.
    private static readonly HashSet<string> GitBuiltins = new(StringComparer.Ordinal)
    {
        "add", "am", "annotate", "apply", "archive", "bisect", "blame", "branch", "bundle", "cat-file", "check-attr", "check-ignore",
        "check-mailmap", "check-ref-format", "checkout", "checkout-index", "cherry", "cherry-pick", "clean", "clone", "column", "commit",
        "commit-graph", "commit-tree", "config", "count-objects", "credential", "describe", "diff", "diff-files", "diff-index", "diff-tree",
        "difftool", "fetch", "fetch-pack", "filter-branch", "for-each-ref", "format-patch", "fsck", "gc", "grep", "hash-object", "help",
        "index-pack", "init", "instaweb", "interpret-trailers", "log", "ls-files", "ls-remote", "ls-tree", "maintenance", "merge", "merge-base",
        "merge-file", "merge-tree", "mergetool", "mktag", "mktree", "mv", "name-rev", "notes", "pack-objects", "prune", "pull", "push",
        "range-diff", "read-tree", "rebase", "reflog", "remote", "repack", "replace", "rerere", "reset", "restore", "rev-list", "rev-parse",
        "revert", "rm", "send-email", "shortlog", "show", "show-branch", "show-ref", "sparse-checkout", "stash", "status", "submodule",
        "switch", "symbolic-ref", "tag", "update-index", "update-ref", "var", "verify-commit", "verify-tag", "version", "whatchanged",
        "worktree", "write-tree", "lfs", "filter-repo", "gui", "gitk", "citool", "request-pull", "scalar", "unpack-objects", "upload-pack",
        "receive-pack", "init-db", "stage", "fsmonitor--daemon", "bugreport", "diagnose", "hook", "replay",
    };

    // A word that may name an alias: git's aliases are names of letters, digits and '-'.
    private static bool MayBeGitAlias(ReadOnlySpan<byte> w)
    {
        if (w.Length is 0 or > 40 || w[0] == '-') return false;
        ulong packed = 0;
        for (int i = 0; i < w.Length; i++)
        {
            byte b = w[i];
            if (!(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_')) return false;
            if (i < 8) packed |= (ulong)b << (8 * i);
        }
        // PERF: a name of up to 8 bytes (status, commit, log, push, checkout, …) is looked up as one
        // number (no byte is 0, so the packing is one-to-one); a longer one is widened on the stack.
        if (w.Length <= 8) return !ShortGitBuiltins.Contains(packed);
        Span<char> name = stackalloc char[w.Length];
        for (int i = 0; i < w.Length; i++) name[i] = (char)w[i];
        return !GitBuiltinLookup.Contains(name);
    }

    private static readonly HashSet<ulong> ShortGitBuiltins = [.. GitBuiltins.Where(b => b.Length <= 8).Select(Pack)];

    private static ulong Pack(string ascii)
    {
        ulong packed = 0;
        for (int i = 0; i < ascii.Length; i++) packed |= (ulong)ascii[i] << (8 * i);
        return packed;
    }

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> GitBuiltinLookup = GitBuiltins.GetAlternateLookup<ReadOnlySpan<char>>();

    private sealed partial class Run
    {
        private Dictionary<string, string>? _gitAliases; // set by `git config alias.NAME VALUE` earlier in the string

        private bool _gitConfigWritten; // a git command earlier in the string changed a config (redteam31)

        /// <summary>`git remote add|set-url|rename|remove|rm|set-branches` or a `git config` that is not a
        /// plain read, earlier in the string: a later git command's remotes are read from a config that
        /// will have changed by then, so its push target is unknown (<see cref="GitConfigSources.ChangedEarlier"/>).</summary>
        private void NoteGitConfigWrite(string[] w, int s)
        {
            int i = s + 1;
            for (; i < w.Length && w[i].StartsWith('-'); i++) if (w[i] is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" or "--config-env") i++;
            if (i >= w.Length) return;
            var args = w.AsSpan(i + 1);
            if (w[i] == "remote") _gitConfigWritten |= args.Length > 0 && args[0] is "add" or "set-url" or "rename" or "remove" or "rm" or "set-branches";
            if (w[i] != "config") return;
            int names = 0;
            foreach (var a in args)
            {
                if (a is "--get" or "--get-all" or "--get-regexp" or "--get-urlmatch" or "--list" or "-l" or "get" or "list" or "--show-origin" or "--show-scope") return;
                if (!a.StartsWith('-')) names++;
            }
            _gitConfigWritten |= names != 1; // one word alone is `git config NAME`, a read
        }

        /// <summary>The context a git command is parsed in: marked when an earlier command changed a config.</summary>
        private IExecContext GitContext(IExecContext ctx) =>
            _gitConfigWritten ? ChildContext.Create(ctx, [new(GitConfigSources.ChangedEarlier, "1")]) : ctx;

        /// <summary>`git [options] config [scope] alias.NAME VALUE`: recorded, so that a `git NAME` after it
        /// in the same string runs VALUE (git writes the file before the next command starts).</summary>
        private bool GitConfigSetsAlias(string[] w, int s)
        {
            int i = s + 1;
            for (; i < w.Length && w[i].StartsWith('-'); i++) if (w[i] is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace") i++;
            if (i >= w.Length || w[i] != "config") return false;
            if (++i < w.Length && w[i] == "set") i++;
            for (; i < w.Length && w[i].StartsWith('-'); i++) if (w[i] is "-f" or "--file" or "--blob" or "--type") i++;
            if (i + 1 >= w.Length || !w[i].StartsWith("alias.", StringComparison.OrdinalIgnoreCase) || w[i].Length == 6) return false;
            (_gitAliases ??= new(StringComparer.OrdinalIgnoreCase))[w[i][6..]] = w[i + 1];
            return true;
        }

        // -c KEY=VALUE settings whose value git hands to sh as a command (git's own list: core.sshCommand,
        // core.pager, pager.VERB, core.editor, sequence.editor, diff.external, gpg.program, core.fsmonitor,
        // core.askPass, credential.helper "!CMD", uploadpack.packObjectsHook).
        private static readonly string[] GitCommandKeys = ["core.sshcommand=", "core.pager=", "core.editor=", "sequence.editor=", "diff.external=",
            "gpg.program=", "core.fsmonitor=", "core.askpass=", "uploadpack.packobjectshook=", "credential.helper=!"];

        /// <summary>Reads each command a <c>git -c KEY=CMD</c> setting makes git run (the git command itself is
        /// classified as usual after this).</summary>
        private void GitCommandSettings(string[] w, bool[]? dyn, int s, IExecContext ctx, int depth)
        {
            for (int i = s + 1; i + 1 < w.Length && w[i].StartsWith('-'); i++)
            {
                if (w[i] != "-c") continue;
                var kv = w[++i];
                foreach (var key in GitCommandKeys)
                {
                    bool match = kv.StartsWith(key, StringComparison.OrdinalIgnoreCase)
                        || key == "core.pager=" && kv.StartsWith("pager.", StringComparison.OrdinalIgnoreCase) && kv.IndexOf('=') > 6;
                    if (!match) continue;
                    var cmd = kv[(kv.IndexOf('=') + (key.EndsWith('!') ? 2 : 1))..];
                    if (cmd.Length > 0 && cmd != "true" && cmd != "cat" && cmd != "less") ScriptText(cmd, Any(dyn, i), ctx, new Stdin(null, true), depth, $"git -c {kv[..kv.IndexOf('=')]}");
                    break;
                }
            }
        }

        /// <summary>True when <paramref name="w"/> is `git [global options] ALIAS …` and the alias was
        /// classified; false for git's own commands (its parser decides them) and names no alias defines.</summary>
        private bool GitAlias(string[] w, bool[]? dyn, int s, IExecContext ctx, Stdin stdin, int depth)
        {
            int i = s + 1;
            string? dir = null;
            for (; i < w.Length && w[i].StartsWith('-'); i++)
            {
                var a = w[i];
                if (a is "-C" && i + 1 < w.Length) { dir = w[++i]; continue; }
                if (a is "-c" && i + 1 < w.Length) { i++; continue; } // read below, once the verb is known
                if (a is "--git-dir" or "--work-tree" or "--namespace" or "--exec-path" or "--config-env") i++;
            }
            if (i >= w.Length || GitBuiltins.Contains(w[i]) || !MayBeGitAlias(Encoding.UTF8.GetBytes(w[i]))) return false;
            var verb = w[i];
            var here = dir == null ? ctx : ChildContext.Create(ctx, null, cwd: dir.StartsWith('/') || ctx.WorkingDirectory is not string wd ? dir : Path.Combine(wd, dir));
            string? value = null;
            bool includes = false;
            // Precedence as git's: the global file, then the repository's, then -c (the last one read wins).
            foreach (var file in GitConfigFiles(here))
            {
                var cf = here.ReadConfigFile(file);
                if (!cf.Exists) continue;
                if (cf.Unaccountable) { includes = true; continue; }
                if (GitConfigAlias(cf.Text, verb, ref includes) is string v) value = v;
            }
            if (_gitAliases != null && _gitAliases.TryGetValue(verb, out var set)) value = set;
            for (int k = s + 1; k < i; k++)
                if (w[k] == "-c" && k + 1 < i && w[k + 1].StartsWith("alias." + verb + "=", StringComparison.OrdinalIgnoreCase)) value = w[k + 1][(7 + verb.Length)..];
            if (value == null)
            {
                if (!includes) return false; // git fails: not a git command
                Unknown($"git alias {verb} may come from an included or unreadable configuration file", string.Join(' ', w[s..]), w[s..]);
                return true;
            }
            var rest = w[(i + 1)..];
            if (value.StartsWith('!'))
            {
                var script = new StringBuilder(value[1..]);
                foreach (var r in rest) script.Append(" '").Append(r.Replace("'", "'\\''")).Append('\'');
                ScriptText(script.ToString(), Any(dyn, i + 1), here, stdin, depth, $"git alias {verb}");
                return true;
            }
            // git's own words: the alias's words in the command's place.
            var parsed = Lexing.ShellParser.Parse(Encoding.UTF8.GetBytes(value), here.GetEnvironmentVariable);
            if (parsed.Commands.Count != 1) { Unknown($"git alias {verb} = {value} is not read", string.Join(' ', w[s..]), w[s..]); return true; }
            var words = new List<string>(w[s..i]);
            words.AddRange(parsed.Commands[0].Words);
            words.AddRange(rest);
            Command(words.ToArray(), null, 0, here, stdin, depth + 1);
            return true;
        }

        private static IEnumerable<string> GitConfigFiles(IExecContext ctx)
        {
            var home = ctx.GetEnvironmentVariable("HOME");
            var global = ctx.GetEnvironmentVariable("GIT_CONFIG_GLOBAL");
            if (global != null) yield return global;
            else if (home != null)
            {
                var xdg = ctx.GetEnvironmentVariable("XDG_CONFIG_HOME");
                yield return Path.Combine(xdg ?? Path.Combine(home, ".config"), "git", "config");
                yield return Path.Combine(home, ".gitconfig");
            }
            // The repository's: .git/config here or in a parent directory (the first found).
            for (int up = 0; up < 6; up++)
            {
                var p = string.Concat(Enumerable.Repeat("../", up)) + ".git/config";
                if (ctx.ReadConfigFile(p).Exists) { yield return p; break; }
            }
        }

        // [alias] NAME = VALUE (names case-insensitive; a value's quotes and escapes as git reads them).
        private static string? GitConfigAlias(string text, string verb, ref bool includes)
        {
            string? found = null;
            bool inAlias = false;
            foreach (var raw in text.Split('\n'))
            {
                var t = raw.Trim();
                if (t.StartsWith('['))
                {
                    var section = t.TrimStart('[').Split(']', ' ', '"')[0].ToLowerInvariant();
                    inAlias = section == "alias";
                    if (section is "include" or "includeif") includes = true;
                    continue;
                }
                if (!inAlias) continue;
                int eq = t.IndexOf('=');
                if (eq <= 0 || !t[..eq].Trim().Equals(verb, StringComparison.OrdinalIgnoreCase)) continue;
                found = GitConfigValue(t[(eq + 1)..]);
            }
            return found;
        }

        private static string GitConfigValue(string v)
        {
            var sb = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < v.Length; i++)
            {
                char c = v[i];
                if (c == '"') { quoted = !quoted; continue; }
                if (c == '\\' && i + 1 < v.Length)
                {
                    char n = v[++i];
                    sb.Append(n switch { 'n' => '\n', 't' => '\t', 'b' => '\b', _ => n });
                    continue;
                }
                if (!quoted && c is ';' or '#') break;
                sb.Append(c);
            }
            return sb.ToString().Trim();
        }
    }
}
