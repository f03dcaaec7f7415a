using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class ExporterQueueTests
{
    private static AuditRecord Record(int pid) => new()
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
        var w = new ProtoWriter();
        var record = OtlpMessages.LogRecord(new ProtoWriter(), new LogEntry(1, OtlpMessages.Warn, "WARN", "agentshell.decision", "blocked", [Attr.Of("process.pid", 0)]));
        OtlpMessages.Logs(w, [new("service.name", "agentshell")], "1", [record]);
        var bytes = w.Written.ToArray();
        Assert.That(bytes[0], Is.EqualTo((1 << 3) | 2), "field 1 (resource_logs), length-delimited");
        // A zero int attribute is still written: it is a oneof member (its presence is the value).
        Assert.That(bytes.AsSpan().IndexOf(new byte[] { 0x18, 0x00 }), Is.GreaterThan(0), "AnyValue.int_value = 0");
    }
}
