using AgentShell.Core.Model;

namespace AgentShell.Core.Policy;

/// <summary>Lexical path helpers for rule <c>Paths</c>: resolve a target path against the exec's
/// HOME and working directory and collapse <c>.</c>, <c>..</c> and repeated slashes, without
/// touching the file system (symlinks are not followed).</summary>
public static class LocalPaths
{
    /// <summary>Drops trailing slashes ("/" becomes "").</summary>
    public static string TrimTrailingSlash(string s) => s.TrimEnd('/');

    /// <summary>Drops trailing slashes ("/" becomes "").</summary>
    public static ReadOnlySpan<char> TrimTrailingSlash(ReadOnlySpan<char> s) => s.TrimEnd('/');

    /// <summary>The absolute, normalised form of <paramref name="path"/> as the exec would see it,
    /// or null when it is relative and the working directory is unknown.</summary>
    public static string? Resolve(string path, IExecContext? ctx)
    {
        if (path.Length == 0) return null;
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            string? home = ctx?.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) return null;
            path = home + path[1..];
        }
        else if (path[0] != '/')
        {
            string? cwd = ctx?.WorkingDirectory;
            if (string.IsNullOrEmpty(cwd) || cwd[0] != '/') return null;
            path = cwd + "/" + path;
        }
        return Normalize(path);
    }

    /// <summary>Collapses <c>.</c>, <c>..</c> and empty segments of an absolute path.</summary>
    public static string Normalize(string absolute)
    {
        if (IsNormal(absolute)) return absolute; // PERF: most paths are already normal: no split, list or join
        var parts = new List<string>();
        foreach (var seg in absolute.Split('/'))
        {
            if (seg.Length == 0 || seg == ".") continue;
            if (seg == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(seg);
        }
        return "/" + string.Join('/', parts);
    }

    // True when Normalize would give back the same text: absolute, no empty, "." or ".." segment.
    private static bool IsNormal(string p)
    {
        if (p.Length == 0 || p[0] != '/') return false;
        if (p.Length == 1) return true;
        if (p[^1] == '/') return false;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] != '/') continue;
            // The segment after this slash: empty, "." or "..".
            int n = i + 1 < p.Length ? p.IndexOf('/', i + 1) : p.Length;
            int len = (n < 0 ? p.Length : n) - (i + 1);
            if (len == 0 || (len <= 2 && p[i + 1] == '.' && (len == 1 || p[i + 2] == '.'))) return false;
        }
        return true;
    }

    /// <summary>The nearest directory at or above <paramref name="directory"/> that holds a
    /// <c>.git</c> directory or file (read through <paramref name="ctx"/>), or null.</summary>
    public static string? FindRepositoryRoot(string directory, IExecContext ctx)
    {
        string? dir = Normalize(directory);
        while (dir != null)
        {
            string prefix = dir == "/" ? "" : dir;
            if (ctx.ReadFile(prefix + "/.git/HEAD", 1) != null || ctx.ReadFile(prefix + "/.git", 1) != null) return dir;
            if (dir == "/") return null;
            int slash = dir.LastIndexOf('/');
            dir = slash <= 0 ? "/" : dir[..slash];
        }
        return null;
    }

    /// <summary>The part of <paramref name="path"/> below <paramref name="root"/> ("" for the root
    /// itself, "/x/y" below it), or null when the path is not inside it.</summary>
    public static string? Below(string path, string? root)
    {
        if (string.IsNullOrEmpty(root)) return null;
        root = root.Length > 1 ? TrimTrailingSlash(root) : root;
        if (root == "/") return path == "/" ? "" : path;
        if (!path.StartsWith(root, StringComparison.Ordinal)) return null;
        if (path.Length == root.Length) return "";
        return path[root.Length] == '/' ? path[root.Length..] : null;
    }
}
