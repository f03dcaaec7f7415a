using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Splits a URL the way clients do: scheme, userinfo (dropped), host (brackets removed,
/// lower-cased, trailing dot dropped), port, path.</summary>
public static class UrlParser
{
    /// <summary>Parses <paramref name="url"/>; a URL without a scheme gets <paramref name="defaultScheme"/>.</summary>
    public static bool TryParse(string url, string defaultScheme, out Target target) => TryParse(url, defaultScheme, null, out target);

    /// <summary>As <see cref="TryParse(string, string, out Target)"/>; the target carries
    /// <paramref name="name"/> (a platform app's) as its <see cref="Target.Name"/>. PERF: one target
    /// made, not a parsed one and a copy with the name.</summary>
    internal static bool TryParse(string url, string defaultScheme, string? name, out Target target)
    {
        target = null!;
        if (string.IsNullOrEmpty(url)) return false;
        string scheme = defaultScheme;
        ReadOnlySpan<char> rest = url;
        int sep = SchemeLength(url);
        if (sep > 0)
        {
            // curl takes "http:/host" and "http:///host" as "http://host".
            // PERF: the common schemes are the shared literals, not a new string per URL.
            var given = url.AsSpan(0, sep);
            scheme = given.SequenceEqual("https") ? "https" : given.SequenceEqual("http") ? "http" : url[..sep].ToLowerInvariant();
            int slashes = 0;
            while (sep + 1 + slashes < url.Length && url[sep + 1 + slashes] == '/' && slashes < 3) slashes++;
            rest = rest[(sep + 1 + slashes)..];
        }
        int pathStart = rest.IndexOfAny('/', '?', '#');
        var authority = pathStart >= 0 ? rest[..pathStart] : rest;
        string path = pathStart >= 0 ? rest[pathStart..].ToString() : "/";
        if (path.Length > 0 && path[0] != '/') path = "/" + path;
        int at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        // PERF: the host (trailing dot dropped, lower-cased) is made from its span: one string, not a
        // copy, a trimmed copy and a lower-cased one.
        string host;
        int? port = null;
        if (authority.Length > 0 && authority[0] == '[')
        {
            int close = authority.IndexOf(']');
            if (close < 0) return false;
            host = InvariantCase.Lower(authority[1..close].TrimEnd('.'));
            var after = authority[(close + 1)..];
            if (after.Length > 1 && after[0] == ':' && int.TryParse(after[1..], out int p6)) port = p6;
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            if (colon >= 0)
            {
                if (int.TryParse(authority[(colon + 1)..], out int p)) port = p;
                authority = authority[..colon];
            }
            host = InvariantCase.Lower(authority.TrimEnd('.'));
        }
        if (host.Length == 0) return false;
        target = new Target { Kind = TargetKind.Url, Scheme = scheme, Host = host, Port = port, Path = path, Name = name ?? PlatformApiApps.Name(host, path) };
        return true;
    }

    /// <summary>Length of the scheme of <paramref name="url"/> (letters, digits, <c>+-.</c>, then
    /// <c>:/</c>, as curl recognises one), or 0 when it has none (<c>host:8080/x</c>).</summary>
    public static int SchemeLength(string url)
    {
        if (url.Length == 0 || !char.IsAsciiLetter(url[0])) return 0;
        int i = 1;
        while (i < url.Length && (char.IsAsciiLetterOrDigit(url[i]) || url[i] is '+' or '-' or '.')) i++;
        return i + 1 < url.Length && url[i] == ':' && url[i + 1] == '/' ? i : 0;
    }
}
