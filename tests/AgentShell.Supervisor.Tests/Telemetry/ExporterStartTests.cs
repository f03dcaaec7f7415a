using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

/// <summary>The export thread and its connection start at the first record (or the schedule
/// delay), not at the run's start; a run that queued nothing still posts its metrics at the end.</summary>
[TestFixture]
public sealed class ExporterStartTests
{
    // A receiver answering 200 to every request, noting each request's path.
    private sealed class Receiver : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        public readonly ConcurrentQueue<string> Paths = new();
        public int Accepted;

        public Receiver()
        {
            _listener.Start();
            Task.Run(() =>
            {
                try
                {
                    while (true)
                    {
                        var client = _listener.AcceptTcpClient();
                        Interlocked.Increment(ref Accepted);
                        Task.Run(() => Serve(client));
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Disposed: the test is over.
                }
            });
        }

        public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        private void Serve(TcpClient client)
        {
            using (client)
            {
                var s = client.GetStream();
                try
                {
                    while (true)
                    {
                        var head = new List<byte>();
                        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
                        {
                            int b = s.ReadByte();
                            if (b < 0) return;
                            head.Add((byte)b);
                        }
                        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
                        int length = int.Parse(lines.Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..].Trim());
                        s.ReadExactly(new byte[length]);
                        Paths.Enqueue(lines[0].Split(' ')[1]);
                        s.Write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8);
                    }
                }
                catch (IOException)
                {
                    // The exporter closed the connection.
                }
            }
        }

        public void Dispose() => _listener.Stop();
    }

    // The process's threads named as the export thread names itself.
    private static int ExportThreads() => Directory.GetDirectories("/proc/self/task").Count(t =>
    {
        try { return File.ReadAllText(Path.Combine(t, "comm")).Trim() == "otlp-export"; }
        catch (IOException) { return false; } // the thread ended meanwhile
    });

    private static TelemetryExporter Exporter(Receiver r, string delayMs)
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = r.Endpoint, ["OTEL_BLRP_SCHEDULE_DELAY"] = delayMs };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        return new TelemetryExporter(s, TextWriter.Synchronized(new StringWriter()), stateDirectory: null);
    }

    [Test]
    public void NothingConnectsBeforeTheFirstRecordAndItsBatchArrives()
    {
        using var receiver = new Receiver();
        using var exporter = Exporter(receiver, "60000");
        int before = ExportThreads();
        exporter.Start("r1", []);
        Thread.Sleep(500);
        Assert.That(ExportThreads(), Is.EqualTo(before), "no record yet, and the schedule delay has not passed: no thread");
        Assert.That(receiver.Accepted, Is.Zero, "nor a connection");
        for (int i = 0; i < TelemetryExporter.BatchSize; i++) exporter.Decision(ExporterQueueTests.Record(i), "r1", null);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (exporter.Status.Exported == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        // A batch is full at 512 records or 80 KiB encoded, whichever comes first.
        Assert.That(exporter.Status.Exported, Is.GreaterThan(0), "a full batch is posted without waiting for the delay");
        Assert.That(receiver.Accepted, Is.EqualTo(1));
        Assert.That(ExportThreads(), Is.EqualTo(before + 1), "one export thread");
        Assert.That(receiver.Paths, Does.Contain("/v1/logs"));
    }

    [Test]
    public void ARunThatQueuedNothingStillPostsItsMetricsAtTheEnd()
    {
        using var receiver = new Receiver();
        var exporter = Exporter(receiver, "60000");
        exporter.Start("r1", []);
        exporter.Metrics.Latency(1000);
        exporter.Dispose();
        Assert.That(receiver.Paths, Is.EqualTo(new[] { "/v1/metrics" }), "the final metrics post, and no logs post: there were no records");
    }

    [Test]
    public void WithoutRecordsTheThreadStartsAfterTheScheduleDelay()
    {
        using var receiver = new Receiver();
        var env = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint, ["OTEL_BLRP_SCHEDULE_DELAY"] = "100", ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        using var exporter = new TelemetryExporter(s, TextWriter.Synchronized(new StringWriter()), stateDirectory: null);
        exporter.Start("r1", []);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!receiver.Paths.Contains("/v1/metrics") && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.That(receiver.Paths, Does.Contain("/v1/metrics"), "metrics are posted on their interval though nothing was queued");
    }
}
