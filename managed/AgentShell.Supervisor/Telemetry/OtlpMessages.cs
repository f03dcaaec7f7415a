namespace AgentShell.Supervisor.Telemetry;

/// <summary>One attribute: a string, an array of strings, or an integer when both are null.</summary>
internal readonly record struct Attr(string Key, string? Str, long Int = 0, string[]? Array = null)
{
    public static Attr Of(string key, long value) => new(key, null, value);
}

/// <summary>One OTLP log record.</summary>
internal sealed record LogEntry(ulong TimeUnixNano, int Severity, string SeverityText, string EventName, string Body, List<Attr> Attributes);

/// <summary>One histogram series as exported: cumulative counts per bucket.</summary>
internal sealed record HistogramPoint(List<Attr> Attributes, double[] Bounds, long[] Counts, long Count, double Sum);

/// <summary>The OTLP/HTTP protobuf messages agentshell sends: <c>ExportLogsServiceRequest</c> and
/// <c>ExportMetricsServiceRequest</c> (opentelemetry-proto v1: collector/logs/v1, collector/metrics/v1,
/// logs/v1, metrics/v1, common/v1, resource/v1). Field numbers are those of the .proto files; the
/// tests decode the output with Google.Protobuf.</summary>
internal static class OtlpMessages
{
    /// <summary>OTLP SeverityNumber INFO and WARN.</summary>
    public const int Info = 9, Warn = 13;
    private const int CumulativeTemporality = 2;

    /// <summary>The parts every ExportLogsServiceRequest of the run starts with: the encoded
    /// <c>ResourceLogs.resource</c> field and <c>ScopeLogs.scope</c> field (built once, at start).</summary>
    public static (byte[] Resource, byte[] Scope) LogsParts(IReadOnlyList<Attr> resource, string scopeVersion)
    {
        var w = new ProtoWriter(1024);
        Resource(w, resource);                         // ResourceLogs.resource = 1
        byte[] r = w.Written.ToArray();
        w.Reset();
        Scope(w, scopeVersion);                        // ScopeLogs.scope = 1
        return (r, w.Written.ToArray());
    }

    /// <summary>Writes into <paramref name="head"/> the start of one ExportLogsServiceRequest whose
    /// log records (<see cref="LogRecord"/>, one after another) take <paramref name="recordsLength"/>
    /// bytes: the request is the head followed by those records. PERF: the records are encoded once,
    /// into one buffer, and sent from there; nesting them would copy the batch twice more.</summary>
    public static void LogsHead(ProtoWriter head, (byte[] Resource, byte[] Scope) parts, int recordsLength)
    {
        head.Reset();
        int scopeLogs = parts.Scope.Length + recordsLength;
        int resourceLogs = parts.Resource.Length + ProtoWriter.HeaderLength(2, scopeLogs) + scopeLogs;
        head.Header(1, resourceLogs);                  // ExportLogsServiceRequest.resource_logs
        head.Raw(parts.Resource);
        head.Header(2, scopeLogs);                     // ResourceLogs.scope_logs
        head.Raw(parts.Scope);
    }

    /// <summary>Appends one <c>ScopeLogs.log_records</c> field (a LogRecord message) to <paramref name="w"/>.</summary>
    public static void LogRecord(ProtoWriter w, LogEntry r)
    {
        w.Begin(2);                                    // ScopeLogs.log_records
        w.Fixed64(1, r.TimeUnixNano);                  // time_unix_nano
        w.UInt64(2, (ulong)r.Severity);                // severity_number
        w.String(3, r.SeverityText);                   // severity_text
        w.Begin(5); w.String(1, r.Body); w.End();      // body: AnyValue.string_value
        foreach (var a in r.Attributes) KeyValue(w, 6, a);
        w.Fixed64(11, r.TimeUnixNano);                 // observed_time_unix_nano
        w.String(12, r.EventName);                     // event_name
        w.End();
    }

