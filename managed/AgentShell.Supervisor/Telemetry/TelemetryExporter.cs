using System.Diagnostics;
using System.Net.Sockets;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Exports audit records, pauses and decision metrics over OTLP/HTTP (protobuf) off the
/// hot path. The deciding threads only enqueue (a lock and a queue insert, after the answer is
/// sent); one background thread batches, redacts, encodes and posts. The queue is bounded: when
/// full the oldest record is dropped and counted, never the caller blocked. A receiver that is down
/// or slow delays nothing but this thread, and the first failure is reported once on stderr; the
/// local audit log, written before, stays the source of truth. Built only when an endpoint is
/// configured (see <see cref="OtlpSettings.Resolve"/>); nothing is started before
/// <see cref="Start"/>.</summary>
public sealed class TelemetryExporter : IDisposable
{
    private const int BatchSize = 512;
    private static readonly TimeSpan FinalFlush = TimeSpan.FromSeconds(3);

    private readonly OtlpSettings _s;
    private readonly TextWriter _log;
    private readonly string? _stateDirectory;
    [ThreadStatic] private static ProtoWriter? t_writer;
    private readonly Queue<byte[]> _queue = new();
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly ExporterStatus _status = new();
    private Thread? _thread;
    private List<Attr> _resource = [];
    private string _runId = "";
    private int _reported;

    /// <summary>Prepares the exporter; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="settings">Where to send, with what headers.</param>
    /// <param name="log">Where the first failure is reported (the supervisor's stderr).</param>
    /// <param name="stateDirectory">Where the state file for <c>agentshell doctor</c> goes (the run
    /// directory), or null for none.</param>
    public TelemetryExporter(OtlpSettings settings, TextWriter log, string? stateDirectory)
    {
        _s = settings;
        _log = log;
        _stateDirectory = stateDirectory;
        _status.Endpoint = settings.Describe();
    }

    /// <summary>The exporter the environment and profiles ask for, or null when export is off (then
    /// nothing is built). A configuration that cannot work is an <paramref name="error"/>: the caller
    /// refuses to start.</summary>
    public static TelemetryExporter? Configure(Core.Policy.TelemetrySettings profile, TextWriter log, out string? error)
    {
        var s = OtlpSettings.Resolve(Environment.GetEnvironmentVariable, profile, out error);
        return s == null ? null : new TelemetryExporter(s, log, SocketPaths.Directory());
    }

    /// <summary>The decision metrics (recorded whether or not an export succeeds).</summary>
    public TelemetryMetrics Metrics { get; } = new();

    /// <summary>Counters and last results, for <c>doctor</c> and tests.</summary>
    public ExporterStatus Status => _status;

    internal static ulong NowUnixNano() => (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L);

    /// <summary>Builds the resource and starts the export thread.</summary>
    /// <param name="runId">The run's (or daemon's) id: <c>agentshell.run_id</c> and the state file's name.</param>
    /// <param name="profileFiles">Profile files loaded; each one's SHA-256 goes into the resource.</param>
    public void Start(string runId, IReadOnlyList<string> profileFiles)
    {
        _runId = runId;
        _status.RunId = runId;
        var attrs = new List<Attr>();
        foreach (var (k, v) in _s.ResourceAttributes) attrs.Add(new(k, v));
        var ours = new List<Attr>
        {
            new("service.name", "agentshell"),
            new("service.version", typeof(TelemetryExporter).Assembly.GetName().Version?.ToString() ?? "0"),
            new("host.name", Environment.MachineName),
            new("agentshell.run_id", runId),
            Attr.Of("process.pid", Environment.ProcessId),
            new("agentshell.profile.files", null, 0, profileFiles.ToArray()),
            new("agentshell.profile.sha256", null, 0, profileFiles.Select(Sha256).ToArray()),
        };
        attrs.RemoveAll(a => ours.Any(o => o.Key == a.Key));
        attrs.AddRange(ours);
        _resource = attrs;
        _thread = new Thread(Run) { IsBackground = true, Name = "otlp-export" };
        _thread.Start();
    }

