using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>git: <c>push</c>, and the commands that throw away uncommitted work. Other git
/// commands are not classified (null).
/// <list type="bullet">
/// <item><c>push</c>: a forced update (<c>--force</c>, <c>-f</c>, <c>--force-with-lease</c>,
/// <c>--mirror</c>, a <c>+refspec</c>) of the remote's default branch → force-push; of any other
/// branch → write (it rewrites only that branch); <c>--delete</c>/<c>:branch</c> → delete;
/// <c>--dry-run</c> → read; else write. The default branch is the one the repository records as
/// the remote's HEAD (<c>refs/remotes/REMOTE/HEAD</c>), else <c>main</c> and <c>master</c>. A push
/// without a refspec pushes the current branch (<c>push.default</c> simple/current/upstream), or
/// every branch (<c>matching</c>, <c>--all</c>, <c>--mirror</c>). The target is the remote's URL.</item>
/// <item><c>reset --hard</c>, <c>clean -f</c> (not <c>-n</c>) → delete: uncommitted changes or
/// untracked files of the work tree are gone. The target is the work tree (or the paths given).</item>
/// <item><c>filter-branch</c>, <c>filter-repo</c> (not <c>--analyze</c>/<c>--dry-run</c>) → wipe of
/// <c>.git</c>: the history is rewritten.</item>
/// <item><c>reflog expire --expire=…</c>, <c>reflog delete</c>, <c>gc --prune=…</c>, <c>prune</c>,
/// <c>update-ref -d</c> → delete of <c>.git/logs</c>, <c>.git/objects</c> or the ref: what recovers lost commits.</item>
/// </list></summary>
public static class Git
{
    private static readonly HashSet<string> PushValued = new(StringComparer.Ordinal) { "--repo", "-o", "--push-option", "--receive-pack", "--exec" };

    /// <summary>Parses git's arguments; null for commands that are not classified.</summary>
    public static CommandIntent? Parse(ToolCall c)
    {
        var a = c.Args;
        int i = 0;
        string? dir = null, workTree = c.Context.GetEnvironmentVariable("GIT_WORK_TREE"), gitDir = null;
        var options = new List<GitConfig.Entry>();
        for (; i < a.Count; i++)
        {
            var x = a[i];
            if (x is "--git-dir") { gitDir = i + 1 < a.Count ? a[++i] : null; continue; }
            if (x.StartsWith("--git-dir=", StringComparison.Ordinal)) { gitDir = x[10..]; continue; }
            if (x is "-c") { if (i + 1 < a.Count && GitConfig.FromOption(a[++i]) is { } e) options.Add(e); continue; }
            if (x is "--config-env" || x.StartsWith("--config-env=", StringComparison.Ordinal))
            {
                // --config-env NAME=VAR: the value comes from the exec's environment.
                var spec = x.Length > 12 ? x[13..] : i + 1 < a.Count ? a[++i] : "";
                int eq = spec.LastIndexOf('=');
                var value = eq < 0 ? null : c.Context.GetEnvironmentVariable(spec[(eq + 1)..]);
                options.Add(value != null && GitConfig.FromOption($"{spec[..eq]}={value}") is { } e ? e : GitConfig.Unaccounted($"--config-env {spec}"));
                continue;
            }
            if (x is "-C") { var d = i + 1 < a.Count ? a[++i] : null; dir = dir == null || d == null || Path.IsPathRooted(d) ? d : Path.Combine(dir, d); continue; }
            if (x is "--work-tree") { workTree = i + 1 < a.Count ? a[++i] : null; continue; }
            if (x.StartsWith("--work-tree=", StringComparison.Ordinal)) { workTree = x[12..]; continue; }
            if (x is "--namespace") { i++; continue; }
            if (x.StartsWith('-')) continue;
            break;
        }
        if (i >= a.Count) return null;
        var rest = a.Skip(i + 1).ToList();
        return a[i] switch
        {
            "push" => ToolHelp.AsksForHelp(rest, shortH: true) ? ToolHelp.Help("git", "--help") : Push(c, rest, dir, gitDir, options),
            "reset" => rest.Contains("--hard") ? Discard(c, "reset --hard", "discards uncommitted changes to tracked files", [], dir, workTree) : null,
            "clean" => Clean(c, rest, dir, workTree),
            "filter-branch" or "filter-repo" => ToolHelp.AsksForHelp(rest, shortH: true) || rest.Contains("--analyze") || rest.Contains("--dry-run")
                ? null : Rewrite(c, a[i], dir, workTree),
            "reflog" or "gc" or "prune" or "update-ref" => History(c, a[i], rest, dir),
            _ => null,
        };
    }

