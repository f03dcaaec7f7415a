using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Audit;

[TestFixture]
public class AuditRecordTests
{
    [Test]
    public void FromDecisionTakesIntentTargetEnvironmentRuleAndAction()
    {
        var target = new Target { Kind = TargetKind.Database, Host = "db.prod.acme.io", Port = 5432, Database = "shop" };
        var intent = new CommandIntent { Tool = "psql", Effect = Effect.Drop, Targets = [target], Summary = "DROP TABLE t" };
        var decision = new Decision
        {
            Action = PolicyAction.Block, RuleId = "default.any:destructive-on-production", Reason = "drop on production",
            Intent = intent, Target = target, Environment = "production",
        };
        var time = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.FromHours(2));
        var r = AuditRecord.FromDecision(decision, time, "run1", AuditSyscall.Execve, 131,
            ["bash(120)", "psql(131)"], ["psql", "-c", "DROP TABLE t"], cwd: "/srv");
        Assert.Multiple(() =>
        {
            Assert.That(r.Time, Is.EqualTo(time));
            Assert.That(r.Time.Offset, Is.EqualTo(TimeSpan.Zero));
            Assert.That(r.Tool, Is.EqualTo(intent.Tool));
            Assert.That(r.Effect, Is.EqualTo(Effect.Drop.Name()));
            Assert.That(r.Targets, Is.EqualTo(new[] { target.ToString() }));
            Assert.That(r.Environment, Is.EqualTo(decision.Environment));
            Assert.That(r.RuleId, Is.EqualTo(decision.RuleId));
            Assert.That(r.Action, Is.EqualTo(AuditAction.Block));
            Assert.That(r.Outcome, Is.EqualTo(AuditOutcome.Blocked));
            Assert.That(r.Reason, Is.EqualTo(decision.Reason));
            Assert.That(r.Cwd, Is.EqualTo("/srv"));
        });
    }

    [Test]
    public void FromDecisionOfTheFallThroughHasNoIntent()
    {
        var r = AuditRecord.FromDecision(Decision.DefaultAllow, DateTimeOffset.UnixEpoch, "run1", AuditSyscall.Execve, 5, [], ["ls"]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Tool, Is.Null);
            Assert.That(r.Effect, Is.Null);
            Assert.That(r.Targets, Is.Empty);
            Assert.That(r.Action, Is.EqualTo(AuditAction.Allow));
            Assert.That(r.Outcome, Is.EqualTo(AuditOutcome.Allowed));
            Assert.That(r.RuleId, Is.EqualTo(Decision.DefaultAllowRuleId));
        });
    }

    [TestCase(AuditOutcome.Approved, "uid 1000 pid 4242 (agentshell approve)", 1200L)]
    [TestCase(AuditOutcome.Timeout, null, 300000L)]
    public void FromDecisionOfAPauseCarriesItsAnswer(string outcome, string? approvedBy, long waited)
    {
        var decision = new Decision { Action = PolicyAction.Pause, RuleId = "p" };
        var r = AuditRecord.FromDecision(decision, DateTimeOffset.UnixEpoch, "run1", AuditSyscall.Execve, 5, [], ["x"],
            outcome: outcome, approvedBy: approvedBy, waitedMs: waited);
        Assert.That((r.Action, r.Outcome, r.ApprovedBy, r.WaitedMs), Is.EqualTo((AuditAction.Pause, outcome, approvedBy, (long?)waited)));
    }

    [Test]
    public void FromDecisionOfAPauseWithoutItsAnswerIsRefused()
    {
        var decision = new Decision { Action = PolicyAction.Pause, RuleId = "p" };
        Assert.Throws<ArgumentException>(() =>
            AuditRecord.FromDecision(decision, DateTimeOffset.UnixEpoch, "run1", AuditSyscall.Execve, 5, [], ["x"]));
    }
}
