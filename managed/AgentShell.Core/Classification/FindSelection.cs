using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>The files a <c>find</c> command selects, computed as find would walk the tree, for the
/// common expressions only: starting points, <c>-name</c>/<c>-iname</c>, <c>-path</c>/<c>-ipath</c>/<c>-wholename</c>,
/// <c>-type f|d</c>, <c>-maxdepth</c>/<c>-mindepth</c>, <c>-a</c>, and the actions. Anything else (<c>-o</c>, <c>!</c>,
/// parentheses, <c>-newer</c>, <c>-L</c>) or a tree past the bounds is not computed (null): what runs
/// on the found files is then not known. <c>find . -name x.sh -exec sh {} \;</c> runs the script
/// find selects: reading it needs the selection.</summary>
internal static class FindSelection
{
    /// <summary>Directory entries one selection may visit, and files it may return.</summary>
    public const int MaxEntries = 2000, MaxFiles = 16;

    /// <summary>True when <paramref name="cmd"/> (what find -exec or xargs runs per file) may run a found
    /// file's text: a shell, an interpreter, or a -c string naming {}. PERF: only then is the tree walked
    /// (find . -name '*.log' -exec grep … {} + reads nothing it finds as a program).</summary>
    public static bool RunsFound(IReadOnlyList<string> cmd, int from = 0)
    {
        for (int i = from; i < cmd.Count; i++)
        {
            var name = Path.GetFileName(cmd[i]);
            if (name is "sh" or "bash" or "dash" or "zsh" or "ksh" or "mksh" or "ash" or "source" or "." or "node" or "nodejs" or "perl" or "ruby"
                or "bun" or "deno" or "zx" or "tsx" or "ts-node" or "php" || name.StartsWith("python", StringComparison.Ordinal)) return true;
            if (cmd[i].Contains("{}", StringComparison.Ordinal) && cmd[i].Contains(' ')) return true;
        }
        return false;
    }

    /// <summary>The paths find <paramref name="w"/>[<paramref name="s"/>..] prints (or hands to an
    /// action), as it spells them (<c>./scripts/x.sh</c>); null when they cannot be computed here.
    /// <paramref name="prints"/>: find's own output is those paths (no action but -print/-print0),
    /// <paramref name="nul"/>: separated by NUL (-print0).</summary>
    public static List<string>? Files(IReadOnlyList<string> w, int s, IExecContext ctx, out bool prints, out bool nul)
    {
        prints = true; nul = false;
        int i = s + 1;
        while (i < w.Count && w[i] is "-P" or "-H") i++; // -L (follow links) is not modelled
        var roots = new List<string>();
        for (; i < w.Count && !w[i].StartsWith('-') && w[i] is not ("(" or "!" or ")"); i++) roots.Add(w[i]);
        if (roots.Count == 0) roots.Add(".");
        var names = new List<(string Glob, bool Fold, bool Path)>();
        char type = '\0';
        int maxDepth = int.MaxValue, minDepth = 0;
        for (; i < w.Count; i++)
        {
            var a = w[i];
            switch (a)
            {
                case "-name" or "-iname" or "-path" or "-ipath" or "-wholename" or "-iwholename" when i + 1 < w.Count:
                    names.Add((w[++i], a[1] == 'i', a.EndsWith("path", StringComparison.Ordinal) || a.EndsWith("wholename", StringComparison.Ordinal)));
                    break;
                case "-type" when i + 1 < w.Count && w[i + 1] is "f" or "d":
                    type = w[++i][0];
                    break;
                case "-maxdepth" or "-mindepth" when i + 1 < w.Count && int.TryParse(w[i + 1], out int n) && n >= 0:
                    if (a == "-maxdepth") maxDepth = n; else minDepth = n;
                    i++;
                    break;
                case "-a" or "-and" or "-print" or "-xdev" or "-mount" or "-depth" or "-noleaf" or "-ignore_readdir_race":
                    break;
                case "-print0":
                    nul = true;
                    break;
                case "-exec" or "-execdir" or "-ok" or "-okdir":
                    prints = false;
                    while (i < w.Count && w[i] is not (";" or "+")) i++;
                    break;
                case "-delete" or "-quit" or "-ls" or "-fprint":
                    prints = false;
                    break;
                default:
                    return null;
            }
        }
        var found = new List<string>();
        int visited = 0;
        foreach (var root in roots)
            if (!Walk(root, BaseName(root), 0, true, names, type, minDepth, maxDepth, ctx, found, ref visited)) return null;
        return found;
    }

