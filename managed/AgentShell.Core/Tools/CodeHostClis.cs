using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The hosts gh and glab use when a command names none, read as they read them. gh: the default
/// host is <c>GH_HOST</c>, else the only host of <c>hosts.yml</c> (<c>$GH_CONFIG_DIR</c>, else
/// <c>$XDG_CONFIG_HOME/gh</c>, else <c>~/.config/gh</c>), else github.com; the known hosts are GH_HOST,
/// hosts.yml's and github.com (with <c>GH_TOKEN</c>/<c>GITHUB_TOKEN</c>, or when nothing else is known).
/// glab: <c>GITLAB_HOST</c>, else <c>GL_HOST</c>, else <c>host:</c> of <c>config.yml</c>
/// (<c>$GLAB_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/glab-cli</c>, else <c>~/.config/glab-cli</c>), else
/// gitlab.com; known: that and the file's <c>hosts:</c>. The files are bounded and cached by identity
/// (<see cref="IExecContext.ReadConfigFile"/>); only host names are kept (the files hold tokens). One
/// that cannot be read makes the hosts unknown (null).</summary>
internal static class CodeHostClis
{
    /// <summary>A tool's hosts: <see cref="Default"/>, whether an environment variable or the config chose
    /// it (then a repository is looked for on it first), and every host it is logged in to.</summary>
    internal sealed record Hosts(string Default, bool DefaultChosen, bool DefaultFromEnv, List<string> Known);

    private static readonly PathMemo GhFile = new("hosts.yml"), GlabFile = new("config.yml");

    private sealed record Parsed(List<string> TopKeys, string? Host, List<string> HostsBlock);

    /// <summary>The hosts of <paramref name="tool"/> (gh or glab); null when its config cannot be read.</summary>
    internal static Hosts? Read(IExecContext ctx, string tool)
    {
        bool gh = tool == "gh";
        var file = ConfigPath(ctx, gh);
        Parsed? parsed = null;
        if (file != null)
        {
            var cf = ctx.ReadConfigFile(file);
            if (cf.Unaccountable) return null;
            if (cf.Exists) parsed = cf.Parsed(f => Parse(f.Text));
        }
        var known = new List<string>();
        if (gh)
        {
            var env = Normalise(ctx.GetEnvironmentVariable("GH_HOST"), true);
            if (env != null) known.Add(env);
            foreach (var h in parsed?.TopKeys ?? []) if (Normalise(h, true) is string n && !known.Contains(n)) known.Add(n);
            bool token = ctx.GetEnvironmentVariable("GH_TOKEN") is { Length: > 0 } || ctx.GetEnvironmentVariable("GITHUB_TOKEN") is { Length: > 0 };
            if (!known.Contains("github.com") && (token || known.Count == 0)) known.Add("github.com");
            var single = parsed?.TopKeys.Count == 1 ? Normalise(parsed.TopKeys[0], true) : null;
            return new Hosts(env ?? single ?? "github.com", env != null || single != null, env != null, known);
        }
        var fromEnv = Normalise(ctx.GetEnvironmentVariable("GITLAB_HOST"), false) ?? Normalise(ctx.GetEnvironmentVariable("GL_HOST"), false);
        var configured = Normalise(parsed?.Host, false);
        var host = fromEnv ?? configured ?? "gitlab.com";
        known.Add(host);
        foreach (var h in parsed?.HostsBlock ?? []) if (Normalise(h, false) is string n && !known.Contains(n)) known.Add(n);
        return new Hosts(host, fromEnv != null || configured != null, fromEnv != null, known);
    }

    /// <summary>A host as the tools compare them: no scheme, path or port, lower-case; for gh a
    /// subdomain of github.com is github.com (ghinstance.NormalizeHostname).</summary>
    internal static string? Normalise(string? host, bool gh)
    {
        if (string.IsNullOrWhiteSpace(host)) return null;
        host = host.Trim().Trim('"', '\'');
        int scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host[(scheme + 3)..];
        int end = host.IndexOfAny(['/', ':']);
        if (end >= 0) host = host[..end];
        host = host.TrimEnd('.').ToLowerInvariant();
        if (gh && host.EndsWith(".github.com", StringComparison.Ordinal)) host = "github.com";
        return host.Length == 0 ? null : host;
    }

