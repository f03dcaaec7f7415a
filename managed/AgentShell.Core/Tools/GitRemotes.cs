using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The URL a remote names as git and gh read it: the remote's <c>pushurl</c> or <c>url</c>
/// (or the URL given in its place), rewritten by the longest matching <c>url.BASE.pushInsteadOf</c>
/// (a push) or <c>url.BASE.insteadOf</c>, from the global config (<c>GIT_CONFIG_GLOBAL</c>, else
/// <c>$XDG_CONFIG_HOME/git/config</c> and <c>~/.gitconfig</c>), the repository's, <c>GIT_CONFIG_COUNT</c>
/// pairs and <c>-c</c> options, later ones winning. The system file is not read.</summary>
internal static class GitRemotes
{
    /// <summary>Where a push to <paramref name="remote"/> goes; null when no URL is known.</summary>
    internal static string? PushUrl(IExecContext ctx, GitDirectory? git, string remote, List<GitConfig.Entry> options)
    {
        var all = Config(ctx, git, options);
        if (IsUrl(remote)) return Rewrite(all, remote, push: true);
        // pushInsteadOf is not applied to an explicit pushurl (git-config(1)).
        if (GitConfig.Last(all, $"remote \"{remote}\"", "pushurl") is string pushUrl) return Rewrite(all, pushUrl, push: false);
        return GitConfig.Last(all, $"remote \"{remote}\"", "url") is string url ? Rewrite(all, url, push: true) : null;
    }

    /// <summary>The remote gh and glab infer the repository from when none is named: the one
    /// <c>gh repo set-default</c> marked (<c>gh-resolved</c>), else upstream, github, origin, else the
    /// first; its URL, rewritten as a fetch would be. Null outside a repository.</summary>
    internal static (string Remote, string Url)? Inferred(IExecContext ctx)
    {
        var git = GitDirectory.Find(ctx, null);
        if (git == null) return null;
        var all = Config(ctx, git, []);
        var remotes = new List<string>();
        string? resolved = null;
        foreach (var e in all)
        {
            if (!e.Section.StartsWith("remote \"", StringComparison.Ordinal) || e.Section.Length < 9) continue;
            var name = e.Section[8..^1];
            if (e.Key.Equals("gh-resolved", StringComparison.OrdinalIgnoreCase)) resolved = name;
            if (e.Key.Equals("url", StringComparison.OrdinalIgnoreCase) && !remotes.Contains(name)) remotes.Add(name);
        }
        string? pick = resolved != null && remotes.Contains(resolved) ? resolved
            : new[] { "upstream", "github", "origin" }.FirstOrDefault(remotes.Contains) ?? remotes.FirstOrDefault();
        if (pick == null || GitConfig.Last(all, $"remote \"{pick}\"", "url") is not string url) return null;
        return (pick, Rewrite(all, url, push: false));
    }

    /// <summary>The API URL <paramref name="tool"/> (gh, glab) sends to for the repository at
    /// <paramref name="remoteUrl"/>, as its -R template makes it (api.github.com/repos/O/R, Enterprise
    /// HOST/api/v3/repos/O/R, HOST/api/v4/projects/O%2FR); for another tool, the remote URL itself.
    /// Null for a remote on the other's host (glab does not take a github.com remote, nor gh a gitlab.com one).</summary>
    internal static string? ApiUrl(string tool, string remoteUrl)
    {
        var url = ScpToUrl(remoteUrl);
        if (tool is not ("gh" or "glab") || !UrlParser.TryParse(url, "ssh", out var t) || t.Path is not { Length: > 1 } path) return url;
        if (t.Host == (tool == "gh" ? "gitlab.com" : "github.com")) return null;
        path = path.Trim('/');
        if (path.EndsWith(".git", StringComparison.Ordinal)) path = path[..^4];
        if (tool == "glab") return $"https://{t.Host}/api/v4/projects/{path.Replace("/", "%2F", StringComparison.Ordinal)}";
        return t.Host == "github.com" ? $"https://api.github.com/repos/{path}" : $"https://{t.Host}/api/v3/repos/{path}";
    }

    /// <summary>An scp-like <c>[user@]host:path</c> to <c>ssh://[user@]host/path</c>; other URLs unchanged.</summary>
    internal static string ScpToUrl(string url)
    {
        if (url.Contains("://", StringComparison.Ordinal)) return url;
        int colon = url.IndexOf(':');
        return colon > 0 ? "ssh://" + url[..colon] + "/" + url[(colon + 1)..] : url;
    }

    // A URL or scp-like address in a remote's place (a remote's name holds no ':'), not a path.
    private static bool IsUrl(string remote)
    {
        if (remote.Contains("://", StringComparison.Ordinal)) return true;
        int colon = remote.IndexOf(':'), slash = remote.IndexOf('/');
        return colon > 0 && (slash < 0 || colon < slash);
    }

    private static string Rewrite(List<GitConfig.Entry> all, string url, bool push)
    {
        string? best = null, bestPrefix = null;
        foreach (var key in push ? new[] { "pushInsteadOf", "insteadOf" } : ["insteadOf"])
        {
            foreach (var e in all)
            {
                if (!e.Section.StartsWith("url \"", StringComparison.Ordinal) || e.Section.Length < 6 || !e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
                if (!url.StartsWith(e.Value, StringComparison.Ordinal) || (bestPrefix != null && e.Value.Length <= bestPrefix.Length)) continue;
                best = e.Section[5..^1];
                bestPrefix = e.Value;
            }
            if (best != null) return best + url[bestPrefix!.Length..];
        }
        return url;
    }

    private static List<GitConfig.Entry> Config(IExecContext ctx, GitDirectory? git, List<GitConfig.Entry> options)
    {
        var all = new List<GitConfig.Entry>();
        var home = ctx.GetEnvironmentVariable("HOME");
        if (ctx.GetEnvironmentVariable("GIT_CONFIG_GLOBAL") is string global) all.AddRange(GitConfig.Parse(ToolHelp.ReadText(ctx, global)));
        else
        {
            var xdg = ctx.GetEnvironmentVariable("XDG_CONFIG_HOME") ?? (home == null ? null : Path.Combine(home, ".config"));
            if (xdg != null) all.AddRange(GitConfig.Parse(ToolHelp.ReadText(ctx, Path.Combine(xdg, "git", "config"))));
            if (home != null) all.AddRange(GitConfig.Parse(ToolHelp.ReadText(ctx, Path.Combine(home, ".gitconfig"))));
        }
        if (git != null) all.AddRange(git.Entries);
        if (int.TryParse(ctx.GetEnvironmentVariable("GIT_CONFIG_COUNT"), out int count))
        {
            for (int i = 0; i < count && i < 64; i++)
                if (ctx.GetEnvironmentVariable($"GIT_CONFIG_KEY_{i}") is string k && GitConfig.FromOption($"{k}={ctx.GetEnvironmentVariable($"GIT_CONFIG_VALUE_{i}")}") is { } e) all.Add(e);
        }
        all.AddRange(options);
        return all;
    }
}
