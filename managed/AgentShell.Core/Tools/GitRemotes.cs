using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The URLs a remote names as git and gh read them: every <c>pushurl</c> of the remote, else
/// every <c>url</c> (git pushes to each), or the URL given in its place, rewritten by the longest
/// matching <c>url.BASE.pushInsteadOf</c> (a push) or <c>url.BASE.insteadOf</c>, from every source
/// <see cref="GitConfigSources"/> reads. A source not accounted for makes the URLs unknown (null).</summary>
internal static class GitRemotes
{
    /// <summary>Where a push to <paramref name="remote"/> goes; null when not known (no URL, or config
    /// that could not be accounted for).</summary>
    internal static List<string>? PushUrls(List<GitConfig.Entry> all, string remote)
    {
        if (GitConfigSources.HasUnknown(all)) return null;
        if (IsUrl(remote)) return [Rewrite(all, remote, push: true)];
        // pushInsteadOf is not applied to an explicit pushurl (git-config(1)).
        var pushUrls = GitConfig.All(all, $"remote \"{remote}\"", "pushurl");
        if (pushUrls.Count > 0) return pushUrls.ConvertAll(u => Rewrite(all, u, push: false));
        var urls = GitConfig.All(all, $"remote \"{remote}\"", "url");
        return urls.Count > 0 ? urls.ConvertAll(u => Rewrite(all, u, push: true)) : null;
    }

    /// <summary>The remote a push without one goes to, as git picks it: the current branch's
    /// <c>pushRemote</c>, <c>remote.pushDefault</c>, the branch's <c>remote</c>, else origin.</summary>
    internal static string PushRemote(List<GitConfig.Entry> all, string? branch) =>
        (branch == null ? null : GitConfig.Last(all, $"branch \"{branch}\"", "pushremote"))
        ?? GitConfig.Last(all, "remote", "pushdefault")
        ?? (branch == null ? null : GitConfig.Last(all, $"branch \"{branch}\"", "remote"))
        ?? "origin";

    /// <summary>The remote <paramref name="tool"/> (gh, glab) infers the repository from when none is
    /// named, as they pick it: the remotes on a host the tool knows (<see cref="CodeHostClis"/>), narrowed to
    /// its default host when GH_HOST/GITLAB_HOST chose it (always) or its config did (when any is there);
    /// of those the one <c>gh repo set-default</c> marked (<c>gh-resolved</c>), else upstream, github (glab:
    /// gitlab), origin, else the first; its URL, rewritten as a fetch would be. Null outside a repository,
    /// when no remote qualifies (the tool refuses), or when the config could not be accounted for.</summary>
    internal static (string Remote, string Url)? Inferred(IExecContext ctx, string tool)
    {
        var git = GitDirectory.Find(ctx, null);
        if (git == null) return null;
        var all = GitConfigSources.Read(ctx, git, []);
        if (GitConfigSources.HasUnknown(all)) return null;
        var remotes = new List<string>();
        string? resolved = null;
        foreach (var e in all)
        {
            if (!e.Section.StartsWith("remote \"", StringComparison.Ordinal) || e.Section.Length < 9) continue;
            var name = e.Section[8..^1];
            if (e.Key == "gh-resolved") resolved = name;
            if (e.Key == "url" && !remotes.Contains(name)) remotes.Add(name);
        }
        string? pick;
        if (tool is "gh" or "glab")
        {
            if (CodeHostClis.Read(ctx, tool) is not { } hosts) return null;
            // An ssh remote on a host the tool does not know may be a ~/.ssh/config alias, which gh translates to
            // the host it stands for (SshHostAliases says whether it may be; where it points is not read): picked
            // once without such remotes and once with them as known on the default host; when the two differ,
            // which one the tool takes is not known (null).
            pick = Pick(OnHosts(ctx, all, remotes, tool, hosts, false), resolved, tool);
            if (pick != Pick(OnHosts(ctx, all, remotes, tool, hosts, true), resolved, tool)) return null;
        }
        else pick = Pick(remotes, resolved, tool);
        if (pick == null || GitConfig.Last(all, $"remote \"{pick}\"", "url") is not string url) return null;
        return (pick, Rewrite(all, url, push: false));
    }

    private static string? Pick(List<string> remotes, string? resolved, string tool) =>
        resolved != null && remotes.Contains(resolved) ? resolved
            : new[] { "upstream", tool == "glab" ? "gitlab" : "github", "origin" }.FirstOrDefault(remotes.Contains) ?? remotes.FirstOrDefault();

    // The remotes on a host the tool knows, narrowed to its default host when GH_HOST/GITLAB_HOST chose it
    // (always) or its config did (when any is there); aliases: ssh remotes on an unknown host count as on the default.
    private static List<string> OnHosts(IExecContext ctx, List<GitConfig.Entry> all, List<string> remotes, string tool, CodeHostClis.Hosts hosts, bool aliases)
    {
        bool gh = tool == "gh";
        var host = new Dictionary<string, (string? Host, bool Alias)>(StringComparer.Ordinal);
        foreach (var r in remotes)
        {
            if (GitConfig.Last(all, $"remote \"{r}\"", "url") is not string u || !UrlParser.TryParse(ScpToUrl(Rewrite(all, u, push: false)), "ssh", out var t)) { host[r] = (null, false); continue; }
            var h = CodeHostClis.Normalise(t.Host, gh);
            host[r] = (h, aliases && h != null && !hosts.Known.Contains(h) && t.Scheme is "ssh" or "git+ssh" or "ssh+git" && Config.SshHostAliases.MayBeAlias(ctx, t.Host!));
        }
        var known = remotes.FindAll(r => host[r].Alias || host[r].Host is string h && hosts.Known.Contains(h));
        var onDefault = known.FindAll(r => host[r].Alias || host[r].Host == hosts.Default);
        return hosts.DefaultChosen && (hosts.DefaultFromEnv || onDefault.Count > 0) ? onDefault : known;
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
        foreach (var key in push ? new[] { "pushinsteadof", "insteadof" } : ["insteadof"])
        {
            foreach (var e in all)
            {
                if (!e.Section.StartsWith("url \"", StringComparison.Ordinal) || e.Section.Length < 6 || e.Key != key) continue;
                if (!url.StartsWith(e.Value, StringComparison.Ordinal) || (bestPrefix != null && e.Value.Length <= bestPrefix.Length)) continue;
                best = e.Section[5..^1];
                bestPrefix = e.Value;
            }
            if (best != null) return best + url[bestPrefix!.Length..];
        }
        return url;
    }
}