    private static string Sha256(string file)
    {
        try { return System.Convert.ToHexStringLower(ProfileDigest.Sha256(File.ReadAllBytes(file))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unreadable"; }
    }

    /// <summary>Queues one audit record, as redacted for the audit log (<see cref="Audit.AuditLog.Append(AuditRecord, bool, out AuditRecord?)"/>),
    /// and counts the decision.</summary>
    public void Decision(AuditRecord record, string session, string? pendingId)
    {
        Metrics.Decision(record.Action, record.Effect, record.Environment);
        Enqueue(new TelemetryEvent(NowUnixNano(), session, record, null, false, pendingId));
    }

    /// <summary>Queues "pause opened".</summary>
    public void PauseOpened(PendingItem item, string session)
    {
        Metrics.PauseOpened();
        Enqueue(new TelemetryEvent(NowUnixNano(), session, null, item, true, item.Id));
    }

    /// <summary>Queues "pause answered" or "timed out" (by whom, after how long).</summary>
    public void PauseClosed(PendingItem item, string session)
    {
        double waited = item.Answered is { } t ? (t - item.Created).TotalMilliseconds : 0;
        Metrics.PauseClosed(TelemetryEvents.Outcome(item.Outcome), waited);
        Enqueue(new TelemetryEvent(NowUnixNano(), session, null, item, false, item.Id));
    }

    // PERF: the record is encoded here, on the caller's thread after its answer was sent (as the
    // audit line is), into one small array: the queue then holds ~0.5 KB per record rather than the
    // record's object graph (measured: about 7 KB each, counting the GC's slack), and the export
    // thread only frames and posts.
    private void Enqueue(TelemetryEvent ev)
    {
        if (_s.LogsEndpoint == null) return;
        byte[] e = Encode(ev);
        int count;
        lock (_gate)
        {
            if (_queue.Count >= _s.QueueSize) { _queue.Dequeue(); _status.AddDropped(); }
            _queue.Enqueue(e);
            count = _queue.Count;
        }
        if (count == BatchSize) _wake.Set();
    }

    private void Run()
    {
        var w = new ProtoWriter();
        using var http = new OtlpPoster(_s.Timeout);
        var nextMetrics = Stopwatch.GetTimestamp() + (long)(_s.MetricInterval.TotalSeconds * Stopwatch.Frequency);
        while (!_stop.IsCancellationRequested)
        {
            var untilMetrics = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextMetrics);
            _wake.WaitOne(untilMetrics < _s.LogDelay ? (untilMetrics < TimeSpan.Zero ? TimeSpan.Zero : untilMetrics) : _s.LogDelay);
            if (_stop.IsCancellationRequested) break;
            SendLogs(http, w, _stop.Token);
            if (Stopwatch.GetTimestamp() >= nextMetrics)
            {
                SendMetrics(http, w, _stop.Token);
                nextMetrics = Stopwatch.GetTimestamp() + (long)(_s.MetricInterval.TotalSeconds * Stopwatch.Frequency);
            }
        }
        // The run is ending: one last bounded attempt, so a short run's records and counts arrive.
        using var final = new CancellationTokenSource(FinalFlush);
        SendLogs(http, w, final.Token);
        SendMetrics(http, w, final.Token);
    }

    private void SendLogs(OtlpPoster http, ProtoWriter w, CancellationToken ct)
    {
        var batch = new List<byte[]>(BatchSize);
        while (!ct.IsCancellationRequested)
        {
            batch.Clear();
            lock (_gate)
                while (batch.Count < BatchSize && _queue.TryDequeue(out var e)) batch.Add(e);
            if (batch.Count == 0) return;
            OtlpMessages.Logs(w, _resource, "1", batch);
            if (!Post(http, _s.LogsEndpoint!, _s.LogsHeaders, w.WrittenMemory, batch.Count, ct)) return;
        }
    }

    // A record that cannot be turned into a log record is replaced by one that says so (the audit
    // log has it): the caller never sees an exception.
    private static byte[] Encode(TelemetryEvent e)
    {
        var w = t_writer ??= new ProtoWriter(1024);
        try { return OtlpMessages.LogRecord(w, TelemetryEvents.ToLog(e)); }
        catch (Exception ex)
        {
            return OtlpMessages.LogRecord(w, new LogEntry(e.TimeUnixNano, OtlpMessages.Warn, "WARN", "agentshell.export_error",
                $"a record could not be exported ({ex.GetType().Name}); see the local audit log", []));
        }
    }

    private void SendMetrics(OtlpPoster http, ProtoWriter w, CancellationToken ct)
    {
        if (_s.MetricsEndpoint == null || ct.IsCancellationRequested) return;
        OtlpMessages.Metrics(w, _resource, "1", Metrics.Snapshot());
        Post(http, _s.MetricsEndpoint, _s.MetricsHeaders, w.WrittenMemory, 0, ct);
    }

    private bool Post(OtlpPoster http, Uri to, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, int records, CancellationToken ct)
    {
        string? error;
        try { error = http.Post(to, headers, body, ct); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            error = ct.IsCancellationRequested ? "the run ended before the receiver answered"
                : e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } }
                    ? $"no answer within {_s.Timeout.TotalSeconds:0.#} s"
                    : e.InnerException?.Message ?? e.Message;
        }
        if (error == null) _status.Succeeded(records);
        else
        {
            _status.Fail(error, records);
            if (Interlocked.Exchange(ref _reported, 1) == 0)
                Report($"agentshell: telemetry export to {_status.Endpoint} failed: {error}. Decisions and the local audit log are not affected; "
                    + "further failures are counted, not shown (agentshell doctor shows the exporter's state).");
        }
        if (_stateDirectory != null) _status.Save(_stateDirectory);
        return error == null;
    }

    private void Report(string line)
    {
        try { _log.WriteLine(line); _log.Flush(); }
        catch (Exception)
        {
            // stderr is gone; the state file and the counters still tell.
        }
    }

    /// <summary>Stops the thread after one last bounded flush and removes the state file.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _wake.Set();
        _thread?.Join(FinalFlush + _s.Timeout);
        if (_stateDirectory != null) ExporterStatus.Remove(_stateDirectory, _runId);
    }
}