    /// <summary>Encodes one ExportMetricsServiceRequest: cumulative sums, one gauge, histograms.</summary>
    public static void Metrics(ProtoWriter w, IReadOnlyList<Attr> resource, string scopeVersion, MetricsSnapshot m)
    {
        w.Reset();
        w.Begin(1);                                    // ExportMetricsServiceRequest.resource_metrics
        Resource(w, resource);
        w.Begin(2);                                    // ResourceMetrics.scope_metrics
        Scope(w, scopeVersion);
        Metric(w, "agentshell.decisions", "Decisions recorded, by action, effect and environment", "{decision}");
        w.Begin(7);                                    // Metric.sum
        foreach (var (attrs, value) in m.Decisions) NumberPoint(w, attrs, m.Start, m.Now, value);
        w.UInt64(2, CumulativeTemporality);
        w.UInt64(3, 1);                                // is_monotonic
        w.End();
        w.End();
        Metric(w, "agentshell.pauses.open", "Paused requests waiting for a person", "{pause}");
        w.Begin(5);                                    // Metric.gauge
        NumberPoint(w, [], 0, m.Now, m.PausesOpen);
        w.End();
        w.End();
        Histogram(w, "agentshell.pause.wait", "How long a pause waited for its answer", "ms", m.PauseWaits, m);
        Histogram(w, "agentshell.decision.latency", "Time from receiving a notification to answering it", "us", m.Latency, m);
        w.End();
        w.End();
    }

    private static void Histogram(ProtoWriter w, string name, string description, string unit, IReadOnlyList<HistogramPoint> points, MetricsSnapshot m)
    {
        Metric(w, name, description, unit);
        w.Begin(9);                                    // Metric.histogram
        foreach (var p in points)
        {
            w.Begin(1);                                // data_points: HistogramDataPoint
            foreach (var a in p.Attributes) KeyValue(w, 9, a);
            w.Fixed64(2, m.Start);
            w.Fixed64(3, m.Now);
            w.Fixed64(4, (ulong)p.Count);
            w.Double(5, p.Sum);
            w.PackedFixed64(6, p.Counts);
            w.PackedDouble(7, p.Bounds);
            w.End();
        }
        w.UInt64(2, CumulativeTemporality);
        w.End();
        w.End();
    }

    // Opens a Metric (closed by the caller after its data).
    private static void Metric(ProtoWriter w, string name, string description, string unit)
    {
        w.Begin(2);                                    // ScopeMetrics.metrics
        w.String(1, name);
        w.String(2, description);
        w.String(3, unit);
    }

    private static void NumberPoint(ProtoWriter w, List<Attr> attrs, ulong start, ulong now, long value)
    {
        w.Begin(1);                                    // data_points: NumberDataPoint
        foreach (var a in attrs) KeyValue(w, 7, a);
        w.Fixed64(2, start);
        w.Fixed64(3, now);
        w.Fixed64(6, unchecked((ulong)value), always: true); // as_int (sfixed64), in a oneof
        w.End();
    }

    private static void Resource(ProtoWriter w, IReadOnlyList<Attr> attrs)
    {
        w.Begin(1);
        foreach (var a in attrs) KeyValue(w, 1, a);    // Resource.attributes
        w.End();
    }

    private static void Scope(ProtoWriter w, string version)
    {
        w.Begin(1);
        w.String(1, "agentshell");                     // InstrumentationScope.name
        w.String(2, version);
        w.End();
    }

    private static void KeyValue(ProtoWriter w, int field, Attr a)
    {
        w.Begin(field);
        w.String(1, a.Key);                            // KeyValue.key
        w.Begin(2);                                    // KeyValue.value: AnyValue
        if (a.Str != null) w.String(1, a.Str);         // string_value ("" reads back as no value)
        else if (a.Array != null)
        {
            w.Begin(5);                                // array_value: ArrayValue
            foreach (var v in a.Array) { w.Begin(1); w.String(1, v); w.End(); }
            w.End();
        }
        else w.Int64(3, a.Int, always: true);          // int_value
        w.End();
        w.End();
    }
}
