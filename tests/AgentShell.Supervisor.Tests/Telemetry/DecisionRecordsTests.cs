using AgentShell.Core.Audit;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class DecisionRecordsTests
{
    private static IEnumerable<TestCaseData> Records()
    {
        AuditRecord R(string action, string outcome, string[] argv, string[] targets, string? tool = null, string? effect = null,
            string? reason = null, string? by = null, long? waited = null) => new()
        {
            Time = DateTimeOffset.UtcNow, RunId = "r1", Syscall = argv.Length > 0 ? AuditSyscall.Execve : AuditSyscall.Connect, Pid = 4242,
            PidChain = ["bash(1)"], Argv = argv, Targets = targets, RuleId = "demo.http:delete-on-production", Action = action,
            Outcome = outcome, Environment = "production", Tool = tool, Effect = effect, Reason = reason, ApprovedBy = by, WaitedMs = waited,
        };
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["curl", "-X", "DELETE", "http://127.0.0.2:8080/volumes/1"], [],
            "curl", "destructive", "deletes a volume")).SetName("ABlockedCurl");
        yield return new TestCaseData(R(AuditAction.Allow, AuditOutcome.Allowed, ["ls", "-l"], [])).SetName("AnAllowWithoutToolOrEffect");
        yield return new TestCaseData(R(AuditAction.Pause, AuditOutcome.Approved, ["psql", "-c", "DROP TABLE 'x'; -- it's", ""], [], "psql", "destructive",
            null, "alice (uid 1000)", 1234)).SetName("AnApprovedPauseWithQuotesAndAnEmptyArgument");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, [], ["10.0.0.5:5432", "db.prod:5432"])).SetName("AConnectWithTargets");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, [], [])).SetName("AConnectWithoutTargets");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["curl", "héllo wörld ✓", new string('a', 3000)], [])).SetName("NonAsciiAndALongArgument");
    }

    [TestCaseSource(nameof(Records))]
    public void TheDirectEncodingIsByteForByteTheLogEntrysEncoding(AuditRecord r)
    {
        foreach (var pending in new[] { null, "7f3" })
        {
            var e = new TelemetryEvent(1_700_000_000_000_000_123, "session-1", r, null, false, pending);
            var expected = new ProtoWriter();
            OtlpMessages.LogRecord(expected, TelemetryEvents.ToLog(e));
            var direct = new ProtoWriter();
            var records = new DecisionRecords();
            records.Write(direct, e);
            Assert.That(direct.Written.ToArray(), Is.EqualTo(expected.Written.ToArray()), $"pending id {pending ?? "none"}");
            records.Write(direct, e); // a second record after the first: the reused buffers start clean
            Assert.That(direct.Written.ToArray(), Is.EqualTo(expected.Written.ToArray().Concat(expected.Written.ToArray()).ToArray()));
        }
    }

    [Test]
    public void OneEncoderOverRecordsWhoseValuesRepeatOrChangeWritesWhatEachRecordsOwnEncodingDoes()
    {
        // Its attributes are kept encoded while their value is the same instance: a value that changes
        // (another rule, another session, a long reason that is not kept, a string equal but not the
        // same instance) must never come out as the one before.
        string rule = "demo.http:delete-on-production", reason = "deletes a volume", longReason = new string('r', 400);
        AuditRecord R(int i, string ruleId, string? why, string env) => new()
        {
            Time = DateTimeOffset.UtcNow, RunId = "r1", Syscall = AuditSyscall.Execve, Pid = 4242 + i, PidChain = ["bash(1)"],
            Argv = ["curl", "-X", "DELETE", $"http://127.0.0.2:8080/volumes/{i}"], Targets = [], RuleId = ruleId, Action = AuditAction.Block,
            Outcome = AuditOutcome.Blocked, Environment = env, Tool = i % 3 == 0 ? null : "curl", Effect = "destructive", Reason = why,
        };
        var events = new List<TelemetryEvent>();
        for (int i = 0; i < 40; i++)
        {
            string ruleId = i % 7 == 0 ? "demo.other" : i % 11 == 0 ? new string(rule.AsSpan()) : rule;
            string? why = (i % 5) switch { 0 => null, 1 => longReason, 2 => new string('x', i), _ => reason };
            events.Add(new TelemetryEvent((ulong)i, i % 4 == 0 ? "s2" : "s1", R(i, ruleId, why, i % 9 == 0 ? "staging" : "production"), null, false,
                i % 6 == 0 ? "p" + i : null));
        }
        var one = new DecisionRecords();
        var together = new ProtoWriter();
        var expected = new List<byte>();
        foreach (var e in events)
        {
            one.Write(together, e);
            var alone = new ProtoWriter();
            OtlpMessages.LogRecord(alone, TelemetryEvents.ToLog(e));
            expected.AddRange(alone.Written.ToArray());
        }
        Assert.That(together.Written.ToArray(), Is.EqualTo(expected.ToArray()));
    }
}
