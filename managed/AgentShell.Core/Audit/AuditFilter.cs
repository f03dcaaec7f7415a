using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AgentShell.Core.Audit;

/// <summary>Which audit records <c>agentshell log</c> shows. Unset criteria match everything.</summary>
public sealed class AuditFilter
{
    /// <summary>Only records at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary>Only this action (allow, block, pause).</summary>
    public string? Action { get; init; }
    /// <summary>Only this outcome (allowed, blocked, approved, denied, timeout).</summary>
    public string? Outcome { get; init; }
    /// <summary>Only this run.</summary>
    public string? RunId { get; init; }

    /// <summary>True when <paramref name="record"/> meets every criterion that is set.</summary>
    public bool Matches(AuditRecord record) =>
        (Since is not { } since || record.Time >= since)
        && (Action == null || string.Equals(record.Action, Action, StringComparison.OrdinalIgnoreCase))
        && (Outcome == null || string.Equals(record.Outcome, Outcome, StringComparison.OrdinalIgnoreCase))
        && (RunId == null || string.Equals(record.RunId, RunId, StringComparison.Ordinal));

    /// <summary>Reads a <c>--since</c> value: a duration back from <paramref name="now"/> (<c>90s</c>, <c>30m</c>,
    /// <c>1h</c>, <c>2d</c>, <c>1w</c>) or an ISO-8601 date/time (<c>2026-11-24</c>, <c>2026-11-24T09:30</c>,
    /// <c>2026-11-24T09:30:00Z</c>); a time without an offset is taken in <paramref name="zone"/> (the user's).</summary>
    public static bool TryParseSince(string text, DateTimeOffset now, TimeZoneInfo zone, out DateTimeOffset since,
        [NotNullWhen(false)] out string? error)
    {
        text = text.Trim();
        error = null;
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            TimeSpan? unit = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(1),
                'm' => TimeSpan.FromMinutes(1),
                'h' => TimeSpan.FromHours(1),
                'd' => TimeSpan.FromDays(1),
                'w' => TimeSpan.FromDays(7),
                _ => null,
            };
            if (unit is { } u && n <= TimeSpan.MaxValue.Ticks / u.Ticks)
            {
                since = now - u * n;
                return true;
            }
        }
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var dt))
        {
            if (dt.Kind == DateTimeKind.Unspecified)
            {
                since = new DateTimeOffset(dt, zone.GetUtcOffset(dt));
                return true;
            }
            // "Z" or an explicit offset: keep that instant.
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out since)) return true;
        }
        since = default;
        error = $"--since '{text}': expected a duration such as 30m, 1h, 2d, or an ISO-8601 time such as 2026-11-24T09:30";
        return false;
    }
}
