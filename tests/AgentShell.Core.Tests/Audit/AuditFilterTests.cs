using AgentShell.Core.Audit;

namespace AgentShell.Core.Tests.Audit;

[TestFixture]
public class AuditFilterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Plus2 = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2");

    [TestCase("90s", 0, 90)]
    [TestCase("30m", 0, 30 * 60)]
    [TestCase("1h", 0, 3600)]
    [TestCase("2d", 2, 0)]
    [TestCase("1w", 7, 0)]
    [TestCase(" 1H ", 0, 3600)]
    public void DurationsCountBackFromNow(string text, int days, int seconds)
    {
        Assert.That(AuditFilter.TryParseSince(text, Now, Plus2, out var since, out var error), Is.True, error);
        Assert.That(since, Is.EqualTo(Now - TimeSpan.FromDays(days) - TimeSpan.FromSeconds(seconds)));
    }

    [TestCase("2026-11-24T09:30:00Z", "2026-11-24T09:30:00+00:00")]
    [TestCase("2026-11-24T09:30:00+05:00", "2026-11-24T04:30:00+00:00")]
    [TestCase("2026-11-24T09:30", "2026-11-24T07:30:00+00:00")]      // no offset: the user's zone (+2)
    [TestCase("2026-11-24", "2026-11-23T22:00:00+00:00")]
    public void IsoTimes(string text, string expected)
    {
        Assert.That(AuditFilter.TryParseSince(text, Now, Plus2, out var since, out var error), Is.True, error);
        Assert.That(since, Is.EqualTo(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase("yesterday")]
    [TestCase("1y")]
    [TestCase("h")]
    [TestCase("-1h")]
    [TestCase("")]
    [TestCase("99999999999999999d")]
    public void BadSinceIsAnError(string text)
    {
        Assert.That(AuditFilter.TryParseSince(text, Now, Plus2, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("--since"));
    }

    private static AuditRecord Rec(string action, string outcome, string run, int minutesAgo) => new()
    {
        Time = Now.AddMinutes(-minutesAgo), Action = action, Outcome = outcome, RunId = run, RuleId = "r",
    };

    [TestCase(null, null, null, null, true)]
    [TestCase("block", null, null, null, true)]
    [TestCase("BLOCK", null, null, null, true)]
    [TestCase("allow", null, null, null, false)]
    [TestCase(null, "blocked", null, null, true)]
    [TestCase(null, "denied", null, null, false)]
    [TestCase(null, null, "run-a", null, true)]
    [TestCase(null, null, "run-b", null, false)]
    [TestCase(null, null, null, 30, true)]
    [TestCase(null, null, null, 5, false)]
    [TestCase("block", "blocked", "run-a", 30, true)]
    [TestCase("block", "blocked", "run-b", 30, false)]
    public void MatchesEveryCriterionThatIsSet(string? action, string? outcome, string? run, int? sinceMinutes, bool expected)
    {
        var filter = new AuditFilter
        {
            Action = action, Outcome = outcome, RunId = run,
            Since = sinceMinutes is int m ? Now.AddMinutes(-m) : null,
        };
        Assert.That(filter.Matches(Rec(AuditAction.Block, AuditOutcome.Blocked, "run-a", minutesAgo: 10)), Is.EqualTo(expected));
    }
}
