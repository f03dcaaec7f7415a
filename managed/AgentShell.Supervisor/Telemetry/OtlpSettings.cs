using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Where and how decisions are exported: resolved once at start-up from the standard
/// <c>OTEL_*</c> variables and the profiles' <c>Telemetry.Otlp</c> section. Null (from
/// <see cref="Resolve"/>) means export is off and nothing is built or started.</summary>
/// <remarks>Precedence follows the OpenTelemetry specification: a signal-specific variable
/// (<c>OTEL_EXPORTER_OTLP_LOGS_ENDPOINT</c>, used as is) over the general one
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, with <c>/v1/logs</c> or <c>/v1/metrics</c> appended) over the
/// profile's <c>Endpoint</c> (appended like the general one). Headers: the profile's, then
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>, then the signal's, each overriding by name. Only
/// <c>http/protobuf</c> is spoken; <c>grpc</c> or <c>http/json</c> is a start-up error, as is an
/// endpoint that is not an absolute http(s) URL.</remarks>
public sealed record OtlpSettings
{
    /// <summary>The endpoint only: a record would print every member, headers included.</summary>
    public override string ToString() => Describe();

    /// <summary>Where log records are posted, or null when only metrics are exported.</summary>
    public Uri? LogsEndpoint { get; private init; }
    /// <summary>Where metrics are posted, or null when only logs are exported.</summary>
    public Uri? MetricsEndpoint { get; private init; }
    /// <summary>Headers of log exports (values may be secrets: never printed).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> LogsHeaders { get; private init; } = [];
    /// <summary>Headers of metric exports.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MetricsHeaders { get; private init; } = [];
    /// <summary>Extra resource attributes (<c>OTEL_RESOURCE_ATTRIBUTES</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ResourceAttributes { get; private init; } = [];
    /// <summary>How long one export may take (<c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, default 10 s).</summary>
    public TimeSpan Timeout { get; private init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often metrics are sent (<c>OTEL_METRIC_EXPORT_INTERVAL</c>, default 60 s).</summary>
    public TimeSpan MetricInterval { get; private init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long log records wait to fill a batch (<c>OTEL_BLRP_SCHEDULE_DELAY</c>, default 1 s).</summary>
    public TimeSpan LogDelay { get; private init; } = TimeSpan.FromSeconds(1);
    /// <summary>Records held for export at most; the oldest is dropped (and counted) beyond it
    /// (<c>OTEL_BLRP_MAX_QUEUE_SIZE</c>, default 2048).</summary>
    public int QueueSize { get; private init; } = 2048;

    /// <summary>The endpoint for messages: logs', else metrics' (never with headers).</summary>
    public string Describe() => (LogsEndpoint ?? MetricsEndpoint)!.GetLeftPart(UriPartial.Path);

    /// <summary>Reads the settings; null with a null <paramref name="error"/> when export is off.</summary>
    /// <param name="env">Reads a variable (the process environment in the CLI).</param>
    /// <param name="profile">The layered <c>Telemetry</c> section.</param>
    /// <param name="error">Why the configuration is refused (the run must not start), or null.</param>
    public static OtlpSettings? Resolve(Func<string, string?> env, TelemetrySettings profile, out string? error)
    {
        error = null;
        string? Var(string name) => env(name) is { Length: > 0 } v ? v.Trim() : null;
        if (Var("OTEL_SDK_DISABLED")?.Equals("true", StringComparison.OrdinalIgnoreCase) == true) return null;

        string? general = Var("OTEL_EXPORTER_OTLP_ENDPOINT");
        string? logs = Var("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"), metrics = Var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        string? baseUrl = general ?? profile.Endpoint;
        string baseFrom = general != null ? "OTEL_EXPORTER_OTLP_ENDPOINT" : "the profile's Telemetry.Otlp.Endpoint";
        if (baseUrl == null && logs == null && metrics == null) return null;

        foreach (var name in (string[])["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"])
            if (Var(name) is string p && p != "http/protobuf")
            {
                error = $"{name}={p} is not supported: agentshell exports over OTLP/HTTP with protobuf only (set it to http/protobuf, "
                    + "or point it at a collector's HTTP port, usually 4318)";
                return null;
            }

        Uri? logsUri = Endpoint(logs, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", null, ref error)
            ?? Endpoint(baseUrl, baseFrom, "v1/logs", ref error);
        Uri? metricsUri = Endpoint(metrics, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", null, ref error)
            ?? Endpoint(baseUrl, baseFrom, "v1/metrics", ref error);
        if (error != null) return null;
        // A signal-specific endpoint alone exports that signal only (as the SDKs do).
        if (baseUrl == null) { if (logs == null) logsUri = null; if (metrics == null) metricsUri = null; }

        var common = new List<KeyValuePair<string, string>>(profile.Headers);
        if (!Merge(common, Var("OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS", ref error)) return null;
        var logsHeaders = new List<KeyValuePair<string, string>>(common);
        var metricsHeaders = new List<KeyValuePair<string, string>>(common);
        if (!Merge(logsHeaders, Var("OTEL_EXPORTER_OTLP_LOGS_HEADERS"), "OTEL_EXPORTER_OTLP_LOGS_HEADERS", ref error)
            || !Merge(metricsHeaders, Var("OTEL_EXPORTER_OTLP_METRICS_HEADERS"), "OTEL_EXPORTER_OTLP_METRICS_HEADERS", ref error)) return null;
        var resource = new List<KeyValuePair<string, string>>();
        if (!Merge(resource, Var("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES", ref error)) return null;

        var s = new OtlpSettings
        {
            LogsEndpoint = logsUri, MetricsEndpoint = metricsUri, LogsHeaders = logsHeaders, MetricsHeaders = metricsHeaders,
            ResourceAttributes = resource,
        };
        s = s.With(Var("OTEL_EXPORTER_OTLP_TIMEOUT"), "OTEL_EXPORTER_OTLP_TIMEOUT", ms => s with { Timeout = ms }, ref error);
        s = s.With(Var("OTEL_METRIC_EXPORT_INTERVAL"), "OTEL_METRIC_EXPORT_INTERVAL", ms => s with { MetricInterval = ms }, ref error);
        s = s.With(Var("OTEL_BLRP_SCHEDULE_DELAY"), "OTEL_BLRP_SCHEDULE_DELAY", ms => s with { LogDelay = ms }, ref error);
        if (Var("OTEL_BLRP_MAX_QUEUE_SIZE") is string q)
        {
            if (int.TryParse(q, out int n) && n is >= 1 and <= 65536) s = s with { QueueSize = n };
            else error = $"OTEL_BLRP_MAX_QUEUE_SIZE={q} must be a number of records from 1 to 65536";
        }
        return error == null ? s : null;
    }

    private OtlpSettings With(string? value, string name, Func<TimeSpan, OtlpSettings> set, ref string? error)
    {
        if (value == null) return this;
        if (int.TryParse(value, out int ms) && ms is >= 1 and <= 3_600_000) return set(TimeSpan.FromMilliseconds(ms));
        error ??= $"{name}={value} must be milliseconds from 1 to 3600000";
        return this;
    }

    private static Uri? Endpoint(string? url, string from, string? path, ref string? error)
    {
        if (url == null || error != null) return null;
        if (TelemetrySettings.CheckEndpoint(url) is string why) { error = $"{from}: {why}"; return null; }
        var u = new Uri(url);
        return path == null ? u : new Uri(u.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + path);
    }

    // W3C baggage-like lists: key=value,key2=value2, values percent-decoded. A later key replaces an earlier one.
    private static bool Merge(List<KeyValuePair<string, string>> into, string? list, string name, ref string? error)
    {
        if (list == null) return true;
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = item.IndexOf('=');
            string key = eq > 0 ? item[..eq].Trim() : "";
            if (key.Length == 0 || (name.EndsWith("HEADERS", StringComparison.Ordinal) && !TelemetrySettings.IsHeaderName(key)))
            {
                // The value is not echoed: it may be an API key.
                error = $"{name}: every entry must be name=value (an entry near position {list.IndexOf(item, StringComparison.Ordinal) + 1} is not)";
                return false;
            }
            string value = Uri.UnescapeDataString(item[(eq + 1)..].Trim());
            into.RemoveAll(kv => kv.Key.Equals(key, StringComparison.OrdinalIgnoreCase));
            into.Add(new(key, value));
        }
        return true;
    }
}
