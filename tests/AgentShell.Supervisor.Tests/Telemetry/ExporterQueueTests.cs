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

    [Test]
    public void AQueuePastItsMemoryBoundDropsTheOldestAndNeverHoldsMore()
    {
        var q = new ExportQueue(maxCount: 10_000, maxBytes: 64 * 1024);
        int dropped = 0;
        for (int i = 0; i < 1000; i++)
        {
            q.Add(new TelemetryEvent(1, "r1", Big(i, 1000 + i % 7 * 500), null, false, null), out int d);
            dropped += d;
            Assert.That(q.Bytes, Is.LessThanOrEqualTo(64 * 1024), $"after record {i}");
        }
        Assert.That(q.Count, Is.LessThan(64), "each record keeps ~2-8 KB alive: the byte bound, not the count, held");
        Assert.That(dropped, Is.EqualTo(1000 - q.Count), "every record not held was dropped and counted");
        var pids = new List<int>();
        while (q.TryTake(out var e)) pids.Add(e.Record!.Pid);
        Assert.That(pids, Is.EqualTo(Enumerable.Range(1000 - pids.Count, pids.Count)), "the newest are kept, oldest first");
        Assert.That(q.Bytes, Is.Zero, "taking gives the memory back to the bound");
    }

    [Test]
    public void TakingManyAtOnceGivesTheOldestInOrderAndTheirMemoryBack()
    {
        var q = new ExportQueue(maxCount: 100, maxBytes: 1024 * 1024);
        for (int i = 0; i < 10; i++) q.Add(new TelemetryEvent(1, "r1", Big(i, 100), null, false, null), out _);
        var into = new TelemetryEvent[4];
        Assert.That(q.Take(into), Is.EqualTo(4));
        Assert.That(into.Select(e => e.Record!.Pid), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        var rest = new TelemetryEvent[16];
        Assert.That(q.Take(rest), Is.EqualTo(6), "no more than are held");
        Assert.That(rest.Take(6).Select(e => e.Record!.Pid), Is.EqualTo(new[] { 4, 5, 6, 7, 8, 9 }));
        Assert.That((q.Count, q.Bytes, q.Take(rest)), Is.EqualTo((0, 0L, 0)), "empty, its memory given back");
    }

    [Test]
    public void ARecordLargerThanTheWholeBoundIsDroppedAndCountedNotHeld()
    {
        // A long argv: the local audit log has it; the export queue never holds more than its bound.
        var q = new ExportQueue(maxCount: 100, maxBytes: 4096);
        q.Add(new TelemetryEvent(1, "r1", Big(1, 100), null, false, null), out _);
        q.Add(new TelemetryEvent(1, "r1", Big(2, 10_000), null, false, null), out int dropped);
        Assert.That((q.Count, dropped, q.Bytes <= 4096), Is.EqualTo((1, 1, true)), "the huge record went, the one before stayed");
        Assert.That(q.TryTake(out var e) && e.Record!.Pid == 1, Is.True);
    }

    [Test]
    public void QueueingADecisionAllocatesNothingOnTheDecidingThread()
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var exporter = new TelemetryExporter(s, new StringWriter(), stateDirectory: null); // not started: nothing drains
        var records = Enumerable.Range(0, 100).Select(Record).ToArray();
        for (int i = 0; i < 3 * s.QueueSize; i++) exporter.Decision(records[i % 100], "r1", null); // the ring at its full size, dropping
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) exporter.Decision(records[i % 100], "r1", null);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "a decision's export is a slot in the ring: no encoding, no copy");
        Assert.That(exporter.Status.Dropped, Is.EqualTo(3 * s.QueueSize + 10_000 - s.QueueSize));
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
