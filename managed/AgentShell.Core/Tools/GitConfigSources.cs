using AgentShell.Core.Model;
using static AgentShell.Core.Tools.GitConfig;

namespace AgentShell.Core.Tools;

/// <summary>Every config source git reads for a command, in git's order (later wins): the system
/// file (<c>GIT_CONFIG_SYSTEM</c>, else <c>/etc/gitconfig</c>; none with <c>GIT_CONFIG_NOSYSTEM</c>), the
/// global one (<c>GIT_CONFIG_GLOBAL</c>, else <c>$XDG_CONFIG_HOME/git/config</c> and <c>~/.gitconfig</c>),
/// the repository's (and <c>config.worktree</c> under <c>extensions.worktreeConfig</c>),
/// <c>GIT_CONFIG_PARAMETERS</c>, <c>GIT_CONFIG_COUNT</c> pairs, then <c>-c</c>. <c>[include] path</c> and
/// <c>[includeIf "gitdir:…"/"gitdir/i:…"/"onbranch:…"/"hasconfig:remote.*.url:…"]</c> are followed where
/// they stand (matched by <see cref="GitWildmatch"/>); a condition
/// not evaluated here, an unreadable file or a malformed one adds an <see cref="Unknown"/> entry.</summary>
internal static class GitConfigSources
{
    private const int MaxDepth = 10; // git's own include depth limit

    /// <summary>Set (as a shell assignment of the classifier's, never read from a process's environment)
    /// when a command earlier in the same string changed a config: what the files say now is not what
    /// this command will read.</summary>
    internal const string ChangedEarlier = Lexing.ShellStateChanges.GitConfigChanged;

    internal static List<Entry> Read(IExecContext ctx, GitDirectory? git, List<Entry> options) => new Sequence(ctx, git, options, false).Run();

    /// <summary>True when any source could not be accounted for.</summary>
    internal static bool HasUnknown(List<Entry> all) => all.Exists(e => e.Section == Unknown);

    /// <summary>One read of the whole sequence. git reads it twice when it meets a
    /// <c>hasconfig:remote.*.url:</c> condition: first to collect every <c>remote.*.url</c> (with every
    /// such condition taken as true, and refusing to run, "remote URLs cannot be configured in file
    /// directly or indirectly included by includeIf", if a file an includeIf takes in sets one), then
    /// for real, each condition true when one of those URLs matches its pattern.</summary>
    private sealed class Sequence(IExecContext ctx, GitDirectory? git, List<Entry> options, bool collecting)
    {
        private List<string>? _urls;
        private string? _urlsUnknown;

        internal List<Entry> Run()
        {
            var all = new List<Entry>();

            if (Lexing.ShellStateChanges.Get(ctx, ChangedEarlier) != null) all.Add(Unaccounted("a command earlier in the same command line changes the git config"));
            var home = ctx.GetEnvironmentVariable("HOME");
            if (!IsTrue(ctx.GetEnvironmentVariable("GIT_CONFIG_NOSYSTEM")))
                File(ctx.GetEnvironmentVariable("GIT_CONFIG_SYSTEM") ?? "/etc/gitconfig", all, 0, false);
            if (ctx.GetEnvironmentVariable("GIT_CONFIG_GLOBAL") is string global) File(global, all, 0, false);
            else
            {
                var xdg = ctx.GetEnvironmentVariable("XDG_CONFIG_HOME") ?? (home == null ? null : Path.Combine(home, ".config"));
                if (xdg != null) File(Path.Combine(xdg, "git", "config"), all, 0, false);
                if (home != null) File(Path.Combine(home, ".gitconfig"), all, 0, false);
            }
            if (git != null)
            {
                File(Path.Combine(git.CommonDir, "config"), all, 0, false);
                if (IsTrue(Last(all, "extensions", "worktreeconfig"))) File(Path.Combine(git.GitDir, "config.worktree"), all, 0, false);
            }
            if (ctx.GetEnvironmentVariable("GIT_CONFIG_PARAMETERS") is { Length: > 0 } parameters) Parameters(parameters, all);
            if (ctx.GetEnvironmentVariable("GIT_CONFIG_COUNT") is string countText)
            {
                if (!int.TryParse(countText, out int count) || count > 64) all.Add(Unaccounted($"GIT_CONFIG_COUNT={countText}"));
                else
                    for (int i = 0; i < count; i++)
                        if (ctx.GetEnvironmentVariable($"GIT_CONFIG_KEY_{i}") is string k && FromOption($"{k}={ctx.GetEnvironmentVariable($"GIT_CONFIG_VALUE_{i}")}") is { } e) all.Add(e);
            }
            all.AddRange(options);
            return all;
        }

        private void File(string path, List<Entry> into, int depth, bool forbidUrls)
        {
            if (depth > MaxDepth) { into.Add(Unaccounted($"includes nested deeper than {MaxDepth} at {path}")); return; }
            var file = ctx.ReadConfigFile(path);
            if (!file.Exists) return; // git skips a missing config or include file
            if (file.Unaccountable) { into.Add(Unaccounted(file.Problem)); return; }
            // PERF: a cached file is parsed once; its list is shared, so it is only read here.
            var entries = file.Parsed(f => GitConfig.Parse(f.Text));
            var dir = Path.GetDirectoryName(path) ?? "/";
            foreach (var e in entries)
            {
                if (forbidUrls && IsRemoteUrl(e)) { into.Add(Unaccounted($"{path} sets a remote URL inside an includeIf while hasconfig:remote.*.url is used (git refuses to run)")); continue; }
                into.Add(e);
                if (!e.Key.Equals("path", StringComparison.Ordinal)) continue;
                bool include = e.Section == "include", conditional = false;
                if (!include && e.Section.StartsWith("includeif \"", StringComparison.Ordinal) && e.Section.Length > 12)
                {
                    if (Condition(e.Section[11..^1], dir, out var why) is not bool holds) { into.Add(Unaccounted(why ?? $"includeIf {e.Section[10..]} is not evaluated here")); continue; }
                    include = conditional = holds;
                }
                // While collecting, a file any true includeIf takes in may not set a remote URL (config.c's forbid_remote_url).
                if (include && Resolve(e.Value, dir) is string target) File(target, into, depth + 1, forbidUrls || (collecting && conditional));
            }
        }

