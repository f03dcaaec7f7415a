using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>git push: <c>--force</c>/<c>-f</c>/<c>--force-with-lease</c>/<c>--mirror</c>/a
/// <c>+refspec</c> → force-push; <c>--delete</c>/<c>:branch</c> → delete; <c>--dry-run</c> → read; else write. The target
/// is the remote's URL (given, or read from <c>.git/config</c> of the repository). Other git
/// commands are not classified (null).</summary>
public static class Git
{
    /// <summary>Parses git's arguments; null unless it is a push.</summary>
    public static CommandIntent? Parse(ToolCall c)
    {
        var a = c.Args;
        int i = 0;
        string? dir = null;
        for (; i < a.Count; i++)
        {
            var x = a[i];
            if (x is "-C") { dir = i + 1 < a.Count ? a[++i] : null; continue; }
            if (x is "-c" or "--git-dir" or "--work-tree" or "--namespace") { i++; continue; }
            if (x.StartsWith('-')) continue;
            break;
        }
        if (i >= a.Count || a[i] != "push") return null;
        var rest = a.Skip(i + 1).ToList();
        if (ToolHelp.AsksForHelp(rest, shortH: true)) return ToolHelp.Help("git", "--help");
        var evidence = new List<Evidence>();
        Effect effect = Effect.Write;
        var pos = new List<string>();
        foreach (var x in rest)
        {
            if (x is "--force" or "--mirror" || x.StartsWith("--force-with-lease", StringComparison.Ordinal) || x.StartsWith("--force-if-includes", StringComparison.Ordinal)
                || (x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('f') && !x.Contains('o')))
            {
                effect = ToolHelp.Max(effect, Effect.ForcePush);
                evidence.Add(new(x, "rewrites remote history"));
            }
            else if (x is "--delete" or "-d") { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new(x, "deletes remote refs")); }
            else if (x is "--repo" or "-o" or "--push-option" or "--receive-pack" or "--exec") continue;
            else if (!x.StartsWith('-')) pos.Add(x);
        }
        foreach (var refspec in pos.Skip(1))
        {
            if (refspec.StartsWith('+')) { effect = ToolHelp.Max(effect, Effect.ForcePush); evidence.Add(new(refspec, "forced refspec")); }
            else if (refspec.StartsWith(':')) { effect = ToolHelp.Max(effect, Effect.Delete); evidence.Add(new(refspec, "deletes a remote branch")); }
        }
        if (rest.Contains("--dry-run") || rest.Contains("-n"))
        {
            evidence.Add(new("--dry-run", "nothing is sent"));
            effect = Effect.Read;
        }
        string remote = pos.Count > 0 ? pos[0] : "origin";
        var url = remote.Contains("://") || remote.Contains('@') ? remote : RemoteUrl(c.Context, dir, remote);
        var targets = new List<Target>();
        if (url != null && UrlParser.TryParse(ScpToUrl(url), "ssh", out var t)) { targets.Add(t); evidence.Add(new(remote, $"remote {url}")); }
        string summary = $"push {string.Join(' ', pos)}".TrimEnd() + (effect == Effect.ForcePush ? " (force)" : "");
        return ToolHelp.Intent("git", effect, summary, targets, evidence);
    }

    private static string ScpToUrl(string url)
    {
        // git@github.com:org/repo.git → ssh://git@github.com/org/repo.git
        if (url.Contains("://")) return url;
        int colon = url.IndexOf(':');
        return colon > 0 ? "ssh://" + url[..colon] + "/" + url[(colon + 1)..] : url;
    }

    private static string? RemoteUrl(IExecContext ctx, string? dir, string remote)
    {
        var root = LocalDelete.RepositoryRoot(ctx, dir);
        if (root == null) return null;
        var config = ToolHelp.ReadText(ctx, Path.Combine(root, ".git", "config"));
        if (config == null) return null;
        bool inRemote = false;
        foreach (var raw in config.Split('\n'))
        {
            var l = raw.Trim();
            if (l.StartsWith('[')) { inRemote = l == $"[remote \"{remote}\"]"; continue; }
            if (inRemote && l.StartsWith("url", StringComparison.Ordinal) && l.Contains('=')) return l[(l.IndexOf('=') + 1)..].Trim();
        }
        return null;
    }
}
