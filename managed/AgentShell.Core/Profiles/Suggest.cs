namespace AgentShell.Core.Profiles;

/// <summary>"Did you mean" for profile keys and values: the closest candidate by Levenshtein
/// distance, when it is close enough to be a typo.</summary>
public static class Suggest
{
    /// <summary>" (did you mean 'X'?)" or " (valid: a, b, c)".</summary>
    public static string Hint(string input, IEnumerable<string> candidates)
    {
        var list = candidates.ToList();
        string? best = Closest(input, list);
        return best != null ? $" (did you mean '{best}'?)" : $" (valid: {string.Join(", ", list)})";
    }

    /// <summary>The closest candidate within max(2, length/3) edits, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDist = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(input.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDist) { bestDist = d; best = c; }
        }
        return best != null && bestDist <= Math.Max(2, input.Length / 3) ? best : null;
    }

    internal static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
