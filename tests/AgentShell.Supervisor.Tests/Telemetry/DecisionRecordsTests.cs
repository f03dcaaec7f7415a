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
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["curl", "-X", "DELETE", "http://127.0.0.2:8080/volumes/1"],
            ["127.0.0.2:8080", "prod"], "curl", "destructive", "deletes a volume")).SetName("AnExecWithTargets");
        yield return new TestCaseData(R(AuditAction.Pause, AuditOutcome.Approved, ["psql", "-c", "DROP TABLE 'x'; -- it's", ""], [], "psql", "destructive",
            null, "alice (uid 1000)", 1234)).SetName("AnApprovedPauseWithQuotesAndAnEmptyArgument");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, [], ["10.0.0.5:5432", "db.prod:5432"])).SetName("AConnectWithTargets");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, [], [])).SetName("AConnectWithoutTargets");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["sh", "-c", "echo \"a\\b\"\n\t{\"x\":[1]}"], [], reason: "a \"quoted\" reason"))
            .SetName("QuotesBackslashesAndControlCharactersTheLineEscapes");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["curl", "héllo wörld ✓", new string('a', 3000)], [])).SetName("NonAsciiAndALongArgument");
        // Each string is made UTF-8 on its own (the snapshot) rather than the whole body at once:
        // an unpaired surrogate, at an argument's end or start, comes out as U+FFFD either way.
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, ["curl", "x\ud800", "\udc00y", "'\ud83d\ude00'"], [], "curl\ud800",
            "destructive", "a reason \udfff")).SetName("UnpairedSurrogates");
        yield return new TestCaseData(R(AuditAction.Block, AuditOutcome.Blocked, [], ["", "db.prod:5432"], "", "", "")).SetName("EmptyStrings");
    }

    [TestCaseSource(nameof(Records))]
    public void TheDirectEncodingIsByteForByteTheLogEntrysEncoding(AuditRecord r)
    {
        foreach (var pending in new[] { null, "7f3" })
        {
            var e = new TelemetryEvent(UnixNano(r.Time), "session-1", r, null, false, pending);
            var expected = new ProtoWriter();
            OtlpMessages.LogRecord(expected, TelemetryEvents.ToLog(e));
            foreach (bool readOnly in new[] { false, true }) // the line scanned, and read by the JSON reader
            {
                var direct = new ProtoWriter();
                var records = new DecisionRecords { ReadOnly = readOnly };
                records.Write(direct, e);
                Assert.That(direct.Written.ToArray(), Is.EqualTo(expected.Written.ToArray()), $"pending id {pending ?? "none"}, JSON reader {readOnly}");
                records.Write(direct, e); // a second record after the first: the reused buffers start clean
                Assert.That(direct.Written.ToArray(), Is.EqualTo(expected.Written.ToArray().Concat(expected.Written.ToArray()).ToArray()));
            }
        }
    }

    // The exported time is the audit line's: the record's own, to the tick.
    private static ulong UnixNano(DateTimeOffset t) => (ulong)(t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    [Test]
    public void OneEncoderOverRecordsWhoseValuesRepeatOrChangeWritesWhatEachRecordsOwnEncodingDoes()
    {
        // Its attributes are kept encoded while their value's bytes are the same: a value that changes
        // (another rule, another session, a long reason that is not kept, one that is a prefix or a
        // suffix of the one before) must never come out as the one before.
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
            string? why = (i % 5) switch { 0 => null, 1 => longReason, 2 => new string('x', i), 3 => i % 2 == 0 ? "a volume" : "deletes a volume", _ => reason };
            var r = R(i, ruleId, why, i % 9 == 0 ? "staging" : "production");
            events.Add(new TelemetryEvent(UnixNano(r.Time), i % 4 == 0 ? "s2" : "s1", r, null, false, i % 6 == 0 ? "p" + i : null));
        }
        var one = new DecisionRecords();
        var together = new ProtoWriter();
        var escaped = R(19, rule, "a \"quoted\" reason", "production"); // a line the scan leaves to the JSON reader, between scanned ones
        events.Insert(20, new TelemetryEvent(UnixNano(escaped.Time), "s1", escaped, null, false, null));
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

    [Test]
    public void AnEntryThatCannotBeReadWritesNothingAndThrows()
    {
        // The export thread replaces such a record with one that says so; no half-written record
        // may go out before it.
        var entry = new ProtoWriter();
        DecisionRecords.Entry(entry, DecisionRecords.Line(ExporterQueueTests.Record(1)), "s", null);
        var whole = entry.Written.ToArray();
        var records = new DecisionRecords();
        int line = Array.IndexOf(whole, (byte)'{');
        byte[] Edited(string from, string to) =>
            whole[..line].Concat(System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(whole[line..]).Replace(from, to))).ToArray();
        var bad = new[]
        {
            whole[..^3], whole[..20], whole[..(line + 10)], new byte[] { 0x12, 0x01, 0x00 },
            Edited("\"pid\":", "\"pid\":\"x\",\"old\":"), Edited("\"ruleId\"", "\"rule\""), Edited("\"time\":\"", "\"time\":\"x"),
            Edited("\"argv\":[", "\"argv\":[1,"), Edited("{", "["),
        };
        foreach (var b in bad)
        {
            var w = new ProtoWriter();
            Assert.Throws<InvalidDataException>(() => records.Write(w, b), System.Text.Encoding.UTF8.GetString(b));
            Assert.That(w.Written.Length, Is.Zero);
        }
        var ok = new ProtoWriter();
        records.Write(ok, whole);
        Assert.That(ok.Written.Length, Is.GreaterThan(whole.Length / 2), "and the whole one still encodes");
    }
}
