using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>The repository a URL target names, as the profiles' <c>Repositories</c> write it
/// (<c>host/owner/repo</c>): a git remote (<c>https://github.com/acme/api.git</c>,
/// <c>ssh://git@github.com/acme/api</c>), GitHub's API (<c>api.github.com/repos/acme/api/…</c>,
/// Enterprise <c>HOST/api/v3/repos/…</c>, gh's <c>-R HOST/OWNER/REPO</c> and URL forms) and
/// GitLab's (<c>HOST/api/v4/projects/acme%2Fapi/…</c>). One key per URL, so <c>gh repo delete
/// acme/api</c>, <c>gh api -X DELETE repos/acme/api</c>, curl to the API and a push to the remote
/// agree.</summary>
public static class CodeHosts
{
    /// <summary>The longest key written; a longer one is not a repository any profile names.</summary>
    public const int MaxKey = 512;

    /// <summary>Why <paramref name="pattern"/> cannot name repositories, or null. Written as
    /// <c>host/owner/repo</c> (GitLab subgroups add segments; <c>*</c> matches any run of characters):
    /// no scheme, user or <c>.git</c>, since the key they are matched against has none.</summary>
    public static string? CheckPattern(string pattern)
    {
        if (pattern.Length == 0) return "empty";
        if (pattern.Contains("://", StringComparison.Ordinal) || pattern.Contains('@') || pattern.Contains(':'))
            return "write host/owner/repo without a scheme, user or ':' (github.com/acme/api, not https://github.com/acme/api or git@github.com:acme/api)";
        if (pattern.Any(c => char.IsWhiteSpace(c) || c is '?' or '#' or '\\' or '%'))
            return "a space, '?', '#', '\\' or '%' cannot be part of a repository name";
        if (pattern.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) return "drop the '.git' (github.com/acme/api names the remotes with and without it)";
        var parts = pattern.Split('/');
        if (parts.Length < 3 || parts.Any(p => p.Length == 0))
            return "write host/owner/repo (github.com/acme/api, gitlab.com/acme/*): the host first, no empty segment";
        if (!parts[0].Contains('.') && !parts[0].Contains('*') && parts[0] != "localhost")
            return $"the first segment '{parts[0]}' must be the host (github.com/{pattern})";
        return null;
    }

    /// <summary>Writes the repository key of <paramref name="t"/> (lower-case host, then the
    /// path's owner/repo without <c>.git</c>) into <paramref name="dest"/>; its length, or 0 when
    /// the URL names no repository.</summary>
    public static int RepositoryKey(Target t, Span<char> dest)
    {
        if (t.Kind != TargetKind.Url || t.Host == null || t.Path == null) return 0;
        ReadOnlySpan<char> raw = t.Path;
        scoped ReadOnlySpan<char> host = t.Host;
        int end = raw.IndexOfAny('?', '#');
        if (end >= 0) raw = raw[..end];
        // Spellings a server takes as the same path: doubled slashes, %-escaped unreserved characters
        // (%2F is kept: GitLab's encoded project path). The host is lower-case without a trailing dot
        // (UrlParser); a port or user names no other repository; www. of a code host is the host.
        Span<char> norm = stackalloc char[Math.Min(raw.Length, MaxKey)];
        ReadOnlySpan<char> p = norm[..NormalisePath(raw, norm)].TrimStart('/');
        if (host.StartsWith("www.") && host[4..] is "github.com" or "gitlab.com" or "bitbucket.org") host = host[4..];
        // A repository by its numeric id: GitHub's repositories/N, GitLab's projects/N (IdKey).
        if (host.SequenceEqual("api.github.com") && p.StartsWith("repositories/")) return WriteId(dest, "github.com", p[13..]);
        if (p.StartsWith("api/v3/repositories/")) return WriteId(dest, host, p[20..]);
        if (p.StartsWith("api/v4/projects/") && WriteId(dest, host, p[16..]) is int byId and > 0) return byId;
        if (host.SequenceEqual("api.github.com") && !p.StartsWith("repos/")) return 0;
        if (host.SequenceEqual("api.github.com") || p.StartsWith("api/v3/repos/"))
        {
            p = p[(p.StartsWith("repos/") ? 6 : 13)..];
            if (host.SequenceEqual("api.github.com")) host = "github.com";
            // gh -R https://github.com/O/R or -R HOST/O/R put in the API's template.
            if (p.StartsWith("https:") || p.StartsWith("http:")) p = p[(p.IndexOf(':') + 1)..].TrimStart('/');
            if (p.IndexOf('/') is int s && s > 0 && p[..s].Contains('.')) { host = p[..s]; p = p[(s + 1)..]; }
            return Write(dest, host, Segments(p, 2));
        }
        if (p.StartsWith("api/v4/projects/"))
        {
            p = p[16..];
            int slash = p.IndexOf('/');
            var first = slash < 0 ? p : p[..slash];
            if (first.Contains("%2F", StringComparison.OrdinalIgnoreCase)) return WriteDecoded(dest, host, first);
            if (first.IsEmpty) return 0;
            return Write(dest, host, p); // glab's -R template: the path itself
        }
        if (!(t.Scheme is "https" or "http" or "ssh" or "git" or "git+ssh" or "ssh+git")) return 0;
        return Write(dest, host, host.SequenceEqual("github.com") ? Segments(p, 2) : p);
    }

