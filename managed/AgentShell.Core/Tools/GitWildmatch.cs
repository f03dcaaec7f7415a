namespace AgentShell.Core.Tools;

/// <summary>git's <c>wildmatch(pattern, text, WM_PATHNAME)</c> (wildmatch.c), which git uses for
/// <c>includeIf</c> conditions: <c>*</c> and <c>?</c> stop at <c>/</c>; <c>**</c> crosses it only
/// as a whole segment (<c>**/</c>, <c>/**/</c>, <c>/**</c>; elsewhere it is <c>*</c>); <c>\</c>
/// quotes the next character. Exact, because a config include git takes and this reading does not
/// (or the reverse) is an insteadOf that sends a push elsewhere than seen.</summary>
internal static class GitWildmatch
{
    private const int MaxSteps = 100_000; // a pattern made to backtrack forever is not evaluated

    /// <summary>True or false as git matches; null when not evaluated here (a bracket class, or a
    /// pattern that backtracks past the step budget), which a caller must treat as unknown.</summary>
    internal static bool? Match(string pattern, string text, bool fold)
    {
        if (pattern.Contains('[')) return null;
        int steps = 0;
        bool result = Match(pattern, 0, text, 0, fold, ref steps);
        return steps > MaxSteps ? null : result;
    }

    private static bool Match(string p, int pi, string t, int ti, bool fold, ref int steps)
    {
        for (; pi < p.Length; pi++, ti++)
        {
            if (++steps > MaxSteps) return false;
            char c = p[pi];
            if (c == '*') return Star(p, pi, t, ti, fold, ref steps);
            if (ti >= t.Length) return false;
            if (c == '?') { if (t[ti] == '/') return false; continue; }
            if (c == '\\' && ++pi >= p.Length) return false;
            if (!Same(p[pi], t[ti], fold)) return false;
        }
        return ti == t.Length;
    }

    // At a run of '*' starting at pi: as wildmatch.c's `case '*'`.
    private static bool Star(string p, int pi, string t, int ti, bool fold, ref int steps)
    {
        int start = pi;
        while (pi < p.Length && p[pi] == '*') pi++;
        bool slash = false;
        if (pi - start >= 2 && (start == 0 || p[start - 1] == '/')
            && (pi == p.Length || p[pi] == '/' || (p[pi] == '\\' && pi + 1 < p.Length && p[pi + 1] == '/')))
        {
            // "**/" may match no directory at all.
            if (pi < p.Length && p[pi] == '/' && Match(p, pi + 1, t, ti, fold, ref steps)) return true;
            slash = true;
        }
        if (pi == p.Length) return slash || t.IndexOf('/', ti) < 0;
        if (!slash && p[pi] == '/')
        {
            // One '*' then '/': the rest of this segment, then the slash.
            int s = t.IndexOf('/', ti);
            return s >= 0 && Match(p, pi + 1, t, s + 1, fold, ref steps);
        }
        for (int i = ti; i < t.Length; i++)
        {
            if (Match(p, pi, t, i, fold, ref steps)) return true;
            if (!slash && t[i] == '/') return false;
            if (steps > MaxSteps) return false;
        }
        return false;
    }

    private static bool Same(char a, char b, bool fold) =>
        a == b || (fold && char.IsAsciiLetter(a) && char.IsAsciiLetter(b) && (a | 0x20) == (b | 0x20));
}