        private string? Resolve(string p, string dir)
        {
            if (p.StartsWith("~/", StringComparison.Ordinal)) return ctx.GetEnvironmentVariable("HOME") is string h ? Path.Combine(h, p[2..]) : null;
            return Path.IsPathRooted(p) ? p : Path.Combine(dir, p);
        }

        // gitdir:, gitdir/i:, onbranch: and hasconfig:remote.*.url: as git-config(1) says; null (with why, when
        // known) for another condition or a pattern not evaluated here.
        private bool? Condition(string cond, string dir, out string? why)
        {
            why = null;
            bool fold = cond.StartsWith("gitdir/i:", StringComparison.Ordinal);
            if (fold || cond.StartsWith("gitdir:", StringComparison.Ordinal))
            {
                var pattern = cond[(fold ? 9 : 7)..];
                if (pattern.StartsWith("~/", StringComparison.Ordinal)) pattern = ctx.GetEnvironmentVariable("HOME") is string h ? Path.Combine(h, pattern[2..]) : null;
                else if (pattern.StartsWith("./", StringComparison.Ordinal)) pattern = Path.Combine(dir, pattern[2..]);
                else if (!pattern.StartsWith('/')) pattern = "**/" + pattern;
                if (pattern == null) return null;
                if (pattern.EndsWith('/')) pattern += "**";
                if (git == null) return false;
                bool? given = GitWildmatch.Match(pattern, git.GitDir.TrimEnd('/'), fold);
                bool? full = given == true ? true : GitWildmatch.Match(pattern, Path.GetFullPath(git.GitDir).TrimEnd('/'), fold);
                return given == true || full == true ? true : given == null || full == null ? null : false;
            }
            if (cond.StartsWith("onbranch:", StringComparison.Ordinal))
            {
                var pattern = cond[9..];
                if (pattern.EndsWith('/')) pattern += "**";
                return git?.CurrentBranch() is string branch ? GitWildmatch.Match(pattern, branch, false) : false;
            }
            const string hasUrl = "hasconfig:remote.*.url:";
            if (!cond.StartsWith(hasUrl, StringComparison.Ordinal)) return null;
            if (collecting) return true; // config.c: unconditional while the URLs are collected
            if (RemoteUrls() is not { } urls) { why = _urlsUnknown; return null; }
            bool matched = false;
            foreach (var url in urls)
            {
                if (GitWildmatch.Match(cond[hasUrl.Length..], url, false) is not bool m) { why = $"includeIf {cond}: pattern not evaluated here"; return null; }
                matched |= m;
            }
            return matched;
        }

        // Every remote.*.url of the whole sequence (not pushurl, not rewritten: config.c's add_remote_url); null
        // when that read could not be accounted for (git may refuse to run).
        private List<string>? RemoteUrls()
        {
            if (_urls != null || _urlsUnknown != null) return _urls;
            var all = new Sequence(ctx, git, options, true).Run();
            if (all.Find(e => e.Section == Unknown) is { Section: not null } bad) { _urlsUnknown = $"hasconfig:remote.*.url: {bad.Value}"; return null; }
            _urls = [];
            foreach (var e in all) if (IsRemoteUrl(e)) _urls.Add(e.Value);
            return _urls;
        }

        private static bool IsRemoteUrl(Entry e) => e.Key == "url" && e.Section.StartsWith("remote \"", StringComparison.Ordinal);
    }

    // 'key'='value' or 'key=value' items, shell single-quoted ('\'' for a quote), blank-separated.
    private static void Parameters(string text, List<Entry> into)
    {
        int i = 0;
        while (true)
        {
            while (i < text.Length && text[i] is ' ' or '\t' or '\n') i++;
            if (i >= text.Length) return;
            if (Quoted(text, ref i) is not string first) { into.Add(Unaccounted("GIT_CONFIG_PARAMETERS is not read here")); return; }
            string? option = first;
            if (i < text.Length && text[i] == '=') { i++; option = Quoted(text, ref i) is string v ? $"{first}={v}" : null; }
            if (option == null || FromOption(option) is not { } e) { into.Add(Unaccounted("GIT_CONFIG_PARAMETERS is not read here")); return; }
            into.Add(e);
        }
    }

    private static string? Quoted(string t, ref int i)
    {
        var sb = new System.Text.StringBuilder();
        if (i >= t.Length || t[i] != '\'') return null;
        while (true)
        {
            int end = t.IndexOf('\'', i + 1);
            if (end < 0) return null;
            sb.Append(t, i + 1, end - i - 1);
            i = end + 1;
            if (i + 2 < t.Length && t[i] == '\\' && t[i + 1] == '\'' && t[i + 2] == '\'') { sb.Append('\''); i += 2; continue; }
            return sb.ToString();
        }
    }

    private static bool IsTrue(string? v) => v != null && v.ToLowerInvariant() is "1" or "true" or "yes" or "on";
}
