using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class ExporterQueueTests
{
    internal static AuditRecord Record(int pid) => new()
    {
        Time = DateTimeOffset.UtcNow, RunId = "r1", Syscall = AuditSyscall.Execve, Pid = pid, Argv = ["curl", "-X", "DELETE", "https://prod/x"],
        RuleId = "demo.http:delete-on-production", Action = AuditAction.Block, Outcome = AuditOutcome.Blocked, Environment = "production",
    };

    [Test]
    public void AFullQueueDropsTheOldestAndCountsItWithoutBlockingTheCaller()
    {
        // A receiver that accepts connections and never answers: the export thread is stuck in its first post.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var env = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}",
            ["OTEL_BLRP_MAX_QUEUE_SIZE"] = "100", ["OTEL_BLRP_SCHEDULE_DELAY"] = "10", ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "60000",
        };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var log = new StringWriter();
        var exporter = new TelemetryExporter(s, log, stateDirectory: null);
        exporter.Start("r1", []);
        exporter.Decision(Record(1), "r1", null);
        Thread.Sleep(300); // the first batch is taken and its post hangs
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++) exporter.Decision(Record(i + 2), "r1", null);
        sw.Stop();
        Assert.That(exporter.Status.Dropped, Is.EqualTo(10_000 - 100), "everything beyond the bound was dropped, oldest first");
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "enqueueing never waits for the receiver");
        Assert.That(exporter.Metrics.Snapshot().Decisions.Single().Item2, Is.EqualTo(10_001), "metrics count every decision, dropped or not");
    }

    [Test]
    public void TheEncodedLogRequestStartsWithResourceLogs()
    {
        var parts = OtlpMessages.LogsParts([new("service.name", "agentshell")], "1");
        var records = new ProtoWriter();
        OtlpMessages.LogRecord(records, new LogEntry(1, OtlpMessages.Warn, "WARN", "agentshell.decision", "blocked", [Attr.Of("process.pid", 0)]));
        var head = new ProtoWriter();
        OtlpMessages.LogsHead(head, parts, records.Written.Length);
        var bytes = head.Written.ToArray().Concat(records.Written.ToArray()).ToArray();
        Assert.That(bytes[0], Is.EqualTo((1 << 3) | 2), "field 1 (resource_logs), length-delimited");
        // A zero int attribute is still written: it is a oneof member (its presence is the value).
        Assert.That(bytes.AsSpan().IndexOf(new byte[] { 0x18, 0x00 }), Is.GreaterThan(0), "AnyValue.int_value = 0");
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(200)]
    public void TheHeadBeforeTheRecordsIsTheSameRequestAsNestingThem(int n)
    {
        // The batch is sent as a head plus the records where they were encoded: its lengths must be
        // those of the nested messages (200 records make every length a multi-byte varint).
        var resource = new List<Attr> { new("service.name", "agentshell"), new("agentshell.run_id", "r1") };
        var records = new ProtoWriter();
        for (int i = 0; i < n; i++)
            OtlpMessages.LogRecord(records, new LogEntry((ulong)i, OtlpMessages.Info, "INFO", "agentshell.decision", new string('x', i), [new("k", "v")]));
        var parts = OtlpMessages.LogsParts(resource, "1");
        var head = new ProtoWriter();
        OtlpMessages.LogsHead(head, parts, records.Written.Length);
        var nested = new ProtoWriter();
        nested.Begin(1);
        nested.Raw(parts.Resource);
        nested.Begin(2);
        nested.Raw(parts.Scope);
        nested.Raw(records.Written);
        nested.End();
        nested.End();
        Assert.That(head.Written.ToArray().Concat(records.Written.ToArray()).ToArray(), Is.EqualTo(nested.Written.ToArray()));
    }

    private static AuditRecord Big(int pid, int argBytes) => new()
    {
        Time = DateTimeOffset.UtcNow, RunId = "r1", Syscall = AuditSyscall.Execve, Pid = pid, Argv = ["curl", "-d", new string('a', argBytes)],
        RuleId = "demo.http:delete-on-production", Action = AuditAction.Block, Outcome = AuditOutcome.Blocked, Environment = "production",
    };

    // A decision's entry as the deciding thread copies it into the ring.
    private static byte[] Encoded(AuditRecord r)
    {
        var w = new ProtoWriter(1024);
        DecisionRecords.Entry(w, DecisionRecords.Line(r), "r1", null);
        return w.Written.ToArray();
    }

    private static byte[] Taken(RecordRing ring, int maxCount, int maxBytes, out int n)
    {
        var w = new ProtoWriter(64);
        n = ring.Take(w, maxCount, maxBytes);
        return w.Written.ToArray();
    }

    [Test]
    public void ARingPastItsBytesDropsTheOldestAndNeverHoldsMore()
    {
        // Records of 1-4 KB into 64 KiB: the ring wraps many times, a record (and its length's
        // varint) split across its end at every offset the sizes reach.
        var ring = new RecordRing(maxCount: 10_000, capacity: 64 * 1024);
        var all = new List<byte[]>();
        int dropped = 0;
        for (int i = 0; i < 1000; i++)
        {
            all.Add(Encoded(Big(i, 1000 + i % 7 * 500 + i % 13)));
            ring.Add(all[^1], 128, 48 * 1024, out int d);
            dropped += d;
            Assert.That(ring.Bytes, Is.LessThanOrEqualTo(64 * 1024), $"after record {i}");
        }
        int held = ring.Count;
        Assert.That(held, Is.LessThan(64), "the byte bound, not the count, held");
        Assert.That(dropped, Is.EqualTo(1000 - held), "every record not held was dropped and counted");
        var bytes = Taken(ring, 10_000, int.MaxValue, out int n);
        Assert.That(n, Is.EqualTo(held));
        Assert.That(bytes, Is.EqualTo(all.Skip(1000 - held).SelectMany(b => b).ToArray()), "the newest are kept, whole, oldest first");
        Assert.That((ring.Count, ring.Bytes), Is.EqualTo((0, 0)), "taking gives the bytes back to the bound");
    }

    [Test]
    public void TakingGivesTheOldestInOrderUpToTheBatchsCountAndBytes()
    {
        var ring = new RecordRing(maxCount: 100, capacity: 1024 * 1024);
        var all = Enumerable.Range(0, 10).Select(i => Encoded(Big(i, 100))).ToArray();
        foreach (var r in all) ring.Add(r, 128, 48 * 1024, out _);
        Assert.That(Taken(ring, 4, int.MaxValue, out int n), Is.EqualTo(all.Take(4).SelectMany(b => b).ToArray()));
        Assert.That(n, Is.EqualTo(4));
        Assert.That(Taken(ring, 100, all[4].Length + all[5].Length + 1, out n), Is.EqualTo(all[4].Concat(all[5]).ToArray()), "no more bytes than asked");
        Assert.That(Taken(ring, 100, 1, out n), Is.EqualTo(all[6]), "but always one record, however large");
        Assert.That(Taken(ring, 100, int.MaxValue, out n), Is.EqualTo(all.Skip(7).SelectMany(b => b).ToArray()), "no more than are held");
        Assert.That((ring.Count, ring.Bytes, ring.Take(new ProtoWriter(64), 100, int.MaxValue)), Is.EqualTo((0, 0, 0)), "empty, its bytes given back");
    }

    [Test]
    public void AnEmptiedRingStartsOverAtItsStartAndAPartlyTakenOneDoesNot()
    {
        var ring = new RecordRing(maxCount: 100, capacity: 64 * 1024);
        var all = Enumerable.Range(0, 6).Select(i => Encoded(Big(i, 100 + i))).ToArray();
        foreach (var r in all.Take(3)) ring.Add(r, 128, 48 * 1024, out _);
        Assert.That(Taken(ring, 1, int.MaxValue, out _), Is.EqualTo(all[0]));
        Assert.That(ring.Head, Is.EqualTo(all[0].Length), "records still held stay where they are");
        Assert.That(Taken(ring, 100, int.MaxValue, out _), Is.EqualTo(all[1].Concat(all[2]).ToArray()));
        Assert.That(ring.Head, Is.Zero, "emptied: the next record goes at the start");
        foreach (var r in all.Skip(3)) ring.Add(r, 128, 48 * 1024, out _);
        Assert.That(Taken(ring, 100, int.MaxValue, out int n), Is.EqualTo(all.Skip(3).SelectMany(b => b).ToArray()));
        Assert.That(n, Is.EqualTo(3));
    }

    [Test]
    public void AddingSaysWhenAWholeBatchWaitsAndOnlyThen()
    {
        var ring = new RecordRing(maxCount: 1000, capacity: 1024 * 1024);
        var r = Encoded(Big(1, 100));
        var said = Enumerable.Range(0, 300).Select(_ => ring.Add(r, 128, int.MaxValue, out _)).ToArray();
        Assert.That(said.Select((b, i) => (b, i)).Where(x => x.b).Select(x => x.i), Is.EqualTo(new[] { 127 }), "once, at the 128th record");
        Assert.That(ring.HasBatch(128, int.MaxValue), Is.True);
        ring.Take(new ProtoWriter(64), 1000, int.MaxValue);
        Assert.That(ring.HasBatch(128, int.MaxValue), Is.False);
        int bytesAt = (48 * 1024 + r.Length - 1) / r.Length; // the record that reaches 48 KB
        said = Enumerable.Range(0, 300).Select(_ => ring.Add(r, 1000, 48 * 1024, out _)).ToArray();
        Assert.That(said.Select((b, i) => (b, i)).Where(x => x.b).Select(x => x.i), Is.EqualTo(new[] { bytesAt - 1 }), "once, when the bytes reach a batch");
    }

    [Test]
    public void ARecordLargerThanTheWholeRingIsDroppedAndCountedNotHeld()
    {
        // A long argv: the local audit log has it; the ring never holds more than its bytes.
        var ring = new RecordRing(maxCount: 100, capacity: 4096);
        var small = Encoded(Big(1, 100));
        ring.Add(small, 128, 48 * 1024, out _);
        ring.Add(Encoded(Big(2, 10_000)), 128, 48 * 1024, out int dropped);
        Assert.That((ring.Count, dropped, ring.Bytes <= 4096), Is.EqualTo((1, 1, true)), "the huge record went, the one before stayed");
        Assert.That(Taken(ring, 100, int.MaxValue, out _), Is.EqualTo(small));
    }

    [Test]
    public void QueueingADecisionAllocatesNothingOnTheDecidingThread()
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var exporter = new TelemetryExporter(s, new StringWriter(), stateDirectory: null); // not started: nothing drains
        var records = Enumerable.Range(0, 100).Select(Record).ToArray();
        var lines = records.Select(r => DecisionRecords.Line(r).ToArray()).ToArray(); // as the audit log wrote them
        for (int i = 0; i < 3 * s.QueueSize; i++) exporter.Decision(records[i % 100], lines[i % 100], "r1", null); // the ring at its full size, dropping
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) exporter.Decision(records[i % 100], lines[i % 100], "r1", null);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "a decision's export is its audit line copied into the ring through a reused buffer");
        // Held: the newest records that fit both bounds (count and the ring's bytes).
        int total = 3 * s.QueueSize + 10_000, held = 0;
        for (long bytes = 0; held < s.QueueSize; held++)
        {
            bytes += Encoded(records[(10_000 - 1 - held) % 100]).Length;
            if (bytes > TelemetryExporter.QueueBytes) break;
        }
        Assert.That(exporter.Status.Dropped, Is.EqualTo(total - held));
    }

    [Test]
    public void DropsAreCountedAndSaidOnceOnStderr()
    {
        // A receiver that never answers within the timeout: every post fails, the queue overflows.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var env = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}",
            ["OTEL_BLRP_MAX_QUEUE_SIZE"] = "50", ["OTEL_BLRP_SCHEDULE_DELAY"] = "10", ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "100",
        };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var log = new StringWriter();
        using var exporter = new TelemetryExporter(s, TextWriter.Synchronized(log), stateDirectory: null);
        exporter.Start("r1", []);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!log.ToString().Contains("being dropped") && DateTime.UtcNow < deadline)
        {
            for (int i = 0; i < 200; i++) exporter.Decision(Record(i), "r1", null);
            Thread.Sleep(50);
        }
        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 200; i++) exporter.Decision(Record(i), "r1", null);
            Thread.Sleep(150); // more failed posts and more drops
        }
        string text = log.ToString();
        Assert.That(text.Split("being dropped").Length - 1, Is.EqualTo(1), text);
        Assert.That(text.Split("failed:").Length - 1, Is.EqualTo(1), "the failure too is said once");
        Assert.That(exporter.Status.Dropped, Is.GreaterThan(0), "the queue overflowed while the posts failed");
    }
}
