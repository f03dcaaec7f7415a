using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A real OTLP/HTTP receiver on loopback: takes POSTs to /v1/logs and /v1/metrics, decodes
/// the protobuf bodies with Google.Protobuf's <see cref="CodedInputStream"/> (field numbers of
/// opentelemetry-proto's collector, logs, metrics, common and resource protos) and keeps what it
/// decoded. It can answer slowly or with an error, to show that changes nothing upstream.</summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _http = new();
    private readonly CancellationTokenSource _stop = new();

    internal sealed record Log(Dictionary<string, object> Resource, string EventName, int Severity, string Body, Dictionary<string, object> Attributes);
    internal sealed record Point(Dictionary<string, object> Attributes, long Value, long Count, long[] Buckets);
    internal sealed record Metric(string Name, string Kind, string Unit, List<Point> Points);

    internal ConcurrentQueue<Log> Logs { get; } = new();
    internal ConcurrentQueue<Metric> Metrics { get; } = new();
    internal ConcurrentQueue<Dictionary<string, string>> Headers { get; } = new();
    internal int Port { get; }
    internal string Endpoint => $"http://127.0.0.1:{Port}";
    /// <summary>How long each answer waits.</summary>
    internal TimeSpan Delay { get; set; }

    internal OtlpReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _http.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _http.Start();
        _ = Task.Run(Loop);
    }

    private async Task Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext c;
            try { c = await _http.GetContextAsync(); }
            catch (Exception) { return; } // stopped
            _ = Task.Run(() => Serve(c));
        }
    }

    private async Task Serve(HttpListenerContext c)
    {
        using var body = new MemoryStream();
        await c.Request.InputStream.CopyToAsync(body);
        Headers.Enqueue(c.Request.Headers.AllKeys.Where(k => k != null).ToDictionary(k => k!, k => c.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase));
        try
        {
            if (c.Request.Url!.AbsolutePath == "/v1/logs") DecodeLogs(body.ToArray());
            else if (c.Request.Url.AbsolutePath == "/v1/metrics") DecodeMetrics(body.ToArray());
            else c.Response.StatusCode = 404;
            if (c.Request.ContentType != "application/x-protobuf") c.Response.StatusCode = 415;
        }
        catch (InvalidProtocolBufferException)
        {
            c.Response.StatusCode = 400;
        }
        if (Delay > TimeSpan.Zero) { try { await Task.Delay(Delay, _stop.Token); } catch (OperationCanceledException) { } }
        try { c.Response.Close(); } catch (Exception) { } // the client gave up first: nothing to answer
    }

    // Walks a message: (field number, wire type, reader positioned at the value).
    private static IEnumerable<(int Field, CodedInputStream In)> Fields(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0) yield return (WireFormat.GetTagFieldNumber(tag), input);
    }

    private static byte[] Sub(CodedInputStream i) => i.ReadBytes().ToByteArray();

    private void DecodeLogs(byte[] request)
    {
        foreach (var (f, i) in Fields(request))                       // ExportLogsServiceRequest
        {
            if (f != 1) { i.SkipLastField(); continue; }              // resource_logs
            var resource = new Dictionary<string, object>();
            var logs = new List<byte[]>();
            foreach (var (rf, ri) in Fields(Sub(i)))                  // ResourceLogs
            {
                if (rf == 1) resource = Attributes(Sub(ri), 1);       // resource
                else if (rf == 2)                                      // scope_logs
                    foreach (var (sf, si) in Fields(Sub(ri)))
                        if (sf == 2) logs.Add(Sub(si)); else si.SkipLastField();
                else ri.SkipLastField();
            }
            foreach (var l in logs) Logs.Enqueue(DecodeLog(resource, l));
        }
    }

    private static Log DecodeLog(Dictionary<string, object> resource, byte[] bytes)
    {
        string name = "", body = "";
        int severity = 0;
        var attrs = new Dictionary<string, object>();
        foreach (var (f, i) in Fields(bytes))                         // LogRecord
        {
            switch (f)
            {
                case 2: severity = i.ReadEnum(); break;                // severity_number
                case 5: body = (string)Value(Sub(i)); break;           // body
                case 6: var (k, v) = KeyValue(Sub(i)); attrs[k] = v; break;
                case 12: name = i.ReadString(); break;                 // event_name
                default: i.SkipLastField(); break;
            }
        }
        return new Log(resource, name, severity, body, attrs);
    }

    private void DecodeMetrics(byte[] request)
    {
        foreach (var (f, i) in Fields(request))                       // ExportMetricsServiceRequest
        {
            if (f != 1) { i.SkipLastField(); continue; }
            foreach (var (rf, ri) in Fields(Sub(i)))                  // ResourceMetrics
            {
                if (rf != 2) { ri.SkipLastField(); continue; }
                foreach (var (sf, si) in Fields(Sub(ri)))             // ScopeMetrics
                {
                    if (sf != 2) { si.SkipLastField(); continue; }
                    Metrics.Enqueue(DecodeMetric(Sub(si)));
                }
            }
        }
    }

    private static Metric DecodeMetric(byte[] bytes)
    {
        string name = "", unit = "", kind = "";
        var points = new List<Point>();
        foreach (var (f, i) in Fields(bytes))                         // Metric
        {
            switch (f)
            {
                case 1: name = i.ReadString(); break;
                case 3: unit = i.ReadString(); break;
                case 5 or 7 or 9:                                      // gauge, sum, histogram
                    kind = f == 5 ? "gauge" : f == 7 ? "sum" : "histogram";
                    foreach (var (df, di) in Fields(Sub(i)))
                        if (df == 1) points.Add(f == 9 ? HistogramPoint(Sub(di)) : NumberPoint(Sub(di))); else di.SkipLastField();
                    break;
                default: i.SkipLastField(); break;
            }
        }
        return new Metric(name, kind, unit, points);
    }

    private static Point NumberPoint(byte[] bytes)
    {
        var attrs = new Dictionary<string, object>();
        long value = 0;
        foreach (var (f, i) in Fields(bytes))                         // NumberDataPoint
        {
            if (f == 7) { var (k, v) = KeyValue(Sub(i)); attrs[k] = v; }
            else if (f == 6) value = i.ReadSFixed64();                // as_int
            else if (f == 4) value = (long)i.ReadDouble();            // as_double
            else i.SkipLastField();
        }
        return new Point(attrs, value, 0, []);
    }

    private static Point HistogramPoint(byte[] bytes)
    {
        var attrs = new Dictionary<string, object>();
        long count = 0;
        var buckets = new List<long>();
        foreach (var (f, i) in Fields(bytes))                         // HistogramDataPoint
        {
            if (f == 9) { var (k, v) = KeyValue(Sub(i)); attrs[k] = v; }
            else if (f == 4) count = (long)i.ReadFixed64();
            else if (f == 6)                                           // bucket_counts, packed
            {
                var packed = new CodedInputStream(Sub(i));
                while (!packed.IsAtEnd) buckets.Add((long)packed.ReadFixed64());
            }
            else i.SkipLastField();
        }
        return new Point(attrs, 0, count, [.. buckets]);
    }

    private static Dictionary<string, object> Attributes(byte[] resource, int field)
    {
        var d = new Dictionary<string, object>();
        foreach (var (f, i) in Fields(resource))
            if (f == field) { var (k, v) = KeyValue(Sub(i)); d[k] = v; } else i.SkipLastField();
        return d;
    }

    private static (string, object) KeyValue(byte[] bytes)
    {
        string key = "";
        object value = "";
        foreach (var (f, i) in Fields(bytes))
            if (f == 1) key = i.ReadString(); else if (f == 2) value = Value(Sub(i)); else i.SkipLastField();
        return (key, value);
    }

    // AnyValue: string_value 1, int_value 3, array_value 5 (ArrayValue.values 1).
    private static object Value(byte[] bytes)
    {
        object v = "";
        foreach (var (f, i) in Fields(bytes))
        {
            if (f == 1) v = i.ReadString();
            else if (f == 3) v = i.ReadInt64();
            else if (f == 5) v = Fields(Sub(i)).Select(x => Value(Sub(x.In))).ToList();
            else i.SkipLastField();
        }
        return v;
    }

    /// <summary>Waits until a log record matches <paramref name="match"/>.</summary>
    internal Log WaitForLog(Func<Log, bool> match, int seconds = 20)
    {
        var end = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < end)
        {
            if (Logs.FirstOrDefault(match) is { } l) return l;
            Thread.Sleep(50);
        }
        Assert.Fail($"no matching log record arrived; received:\n{string.Join("\n", Logs.Select(l => $"{l.EventName}: {l.Body}"))}");
        return null!;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Close();
    }
}