    // Commands that destroy history git keeps for recovery: reflog expire with an explicit expiry
    // (reflog delete), gc --prune=<date> and prune (unreachable objects go at once), update-ref -d
    // (the ref itself). Each is a delete of that part of .git (paused by default.git:history-destruction).
    private static CommandIntent? History(ToolCall c, string verb, List<string> rest, string? dir)
    {
        if (ToolHelp.AsksForHelp(rest, shortH: true)) return null;
        string? part = null, fact = null;
        switch (verb)
        {
            case "reflog":
                if (rest.Count > 0 && rest[0] == "delete") { part = "logs"; fact = "deletes reflog entries"; break; }
                if (rest.Count == 0 || rest[0] != "expire" || rest.Contains("-n") || rest.Contains("--dry-run")) return null;
                foreach (var x in rest)
                    if ((x.StartsWith("--expire=", StringComparison.Ordinal) || x.StartsWith("--expire-unreachable=", StringComparison.Ordinal)) && !KeepsForever(x[(x.IndexOf('=') + 1)..]))
                    { part = "logs"; fact = $"expires reflog entries ({x}): the record that recovers lost commits"; }
                break;
            case "gc":
                foreach (var x in rest)
                    if (x.StartsWith("--prune=", StringComparison.Ordinal) && !KeepsForever(x[8..])) { part = "objects"; fact = $"deletes unreachable objects ({x})"; }
                break;
            case "prune":
                if (rest.Contains("-n") || rest.Contains("--dry-run")) return null;
                part = "objects"; fact = "deletes every unreachable object";
                break;
            case "update-ref":
                int d = rest.IndexOf("-d");
                if (d < 0 || d + 1 >= rest.Count) return null;
                var r = rest[d + 1];
                part = r.StartsWith("refs/", StringComparison.Ordinal) ? r : r == "HEAD" ? "HEAD" : "refs/" + r;
                fact = $"deletes the ref {r}";
                break;
        }
        if (part == null) return null;
        var root = LocalDelete.RepositoryRoot(c.Context, dir) ?? c.Context.WorkingDirectory;
        var path = root == null ? $".git/{part}" : Policy.LocalPaths.Normalize(Path.Combine(root, ".git", part));
        return ToolHelp.Intent("git", Effect.Delete, $"{verb} ({part})", [new Target { Kind = TargetKind.LocalPath, Path = path }], [new(verb, $"git {verb} {fact} in {path}")]);
    }

    private static bool KeepsForever(string when) => when is "never" or "false";

