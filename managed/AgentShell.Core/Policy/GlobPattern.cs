namespace AgentShell.Core.Policy;

/// <summary>The one glob matcher of profiles and tool tables. Only <c>*</c> is special. Name globs
/// (kube contexts, cloud profiles, workspaces, env var values) match case-insensitively and
/// <c>*</c> matches any run of characters. Word globs (one word of a tool's subcommand pattern,
/// <c>apps destroy</c>, <c>ps:scale *=0</c>) are the same but case-sensitive, as the CLIs are.
/// Path globs (rule <c>Paths</c>) match case-sensitively, <c>*</c> stays within one path segment
/// and <c>**</c> crosses segments; a path glob may start with <c>~</c> (the exec's HOME),
/// <c>{cwd}</c> (its working directory) or <c>{repo}</c> (the git repository around the working
/// directory). Compiled to an exact, prefix, suffix or segment matcher; no regex.</summary>
public sealed class GlobPattern
{
    private enum Shape : byte { Exact, Prefix, Suffix, General }

    private readonly Shape _shape;
    private readonly string _literal; // Exact: whole text; Prefix/Suffix: the literal part; General: body
    private readonly bool _path;
    private readonly StringComparison _cmp;
    private readonly string[]? _parts; // General name and word globs: the literals between the stars

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    /// <summary>Where a path glob is anchored.</summary>
    public PathAnchor Anchor { get; }

    /// <summary>Characters that are not wildcards; a longer literal is a more specific pattern.</summary>
    public int LiteralLength { get; }

    /// <summary>True when the pattern has no wildcard.</summary>
    public bool IsExact => _shape == Shape.Exact;

    private GlobPattern(string text, string body, bool path, PathAnchor anchor, StringComparison cmp)
    {
        Text = text;
        _path = path;
        Anchor = anchor;
        _cmp = cmp;
        LiteralLength = body.Count(c => c != '*');
        int stars = body.Count(c => c == '*');
        if (stars == 0) { _shape = Shape.Exact; _literal = body; }
        else if (stars == 1 && body[^1] == '*' && !path) { _shape = Shape.Prefix; _literal = body[..^1]; }
        else if (stars == 1 && body[0] == '*' && !path) { _shape = Shape.Suffix; _literal = body[1..]; }
        else { _shape = Shape.General; _literal = body; _parts = path ? null : body.Split('*'); }
    }

    /// <summary>Parses a name glob (case-insensitive, <c>*</c> matches anything).</summary>
    public static bool TryParseName(string text, out GlobPattern glob, out string error)
    {
        glob = null!;
        error = "";
        if (text.Length == 0 || text.Trim().Length != text.Length) { error = "empty pattern or surrounding spaces"; return false; }
        if (!CheckWildcards(text, allowDoubleStar: false, out error)) return false;
        glob = new GlobPattern(text, text, path: false, PathAnchor.Root, StringComparison.OrdinalIgnoreCase);
        return true;
    }

    /// <summary>Parses a word glob (one word of a subcommand pattern: case-sensitive, <c>*</c>
    /// matches anything, no spaces).</summary>
    public static bool TryParseWord(string text, out GlobPattern glob, out string error)
    {
        glob = null!;
        error = "";
        if (text.Length == 0 || text.Any(char.IsWhiteSpace)) { error = "empty word or spaces"; return false; }
        if (!CheckWildcards(text, allowDoubleStar: false, out error)) return false;
        glob = new GlobPattern(text, text, path: false, PathAnchor.Root, StringComparison.Ordinal);
        return true;
    }

    /// <summary>Parses a path glob: absolute, or starting with <c>~</c>, <c>{cwd}</c> or <c>{repo}</c>.</summary>
    public static bool TryParsePath(string text, out GlobPattern glob, out string error)
    {
        glob = null!;
        error = "";
        string body;
        PathAnchor anchor;
        if (text.StartsWith('~')) { anchor = PathAnchor.Home; body = text[1..]; }
        else if (text.StartsWith("{cwd}", StringComparison.Ordinal)) { anchor = PathAnchor.WorkingDirectory; body = text[5..]; }
        else if (text.StartsWith("{repo}", StringComparison.Ordinal)) { anchor = PathAnchor.Repository; body = text[6..]; }
        else if (text.StartsWith('/')) { anchor = PathAnchor.Root; body = text; }
        else { error = "a path pattern must start with '/', '~', '{cwd}' or '{repo}'"; return false; }
        if (anchor != PathAnchor.Root && body.Length > 0 && body[0] != '/')
        {
            error = $"after '{text[..(text.Length - body.Length)]}' a path pattern continues with '/'";
            return false;
        }
        if (!CheckWildcards(body, allowDoubleStar: true, out error)) return false;
        body = LocalPaths.TrimTrailingSlash(body);
        glob = new GlobPattern(text, body, path: true, anchor, StringComparison.Ordinal);
        return true;
    }