    // Collapses runs of '/' and decodes %XX of an unreserved character; its length in dest (cut at dest's end).
    private static int NormalisePath(ReadOnlySpan<char> path, Span<char> dest)
    {
        int n = 0;
        for (int i = 0; i < path.Length && n < dest.Length; i++)
        {
            char c = path[i];
            if (c == '%' && i + 2 < path.Length && Hex(path[i + 1]) is int hi && Hex(path[i + 2]) is int lo
                && (char)(hi * 16 + lo) is char d && (char.IsAsciiLetterOrDigit(d) || d is '-' or '.' or '_' or '~'))
            {
                c = d;
                i += 2;
            }
            if (c == '/' && n > 0 && dest[n - 1] == '/') continue;
            dest[n++] = c;
        }
        return n;
    }

    private static int? Hex(char c) => !char.IsAsciiHexDigit(c) ? null : c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The key of the repository whose numeric id on <paramref name="host"/> is <paramref name="id"/>:
    /// <c>host/#id</c> (no repository path holds '#', and CheckPattern refuses it in a glob).</summary>
    public static string IdKey(string host, long id) => $"{host.ToLowerInvariant()}/#{id}";

    /// <summary>The repository a GraphQL id names, as the REST URL on <paramref name="endpoint"/>'s host that
    /// names it by number (so <see cref="RepositoryKey"/> gives its <see cref="IdKey"/>): GitHub's node ids,
    /// old (<c>MDEwOlJlcG9zaXRvcnkxMjM=</c>, base64 of <c>010:Repository123</c>) and new (<c>R_</c> and
    /// base64url of the MessagePack array <c>[0, 123]</c>), to <c>repositories/123</c>; GitLab's
    /// <c>gid://gitlab/Project/123</c> to <c>api/v4/projects/123</c>. Null for another id.</summary>
    public static Target? NodeRepository(Target endpoint, string id)
    {
        if (endpoint.Kind != TargetKind.Url || endpoint.Host == null) return null;
        string scheme = endpoint.Scheme ?? "https", host = endpoint.Port is int port ? $"{endpoint.Host}:{port}" : endpoint.Host;
        string? url = null;
        const string gid = "gid://gitlab/Project/";
        if (id.StartsWith(gid, StringComparison.Ordinal) && long.TryParse(id.AsSpan(gid.Length), System.Globalization.NumberStyles.None, null, out long project))
            url = $"{scheme}://{host}/api/v4/projects/{project}";
        else if (GitHubNodeNumber(id) is long n)
            url = endpoint.Host == "api.github.com" ? $"https://api.github.com/repositories/{n}" : $"{scheme}://{host}/api/v3/repositories/{n}";
        return url != null && Tools.UrlParser.TryParse(url, "https", out var t) ? t : null;
    }