    private static CommandIntent Push(ToolCall c, List<string> rest, string? dir, string? gitDir, List<GitConfig.Entry> options)
    {
        var evidence = new List<Evidence>();
        bool forced = false, all = false, delete = false;
        string? repo = null;
        var pos = new List<string>();
        for (int k = 0; k < rest.Count; k++)
        {
            var x = rest[k];
            if (x is "--force" or "--mirror" || x.StartsWith("--force-with-lease", StringComparison.Ordinal) || x.StartsWith("--force-if-includes", StringComparison.Ordinal)
                || (x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('f') && !x.Contains('o')))
            {
                forced = true;
                evidence.Add(new(x, "forced update"));
            }
            if (x is "--mirror" or "--all" or "--branches") all = true;
            if (x is "--delete" or "-d" or "--prune") delete = true; // --prune: remote branches with no local counterpart go
            if (x is "--repo" && k + 1 < rest.Count) { repo = rest[++k]; continue; }
            if (x.StartsWith("--repo=", StringComparison.Ordinal)) { repo = x[7..]; continue; }
            if (PushValued.Contains(x)) { k++; continue; }
            if (!x.StartsWith('-')) pos.Add(x);
        }
        var git = GitDirectory.Find(c.Context, dir, gitDir);
        var current = git?.CurrentBranch();
        var config = GitConfigSources.Read(c.Context, git, options);
        // A remote named on the command line wins over --repo, which wins over the configured one.
        string remote = pos.Count > 0 ? pos[0] : repo ?? GitRemotes.PushRemote(config, current);
        Effect effect = Effect.Write;
        var branches = new List<string?>(); // destination branch names; null: not known
        if (pos.Count < 2)
        {
            if (all || GitConfig.Last(config, "push", "default") == "matching" || GitConfig.Last(config, $"remote \"{remote}\"", "push") != null) branches.Add(null);
            else branches.Add(current);
        }
        foreach (var refspec in pos.Skip(1))
        {
            var spec = refspec;
            if (spec.StartsWith('+')) { forced = true; spec = spec[1..]; evidence.Add(new(refspec, "forced refspec")); }
            int colon = spec.IndexOf(':');
            if (colon == 0) { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new(refspec, "deletes a remote branch")); continue; }
            var dst = colon > 0 ? spec[(colon + 1)..] : spec;
            if (dst is "HEAD" || dst.Length == 0) dst = colon > 0 && spec[..colon] != "HEAD" ? spec[..colon] : current ?? "";
            branches.Add(dst.Length == 0 ? null : dst.StartsWith("refs/heads/", StringComparison.Ordinal) ? dst[11..] : dst);
        }
        if (delete) { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new("--delete", "deletes remote refs")); }
        if (forced)
        {
            var defaults = git?.RemoteHead(remote) is string head ? [head] : new[] { "main", "master" };
            // An unknown destination may be the default branch.
            var hit = branches.FirstOrDefault(b => b == null || defaults.Contains(b), "");
            if (hit != "")
            {
                effect = ToolHelp.Max(effect, Effect.ForcePush);
                evidence.Add(new(hit ?? "(every branch)", $"rewrites the history of {remote}'s default branch ({string.Join(" or ", defaults)})"));
            }
            else evidence.Add(new(string.Join(' ', branches), $"forced update of a branch other than {remote}'s default ({string.Join(" or ", defaults)})"));
        }
        if (rest.Contains("--dry-run") || rest.Contains("-n"))
        {
            evidence.Add(new("--dry-run", "nothing is sent"));
            effect = Effect.Read;
        }
        var urls = GitRemotes.PushUrls(config, remote);
        var targets = new List<Target>();
        foreach (var url in urls ?? [])
            if (UrlParser.TryParse(GitRemotes.ScpToUrl(url), "ssh", out var t)) { targets.Add(t); evidence.Add(new(remote, $"remote {url}")); }
        if (targets.Count == 0)
        {
            // No URL, or config this reader could not account for (an unreadable file, an
            // includeIf it does not evaluate): where the push goes is unknown, not local.
            targets.Add(new Target { Kind = TargetKind.Environment });
            var why = config.Find(e => e.Section == GitConfig.Unknown).Value;
            evidence.Add(new(remote, why != null ? $"remote {remote}: {why} (unknown)" : $"remote {remote}: no URL found in the git config (unknown)"));
        }
        string summary = $"push {string.Join(' ', pos)}".TrimEnd() + (effect == Effect.ForcePush ? " (force, default branch)" : forced ? " (force)" : "");
        return ToolHelp.Intent("git", effect, summary, targets, evidence);
    }

    private static CommandIntent Clean(ToolCall c, List<string> rest, string? dir, string? workTree)
    {
        bool force = false, dry = false, interactive = false;
        var paths = new List<string>();
        bool endOpts = false;
        for (int k = 0; k < rest.Count; k++)
        {
            var x = rest[k];
            if (!endOpts && x == "--") { endOpts = true; continue; }
            if (!endOpts && x.StartsWith("--", StringComparison.Ordinal))
            {
                force |= x == "--force"; dry |= x == "--dry-run"; interactive |= x == "--interactive";
                if (x is "--exclude") k++;
                continue;
            }
            if (!endOpts && x.Length > 1 && x[0] == '-')
            {
                force |= x.Contains('f'); dry |= x.Contains('n'); interactive |= x.Contains('i');
                if (x.EndsWith('e')) k++; // -e PATTERN
                continue;
            }
            paths.Add(x);
        }
        if (dry) return ToolHelp.Intent("git", Effect.Read, "clean --dry-run", [], [new("--dry-run", "lists what would be removed")]);
        // Without -f, git refuses (clean.requireForce); -i asks first: both may still remove files.
        return Discard(c, "clean", force || interactive ? "removes untracked files" : "removes untracked files (when clean.requireForce is off)", paths, dir, workTree);
    }

    private static CommandIntent Discard(ToolCall c, string what, string fact, List<string> paths, string? dir, string? workTree)
    {
        var ctx = c.Context;
        string? cwd = ctx.WorkingDirectory;
        string? Full(string? p) => p == null ? null : Path.IsPathRooted(p) ? Policy.LocalPaths.Normalize(p) : cwd == null ? null : Policy.LocalPaths.Normalize(Path.Combine(cwd, p));
        string? baseDir = Full(workTree) ?? Full(dir) ?? cwd;
        var targets = new List<Target>();
        var evidence = new List<Evidence>();
        if (paths.Count == 0) paths.Add(".");
        foreach (var p in paths)
        {
            var full = Path.IsPathRooted(p) ? Policy.LocalPaths.Normalize(p) : baseDir == null ? null : Policy.LocalPaths.Normalize(Path.Combine(baseDir, p));
            targets.Add(new Target { Kind = TargetKind.LocalPath, Path = full ?? p });
            evidence.Add(new(p, $"git {what} {fact} in {full ?? p}"));
        }
        return ToolHelp.Intent("git", Effect.Delete, $"{what} {string.Join(' ', paths)}", targets, evidence);
    }

    // filter-branch/filter-repo rewrite every commit they select: the history the repository had
    // is gone (filter-repo also drops the reflogs and remotes), so this is a wipe of .git.
    private static CommandIntent Rewrite(ToolCall c, string what, string? dir, string? workTree)
    {
        var discard = Discard(c, what, "rewrites the repository's history", [".git"], dir, workTree);
        return ToolHelp.Intent("git", Effect.Wipe, discard.Summary, [.. discard.Targets], [.. discard.Evidence]);
    }
}
