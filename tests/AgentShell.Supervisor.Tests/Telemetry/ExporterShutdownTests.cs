using System.Net;
using System.Net.Sockets;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

/// <summary>The run ending while the export thread is still connecting: the connect is cancelled,
/// and that must end as a failed post, never as an exception that takes the supervisor down.</summary>
[TestFixture]
public sealed class ExporterShutdownTests
{
    [Test]
    public void ARunEndingWhileTheReceiverDoesNotAcceptConnectionsEndsTheExporterWithAFailureNotACrash()
    {
        // A listener with a backlog of one whose queue is full: the kernel drops further SYNs, so
        // the export thread's connect hangs (far shorter than the 60 s timeout) until the run ends.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var port = ((IPEndPoint)full.LocalEndPoint!).Port;
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(IPAddress.Loopback, port);
        using var hung = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        try { hung.Connect(IPAddress.Loopback, port); }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Expected: the SYN is dropped, the connect stays in progress.
        }
        Assert.That(hung.Poll(300_000, SelectMode.SelectWrite), Is.False, "precondition: a connect to the full listener does not complete");

        var env = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "10", ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "60000",
        };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var exporter = new TelemetryExporter(s, TextWriter.Synchronized(new StringWriter()), stateDirectory: null);
        Exception? crash = null;
        UnhandledExceptionEventHandler onCrash = (_, e) => crash = e.ExceptionObject as Exception;
        AppDomain.CurrentDomain.UnhandledException += onCrash;
        try
        {
            exporter.Start("r1", []);
            exporter.Decision(ExporterQueueTests.Record(1), "r1", null);
            Thread.Sleep(500); // the schedule delay passes: the thread is in its connect
            var sw = System.Diagnostics.Stopwatch.StartNew();
            exporter.Dispose();
            Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the end of the run is bounded");
        }
        finally
        {
            AppDomain.CurrentDomain.UnhandledException -= onCrash;
        }
        Assert.That(crash, Is.Null, "no exception escaped the export thread");
        Assert.That(exporter.Status.Failed, Is.GreaterThan(0), "the batch that could not be posted is counted as failed");
        Assert.That(exporter.Status.LastError, Does.Contain("run ended"));
    }
}