    /// <summary>gh and glab resolve a repository named without a host (<c>-R acme/api</c>, <c>repo delete
    /// acme/api</c>, <c>GH_REPO</c>) on their default host: the tables' github.com/gitlab.com targets are
    /// moved there; an unreadable config adds an unknown target.</summary>
    internal static void OnDefaultHost(string tool, IExecContext ctx, List<Target> targets, List<Evidence> evidence)
    {
        if (targets.Count == 0) return;
        var hosts = Read(ctx, tool);
        if (hosts == null)
        {
            targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
            evidence.Add(new(tool, $"{tool}'s host configuration cannot be read: the host a repository without one is on is not known"));
            return;
        }
        bool gh = tool == "gh";
        if (hosts.Default == (gh ? "github.com" : "gitlab.com")) return;
        for (int i = 0; i < targets.Count; i++)
        {
            var t = targets[i];
            if (t.Kind != TargetKind.Url || t.Path == null) continue;
            string? moved = null;
            if (gh && t.Host == "api.github.com" && t.Path.StartsWith("/repos/", StringComparison.Ordinal) && t.Path[7..].Split('/') is { Length: 2 } p && !p[0].Contains('.'))
                moved = $"https://{hosts.Default}/api/v3/repos/{p[0]}/{p[1]}";
            else if (!gh && t.Host == "gitlab.com" && t.Path.StartsWith("/api/v4/projects/", StringComparison.Ordinal))
                moved = $"https://{hosts.Default}{t.Path}";
            if (moved == null || !UrlParser.TryParse(moved, "https", out var m)) continue;
            targets[i] = m;
            evidence.Add(new(hosts.Default, $"{t.Path.TrimStart('/')} on {tool}'s default host {hosts.Default}"));
        }
    }

    private static string? ConfigPath(IExecContext ctx, bool gh)
    {
        if (ctx.GetEnvironmentVariable(gh ? "GH_CONFIG_DIR" : "GLAB_CONFIG_DIR") is { Length: > 0 } dir) return (gh ? GhFile : GlabFile).Combine(dir);
        var xdg = ctx.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : ctx.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".config") : null;
        return xdg == null ? null : Path.Combine(xdg, gh ? "gh" : "glab-cli", gh ? "hosts.yml" : "config.yml");
    }

    // The keys of a YAML mapping as these files write it: top-level keys, `host:`'s value, and the keys one
    // level under `hosts:`. No values are kept but host:.
    private static Parsed Parse(string text)
    {
        var top = new List<string>();
        var block = new List<string>();
        string? host = null;
        bool inHosts = false;
        int blockIndent = -1;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var body = line.TrimStart(' ');
            if (body.Length == 0 || body[0] == '#' || body.StartsWith("---", StringComparison.Ordinal)) continue;
            int indent = line.Length - body.Length;
            int colon = Key(body);
            if (colon <= 0) continue;
            var key = body[..colon].Trim().Trim('"', '\'');
            if (indent == 0)
            {
                top.Add(key);
                inHosts = key == "hosts";
                blockIndent = -1;
                if (key == "host") host = StripComment(body[(colon + 1)..]);
                continue;
            }
            if (!inHosts) continue;
            if (blockIndent < 0) blockIndent = indent;
            if (indent == blockIndent) block.Add(key);
        }
        return new Parsed(top, host, block);
    }

    // The colon that ends a key (followed by a blank or the line's end), outside quotes; -1 if none.
    private static int Key(string s)
    {
        char quote = '\0';
        for (int i = 0; i < s.Length; i++)
        {
            if (quote != '\0') { if (s[i] == quote) quote = '\0'; continue; }
            if (s[i] is '"' or '\'' && i == 0) { quote = s[i]; continue; }
            if (s[i] == ':' && (i + 1 == s.Length || s[i + 1] is ' ' or '\t')) return i;
        }
        return -1;
    }

    private static string? StripComment(string v)
    {
        v = v.Trim();
        int hash = v.IndexOf(" #", StringComparison.Ordinal);
        if (hash >= 0) v = v[..hash].Trim();
        return v.Length == 0 ? null : v;
    }
}