    /// <summary>curl and the other HTTP clients: every repository id a GraphQL body gave
    /// (<see cref="Tools.HttpBody.RepositoryIdFact"/>) becomes a target beside each GraphQL endpoint
    /// (a path ending in <c>graphql</c>) of <paramref name="targets"/> from <paramref name="first"/> on.</summary>
    public static void AddGraphQLRepositories(List<Target> targets, int first, List<Evidence> evidence)
    {
        int end = targets.Count, count = evidence.Count;
        for (int k = 0; k < count; k++)
        {
            if (evidence[k].Fact != Tools.HttpBody.RepositoryIdFact) continue;
            for (int i = first; i < end; i++)
                if (targets[i].Path is string p && p.TrimEnd('/').EndsWith("graphql", StringComparison.OrdinalIgnoreCase) && NodeRepository(targets[i], evidence[k].Token) is Target t)
                {
                    targets.Add(t);
                    evidence.Add(new(evidence[k].Token, $"repository {t}"));
                }
        }
    }

    private static long? GitHubNodeNumber(string id)
    {
        if (id.StartsWith("R_", StringComparison.Ordinal))
        {
            var b = Base64(id[2..].Replace('-', '+').Replace('_', '/'));
            if (b == null || b.Length < 3 || b[0] != 0x92 || b[1] != 0x00) return null; // [0, id]
            int size = b[2] switch { < 0x80 => 0, 0xcc => 1, 0xcd => 2, 0xce => 4, 0xcf => 8, _ => -1 };
            if (size < 0 || b.Length != 3 + size) return null;
            if (size == 0) return b[2];
            ulong v = 0;
            for (int i = 3; i < b.Length; i++) v = v << 8 | b[i];
            return v is > 0 and <= long.MaxValue ? (long)v : null;
        }
        var text = Base64(id) is byte[] raw ? System.Text.Encoding.ASCII.GetString(raw) : null;
        int at = text?.IndexOf(":Repository", StringComparison.Ordinal) ?? -1;
        return at > 0 && text!.AsSpan(0, at).IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(text.AsSpan(at + 11), System.Globalization.NumberStyles.None, null, out long legacy) ? legacy : null;
    }

    private static byte[]? Base64(string s)
    {
        if (s.Length == 0 || s.Length > 64) return null;
        s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
        try { return Convert.FromBase64String(s); }
        catch (FormatException) { return null; }
    }

    private static int WriteId(Span<char> dest, ReadOnlySpan<char> host, ReadOnlySpan<char> rest)
    {
        int slash = rest.IndexOf('/');
        var id = slash < 0 ? rest : rest[..slash];
        if (id.IsEmpty || id.Length > 19 || id.ContainsAnyExceptInRange('0', '9') || host.Length + 2 + id.Length > dest.Length) return 0;
        host.CopyTo(dest);
        dest[host.Length] = '/';
        dest[host.Length + 1] = '#';
        id.CopyTo(dest[(host.Length + 2)..]);
        return host.Length + 2 + id.Length;
    }

    private static ReadOnlySpan<char> Segments(ReadOnlySpan<char> p, int count)
    {
        int at = -1;
        for (int i = 0; i < count; i++)
        {
            int next = p[(at + 1)..].IndexOf('/');
            if (next < 0) return i == count - 1 ? p : default;
            at += next + 1;
        }
        return p[..at];
    }

    private static int Write(Span<char> dest, ReadOnlySpan<char> host, ReadOnlySpan<char> path)
    {
        path = path.TrimEnd('/');
        if (path.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) path = path[..^4];
        if (path.IsEmpty || path.IndexOf('/') <= 0 || host.Length + 1 + path.Length > dest.Length) return 0;
        host.CopyTo(dest);
        dest[host.Length] = '/';
        path.CopyTo(dest[(host.Length + 1)..]);
        return host.Length + 1 + path.Length;
    }

    private static int WriteDecoded(Span<char> dest, ReadOnlySpan<char> host, ReadOnlySpan<char> encoded)
    {
        Span<char> path = stackalloc char[Math.Min(encoded.Length, MaxKey)];
        int n = 0;
        for (int i = 0; i < encoded.Length && n < path.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length && encoded.Slice(i + 1, 2) is "2F" or "2f") { path[n++] = '/'; i += 2; }
            else path[n++] = encoded[i];
        }
        return Write(dest, host, path[..n]);
    }
}
