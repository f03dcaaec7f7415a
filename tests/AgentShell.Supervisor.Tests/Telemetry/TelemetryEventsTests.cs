using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class TelemetryEventsTests
{
    private static PendingItem Item(params string[] argv)
    {
        var now = DateTimeOffset.UtcNow;
        return new PendingItem
        {
            Id = "7f3", Created = now.AddSeconds(-2), Deadline = now.AddSeconds(298), Pid = 4242, Chain = ["bash(1)"], Argv = argv,
            Decision = new Decision { Action = PolicyAction.Pause, RuleId = "test.pause:destructive-on-staging", Environment = "staging" },
            JoinKey = "j", RunKey = "r",
        };
    }

    private static Dictionary<string, string?> Attrs(LogEntry e) => e.Attributes.ToDictionary(a => a.Key, a => (string?)(a.Str ?? a.Int.ToString()));

    [Test]
    public void AnOpenedPauseCarriesItsIdAndTheRedactedCommand()
    {
        var e = TelemetryEvents.ToLog(new TelemetryEvent(1, "run1", null, Item("curl", "-H", "Authorization: Bearer sekrit-123456", "-X", "DELETE", "http://s/v"), true, "7f3"));
        var a = Attrs(e);
        Assert.That(e.EventName, Is.EqualTo("agentshell.pause.opened"));
        Assert.That(a["agentshell.pending_id"], Is.EqualTo("7f3"));
        Assert.That(a["agentshell.action"], Is.EqualTo("pause"));
        Assert.That(a["process.command_line"], Does.Contain("***").And.Not.Contain("sekrit"));
        Assert.That(e.Body, Does.Not.Contain("sekrit"));
    }

    [Test]
    public void ATimedOutPauseIsItsOwnEventAnsweredByNobody()
    {
        var i = Item("psql", "-c", "DROP TABLE t");
        i.Resolve(PendingOutcome.TimedOut, null, null, DateTimeOffset.UtcNow);
        var e = TelemetryEvents.ToLog(new TelemetryEvent(1, "run1", null, i, false, i.Id));
        var a = Attrs(e);
        Assert.That(e.EventName, Is.EqualTo("agentshell.pause.timed_out"));
        Assert.That(a["agentshell.outcome"], Is.EqualTo("timeout"));
        Assert.That(a["agentshell.answered_by"], Is.EqualTo("nobody (timed out)"));
        Assert.That(long.Parse(a["agentshell.wait_ms"]!), Is.GreaterThanOrEqualTo(1900));
    }

    [Test]
    public void ADeniedPauseSaysByWhom()
    {
        var i = Item("kubectl", "delete", "ns", "x");
        i.Resolve(PendingOutcome.Denied, "alice (uid 1000, pid 99)", "no", DateTimeOffset.UtcNow);
        var e = TelemetryEvents.ToLog(new TelemetryEvent(1, "run1", null, i, false, i.Id));
        Assert.That(e.EventName, Is.EqualTo("agentshell.pause.answered"));
        Assert.That(Attrs(e)["agentshell.answered_by"], Is.EqualTo("alice (uid 1000, pid 99)"));
        Assert.That(Attrs(e)["agentshell.outcome"], Is.EqualTo("denied"));
    }
}
