using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Builds database targets from the pieces SQL clients take: flags, URIs, conninfo
/// strings, environment variables.</summary>
public static class DbTarget
{
    /// <summary>A database target; <paramref name="port"/> defaults to the scheme's port.</summary>
    public static Target Make(string scheme, string? host, string? port, string? database, int defaultPort)
    {
        int? p = int.TryParse(port, out var v) ? v : defaultPort;
        // A socket directory ("/var/run/postgresql") is this machine.
        if (host != null && (host.StartsWith('/') || host.StartsWith('@'))) host = null;
        return new Target { Kind = TargetKind.Database, Scheme = scheme, Host = string.IsNullOrEmpty(host) ? null : InvariantCase.Lower(host).TrimEnd('.'), Port = p, Database = string.IsNullOrEmpty(database) ? null : database };
    }

    /// <summary>True for text a shell left as it was: a variable it could not expand (<c>$DATABASE_URL</c>,
    /// <c>${REDIS_URL}</c>), in check or a hook. As a connection argument it is a URI whose server is
    /// not known, never the name of a local database.</summary>
    public static bool IsUnexpanded(string s) => s.Length > 1 && s[0] == '$' && (char.IsAsciiLetter(s[1]) || s[1] is '_' or '{');

    /// <summary>Parses <c>scheme://user:pw@host:port/db?...</c>; false when it is not a URI.</summary>
    public static bool TryParseUri(string s, out string? host, out string? port, out string? database)
    {
        host = port = database = null;
        int sep = s.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0) return false;
        var rest = s[(sep + 3)..];
        int q = rest.IndexOf('?');
        string query = q >= 0 ? rest[(q + 1)..] : "";
        if (q >= 0) rest = rest[..q];
        int slash = rest.IndexOf('/');
        var authority = slash >= 0 ? rest[..slash] : rest;
        if (slash >= 0 && slash + 1 < rest.Length) database = Uri.UnescapeDataString(rest[(slash + 1)..]);
        int at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        int comma = authority.IndexOf(',');
        if (comma >= 0) authority = authority[..comma]; // multi-host: the first one
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close > 0) { host = authority[1..close]; if (close + 2 < authority.Length) port = authority[(close + 2)..]; }
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            if (colon >= 0) { host = authority[..colon]; port = authority[(colon + 1)..]; }
            else host = authority;
        }
        if (host?.Length == 0) host = null;
        foreach (var kv in query.Split('&'))
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) continue;
            var k = kv[..eq];
            var val = Uri.UnescapeDataString(kv[(eq + 1)..]);
            if (k == "host") host = val;
            else if (k == "port") port = val;
            else if (k is "dbname" or "database") database = val;
        }
        if (host != null) host = Uri.UnescapeDataString(host);
        return true;
    }

    /// <summary>Every host of a URI's authority, for clients that take a list (libpq:
    /// <c>postgresql://a:5432,b,[::1]:5433/db</c>), with its port when it has one.</summary>
    public static List<(string Host, string? Port)> UriHosts(string s)
    {
        var hosts = new List<(string, string?)>();
        int sep = s.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0) return hosts;
        var rest = s[(sep + 3)..];
        int end = rest.IndexOfAny(['/', '?']);
        var authority = end >= 0 ? rest[..end] : rest;
        int at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        foreach (var part in authority.Split(','))
        {
            string? host, port = null;
            if (part.StartsWith('['))
            {
                int close = part.IndexOf(']');
                host = close > 0 ? part[1..close] : part;
                if (close > 0 && close + 2 < part.Length) port = part[(close + 2)..];
            }
            else
            {
                int colon = part.LastIndexOf(':');
                host = colon >= 0 ? part[..colon] : part;
                if (colon >= 0) port = part[(colon + 1)..];
            }
            hosts.Add((Uri.UnescapeDataString(host), port));
        }
        return hosts;
    }

    // What a string that is not a conninfo gets: shared, so typed read-only for every caller.
    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();

    /// <summary>Parses go-sql-driver/mysql's DSN, <c>[user[:pw]@]tcp(host[:port])/db[?params]</c>, also after
    /// <c>mysql://</c> (golang-migrate); false for any other text.</summary>
    public static bool TryParseGoMysql(string s, out string? host, out string? port, out string? database)
    {
        host = port = database = null;
        int open = s.IndexOf("tcp(", StringComparison.Ordinal), close = open < 0 ? -1 : s.IndexOf(')', open);
        if (open < 0 || close < 0 || (open > 0 && s[open - 1] is not ('@' or '/'))) return false;
        var addr = s[(open + 4)..close];
        int colon = addr.LastIndexOf(':');
        (host, port) = colon > 0 && addr.IndexOf(']') < colon ? (addr[..colon].Trim('[', ']'), addr[(colon + 1)..]) : (addr.Trim('[', ']'), null);
        var rest = s[(close + 1)..];
        if (rest.StartsWith('/')) database = rest[1..].Split('?')[0] is { Length: > 0 } d ? d : null;
        return host.Length > 0;
    }

    /// <summary>Parses a libpq conninfo string (<c>host=h port=5 dbname='d b'</c>); false when
    /// <paramref name="s"/> has no <c>key=value</c>.</summary>
    public static bool TryParseConninfo(string s, out IReadOnlyDictionary<string, string> values)
    {
        // PERF: a plain database name (no '=') is not a conninfo: no dictionary for it.
        if (!s.Contains('=')) { values = NoValues; return false; }
        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        values = parsed;
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            int ks = i;
            while (i < s.Length && s[i] != '=' && !char.IsWhiteSpace(s[i])) i++;
            var key = s[ks..i];
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length || s[i] != '=') { if (key.Length == 0) break; return false; }
            i++;
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            var sb = new System.Text.StringBuilder();
            if (i < s.Length && s[i] == '\'')
            {
                i++;
                while (i < s.Length && s[i] != '\'') { if (s[i] == '\\' && i + 1 < s.Length) i++; sb.Append(s[i++]); }
                i++;
            }
            else while (i < s.Length && !char.IsWhiteSpace(s[i])) { if (s[i] == '\\' && i + 1 < s.Length) i++; sb.Append(s[i++]); }
            parsed[key] = sb.ToString();
        }
        return parsed.Count > 0;
    }
}