    private static bool CheckWildcards(string s, bool allowDoubleStar, out string error)
    {
        error = "";
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '?' or '[' or ']' or '{' or '}' or '\\')
            {
                error = $"'{c}' is not supported (only '*' is a wildcard)";
                return false;
            }
            if (c == '*' && i + 1 < s.Length && s[i + 1] == '*')
            {
                if (!allowDoubleStar) { error = "'**' is not supported here; use a single '*'"; return false; }
                if (i + 2 < s.Length && s[i + 2] == '*') { error = "'***' is not a valid wildcard"; return false; }
            }
        }
        return true;
    }

    /// <summary>Matches a name (name and word globs) or an already anchored, normalised path body (path
    /// globs: the part after HOME / cwd / repository root, or the whole absolute path).</summary>
    public bool Matches(ReadOnlySpan<char> value)
    {
        if (_path) value = LocalPaths.TrimTrailingSlash(value);
        return _shape switch
        {
            Shape.Exact => value.Equals(_literal, _cmp),
            Shape.Prefix => value.StartsWith(_literal, _cmp),
            Shape.Suffix => value.EndsWith(_literal, _cmp),
            _ => _parts != null ? MatchParts(_parts, value, _cmp) : MatchGeneral(_literal, value),
        };
    }

    // PERF: a name or word glob with stars inside ("*/prod-*", "*/*-prod": kube contexts and Terraform
    // workspaces of the default profile) without backtracking: the first literal is a prefix, the
    // last a suffix, and each one between is found leftmost in what remains. Leftmost is never
    // wrong when '*' matches any run, so this is the recursive match's answer, in one pass.
    private static bool MatchParts(string[] parts, ReadOnlySpan<char> v, StringComparison cmp)
    {
        string first = parts[0], last = parts[^1];
        if (v.Length < first.Length + last.Length || !v.StartsWith(first, cmp) || !v.EndsWith(last, cmp)) return false;
        var rest = v[first.Length..^last.Length];
        for (int k = 1; k < parts.Length - 1; k++)
        {
            int at = rest.IndexOf(parts[k], cmp);
            if (at < 0) return false;
            rest = rest[(at + parts[k].Length)..];
        }
        return true;
    }

    // Iterative wildcard match with single-star backtracking; '*' in path globs stops at '/'.
    private bool MatchGeneral(ReadOnlySpan<char> p, ReadOnlySpan<char> v)
    {
        if (p.IsEmpty) return v.IsEmpty;
        if (p[0] == '*')
        {
            bool dbl = p.Length > 1 && p[1] == '*';
            var rest = p[(dbl ? 2 : 1)..];
            for (int i = 0; i <= v.Length; i++)
            {
                if (MatchGeneral(rest, v[i..])) return true;
                if (i < v.Length && _path && !dbl && v[i] == '/') return false;
            }
            return false;
        }
        int lit = p.IndexOf('*');
        var head = lit < 0 ? p : p[..lit];
        if (v.Length < head.Length || !v[..head.Length].Equals(head, _cmp)) return false;
        return lit < 0 ? v.Length == head.Length : MatchGeneral(p[lit..], v[head.Length..]);
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}

/// <summary>What a path glob is relative to.</summary>
public enum PathAnchor : byte
{
    /// <summary>An absolute pattern.</summary>
    Root,
    /// <summary><c>~</c>: the exec's HOME.</summary>
    Home,
    /// <summary><c>{cwd}</c>: the exec's working directory.</summary>
    WorkingDirectory,
    /// <summary><c>{repo}</c>: the nearest directory at or above the working directory that holds <c>.git</c>.</summary>
    Repository,
}
