using System.Text;

namespace AgentShell.Core.Tools;

/// <summary>ToLowerInvariant / ToUpperInvariant with the same results, and a quick answer for
/// text already in that case. PERF: under invariant globalization the runtime compares every
/// character through its case table one at a time before it finds nothing to change; host names
/// and HTTP methods are ASCII and already lower- or upper-case, which two vector scans say.</summary>
internal static class InvariantCase
{
    /// <summary><paramref name="s"/>.ToLowerInvariant().</summary>
    public static string Lower(string s) => Ascii.IsValid(s) && !s.AsSpan().ContainsAnyInRange('A', 'Z') ? s : s.ToLowerInvariant();

    /// <summary><paramref name="s"/>.ToUpperInvariant().</summary>
    public static string Upper(string s) => Ascii.IsValid(s) && !s.AsSpan().ContainsAnyInRange('a', 'z') ? s : s.ToUpperInvariant();

    /// <summary><paramref name="s"/>.ToString().ToLowerInvariant(), one string made.</summary>
    public static string Lower(ReadOnlySpan<char> s) => Ascii.IsValid(s) && !s.ContainsAnyInRange('A', 'Z') ? s.ToString() : s.ToString().ToLowerInvariant();
}
