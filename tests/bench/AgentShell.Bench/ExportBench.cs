using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Bench;

/// <summary>Issue 17's hand-off, in process: what queueing one exported decision costs the deciding
/// thread (its CPU time around <see cref="TelemetryExporter.Decision"/>, and bytes it allocates), and
/// what the export thread spends per record it posts (its schedstat) to a loopback receiver answering
/// 200. Decisions go in bursts of one batch (128), each burst waited out until the export thread has
/// posted it, so the ring never drops and the two threads seldom share a CPU. Only the public API
/// is used (for an A/B against a tree before the audit line was handed over, call
/// <c>Decision(record, session, null)</c> there). EXPORT_RECORDS (default 50,000).</summary>
public sealed class ExportBench : IBench
{
    /// <inheritdoc/>
    public string Name => "export";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        using var sink = new TcpListener(IPAddress.Loopback, 0);
        sink.Start();
        var receiver = new Thread(() => Serve(sink)) { IsBackground = true, Name = "sink" };
        receiver.Start();
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)sink.LocalEndpoint).Port}",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "5" }; // a batch cut short by its bytes is posted at once, not after 1 s
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        using var exporter = new TelemetryExporter(s, TextWriter.Null, stateDirectory: null);
        exporter.Start("2f1c0a9e-run", []);
        int total = int.TryParse(Environment.GetEnvironmentVariable("EXPORT_RECORDS"), out int t) ? t : 50_000;
        // As the supervisor hands them over: a new audit record per decision, the rule's strings the same instances.
        string rule = "demo.http:delete-on-production", reason = "curl -X DELETE to production (127.0.0.2:8080): a destructive request";
        AuditRecord Record(int i) => new()
        {
            Time = DateTimeOffset.UtcNow, RunId = "2f1c0a9e-run", Syscall = AuditSyscall.Execve, Pid = 4242, PidChain = ["bash(1)", "telemetry-bench(2)"],
            Argv = ["curl", "-X", "DELETE", $"http://127.0.0.2:8080/volumes/{i}"], Targets = ["127.0.0.2:8080"], RuleId = rule,
            Action = AuditAction.Block, Outcome = AuditOutcome.Blocked, Environment = "production", Tool = "curl", Effect = "delete", Reason = reason,
        };
        const int Burst = 128;
        var burst = new AuditRecord[Burst];
        var lines = new byte[Burst][];
        long cpu = 0, alloc = 0, done = 0;
        long exportBefore = 0;
        for (int round = 0; done < total; round++)
        {
            if (round == 20) { cpu = alloc = done = 0; exportBefore = ExportThreadNs(); } // warmed up
            for (int i = 0; i < Burst; i++) { burst[i] = Record(round * Burst + i); lines[i] = AuditJson.ToLine(burst[i]); }
            long a0 = GC.GetAllocatedBytesForCurrentThread(), c0 = Harness.ThreadCpuNs();
            // As the audit recorder hands a decision over: the record, and the line the audit log wrote.
            for (int i = 0; i < Burst; i++) exporter.Decision(burst[i], lines[i], "2f1c0a9e-run", null);
            cpu += Harness.ThreadCpuNs() - c0;
            alloc += GC.GetAllocatedBytesForCurrentThread() - a0;
            done += Burst;
            var until = DateTime.UtcNow.AddSeconds(10);
            while (exporter.Status.Exported + exporter.Status.Dropped + exporter.Status.Failed < (long)(round + 1) * Burst && DateTime.UtcNow < until)
                Thread.Sleep(1);
        }
        long exportNs = ExportThreadNs() - exportBefore;
        Harness.Report("deciding thread: Decision() per record (CPU)", (double)cpu / done, (double)alloc / done);
        Console.WriteLine($"  {"export thread: CPU per record posted",-58} {exportNs / 1000.0 / done,9:F3} µs/op");
        Console.WriteLine($"  exported {exporter.Status.Exported}, dropped {exporter.Status.Dropped}, failed {exporter.Status.Failed}");
    }

    private static long ExportThreadNs()
    {
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "otlp-export")
                return long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0]);
        return 0;
    }

    // A receiver as a collector is: reads each request's head and body, answers 200, keeps the connection.
    private static void Serve(TcpListener listener)
    {
        while (true)
        {
            using var c = listener.AcceptSocket();
            var buf = new byte[1 << 16];
            int have = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buf.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        int r = c.Receive(buf, have, buf.Length - have, SocketFlags.None);
                        if (r <= 0) throw new IOException("closed");
                        have += r;
                    }
                    var head = Encoding.ASCII.GetString(buf, 0, end);
                    long length = 0;
                    foreach (var line in head.Split("\r\n"))
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = long.Parse(line[15..].Trim());
                    long left = length - (have - end - 4);
                    int keep = left < 0 ? (int)-left : 0;
                    Buffer.BlockCopy(buf, have - keep, buf, 0, keep);
                    have = keep;
                    while (left > 0)
                    {
                        int r = c.Receive(buf, 0, (int)Math.Min(left, buf.Length), SocketFlags.None);
                        if (r <= 0) throw new IOException("closed");
                        left -= r;
                    }
                    c.Send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8);
                }
            }
            catch (Exception e) when (e is IOException or SocketException) { }
        }
    }
}