    // -name matches a starting point by its last component, as find does (/srv/x/ → x; / stays /).
    private static string BaseName(string root)
    {
        var t = root.TrimEnd('/');
        return t.Length == 0 ? root : Path.GetFileName(t);
    }

    private static bool Walk(string path, string name, int depth, bool directory, List<(string Glob, bool Fold, bool Path)> names, char type,
        int minDepth, int maxDepth, IExecContext ctx, List<string> found, ref int visited)
    {
        if (++visited > MaxEntries) return false;
        bool match = depth >= minDepth && (type == '\0' || (type == 'd') == directory);
        foreach (var (glob, fold, whole) in names)
            if (match) match = Fnmatch(fold ? glob.ToLowerInvariant() : glob, fold ? (whole ? path : name).ToLowerInvariant() : whole ? path : name);
        if (match)
        {
            if (found.Count >= MaxFiles) return false;
            found.Add(path);
        }
        if (!directory || depth >= maxDepth) return true;
        var entries = ctx.ListDirectory(path, MaxEntries);
        // A directory not listed (past the bound, unreadable) may hold a file that matches: the
        // selection is not computed, never read as empty (a wipe.sh under a 2002-entry directory
        // was missed while its neighbours were run, review42 F13).
        if (entries == null) return false;
        foreach (var (child, isDir) in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            if (!Walk(path.EndsWith('/') ? path + child : path + "/" + child, child, depth + 1, isDir, names, type, minDepth, maxDepth, ctx, found, ref visited))
                return false;
        return true;
    }

    /// <summary>fnmatch(3) without flags, as find's -name and -path use it: <c>*</c>, <c>?</c>,
    /// <c>[…]</c> (with <c>!</c>/<c>^</c> and ranges) and <c>\</c> escapes; <c>*</c> matches <c>/</c> too.
    /// Two pointers with a backtrack to the last <c>*</c> only: O(pattern × text), never exponential
    /// (a recursive try at every position per star hung on <c>*a*a*…*b</c> against a long name).</summary>
    internal static bool Fnmatch(ReadOnlySpan<char> p, ReadOnlySpan<char> s)
    {
        int pi = 0, si = 0, starP = -1, starS = 0;
        while (si < s.Length)
        {
            if (pi < p.Length)
            {
                if (p[pi] == '*') { starP = ++pi; starS = si; continue; }
                int used = One(p[pi..], s[si]);
                if (used > 0) { pi += used; si++; continue; }
            }
            // A mismatch: the last * takes one more character, or there is none to take it.
            if (starP < 0) return false;
            pi = starP; si = ++starS;
        }
        while (pi < p.Length && p[pi] == '*') pi++;
        return pi == p.Length;
    }

    // How much of the pattern one text character c matches at its start (?, a [...] class, an
    // escaped or plain character); 0 when it does not match.
    private static int One(ReadOnlySpan<char> p, char c)
    {
        if (p[0] == '?') return 1;
        if (p[0] == '[' && p.IndexOf(']') is int close and > 1)
        {
            var set = p[1..close];
            bool negate = set.Length > 1 && set[0] is '!' or '^';
            if (negate) set = set[1..];
            bool hit = false;
            for (int k = 0; k < set.Length; k++)
            {
                if (k + 2 < set.Length && set[k + 1] == '-') { hit |= c >= set[k] && c <= set[k + 2]; k += 2; }
                else hit |= c == set[k];
            }
            return hit != negate ? close + 1 : 0;
        }
        if (p[0] == '\\' && p.Length > 1) return p[1] == c ? 2 : 0;
        return p[0] == c ? 1 : 0;
    }
}
