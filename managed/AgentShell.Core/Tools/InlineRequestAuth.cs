namespace AgentShell.Core.Tools;

/// <summary>The credentials an HTTP call in a one-liner carries, as the curl options that carry the
/// same (<see cref="InlineCode"/> reads the call as a curl): <c>auth=('user', 'pass')</c> or
/// <c>HTTPBasicAuth('user', 'pass')</c> is <c>-u user:pass</c>, and each <c>'Name': 'value'</c> of a
/// <c>headers</c> literal (Python's dict, a JavaScript object) is <c>-H 'Name: value'</c>. So a listed
/// token or a key its issuer marks (Stripe's <c>sk_live_</c>) makes the call that environment's, as it
/// does curl's; a value that is not a literal carries nothing seen here.</summary>
internal static class InlineRequestAuth
{
    private const int MaxHeaders = 16;

    /// <summary>The curl options for what <paramref name="call"/> (the text of one call's arguments) carries; null for none.</summary>
    internal static List<string>? Args(string call)
    {
        List<string>? args = null;
        foreach (var key in (ReadOnlySpan<string>)["auth=", "auth:", "HTTPBasicAuth(", "BasicAuth("])
        {
            int at = call.IndexOf(key, StringComparison.Ordinal);
            if (at < 0) continue;
            int p = InlineCode.SkipSpace(call, at + key.Length);
            if (p < call.Length && call[p] is '(' or '[' or '{') p++;
            if (!InlineCode.Literal(call, p, out var user, out int end)) continue;
            int comma = InlineCode.SkipSpace(call, end);
            string pass = comma < call.Length && call[comma] == ',' && InlineCode.Literal(call, comma + 1, out var pw, out _) ? pw : "";
            (args ??= []).AddRange(["-u", $"{user}:{pass}"]);
            break;
        }
        foreach (var key in (ReadOnlySpan<string>)["headers=", "headers:", "headers ="])
        {
            int at = call.IndexOf(key, StringComparison.Ordinal);
            if (at < 0) continue;
            int open = InlineCode.SkipSpace(call, at + key.Length);
            if (open >= call.Length || call[open] != '{') continue;
            int close = InlineCode.Balanced(call, open, '{', '}', 8192);
            if (close < 0) continue;
            Pairs(call[(open + 1)..(close - 1)], ref args);
            break;
        }
        return args;
    }

    // 'Name': 'value' (or Name: 'value', a JavaScript key without quotes), separated by commas.
    private static void Pairs(string dict, ref List<string>? args)
    {
        int i = 0, n = 0;
        while (i < dict.Length && n < MaxHeaders)
        {
            i = InlineCode.SkipSpace(dict, i);
            string? name = null;
            int after;
            if (InlineCode.Literal(dict, i, out var quoted, out after)) name = quoted;
            else
            {
                after = i;
                while (after < dict.Length && (char.IsAsciiLetterOrDigit(dict[after]) || dict[after] is '_' or '-')) after++;
                if (after > i) name = dict[i..after];
            }
            if (name == null) return;
            int colon = InlineCode.SkipSpace(dict, after);
            if (colon >= dict.Length || dict[colon] != ':') return;
            if (InlineCode.Literal(dict, colon + 1, out var value, out int end))
            {
                (args ??= []).AddRange(["-H", $"{name}: {value}"]);
                n++;
                i = end;
            }
            else i = colon + 1;
            int next = dict.IndexOf(',', i);
            if (next < 0) return;
            i = next + 1;
        }
    }
}
