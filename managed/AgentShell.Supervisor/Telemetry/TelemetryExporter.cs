using System.Diagnostics;
using System.Net.Sockets;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Exports audit records, pauses and decision metrics over OTLP/HTTP (protobuf) off the
/// hot path. The deciding thread, after its answer is sent, copies the line it wrote to the audit log
/// into a bounded ring (<see cref="RecordRing"/>, <see cref="DecisionRecords.Entry"/>): no
/// allocation, no encoding, and no wake of anyone until a whole batch waits. One background
/// thread takes batches, encodes them and posts them. Past the ring's count or bytes the oldest
/// record is dropped and counted, never the caller blocked. A receiver that is down or slow delays nothing but this
/// thread; the first failure and the first drop are reported once on stderr. The local audit log,
/// written before, stays the source of truth. Built only when an endpoint is configured (see
/// <see cref="OtlpSettings.Resolve"/>); nothing is started before <see cref="Start"/>, and the
/// export thread only at the first record (or the schedule delay).</summary>
public sealed class TelemetryExporter : IDisposable
{
    // PERF: a batch is 128 records or 48 KB encoded (a blocked curl is ~0.5 KB), whichever comes
    // first, copied into one reused buffer below the large-object heap's 85,000 bytes. Batches of
    // 512 records or 80 KiB (OTLP's default count) cost a receiver less per record (a post is
    // ~130 us to the bench's Python one whatever its size) but held more of the ring at once: bench
    // telemetry_export, interleaved, 2 runs of 3: export-on peak RSS 16.0 / 16.0 MiB against 15.9 /
    // 15.8 with these, and on − off latency alike (+1.3..+1.8 us seccomp, +2.7..+4.1 root).
    internal const int BatchSize = 128;
    private const int BatchBytes = 48 * 1024;
    /// <summary>The ring's bytes: ~1,000 records of a blocked curl (0.45-0.65 KB each). Measured at
    /// load 16-33 over 100,000 exported decisions (VmHWM, export off ~16.2): 256 KiB 16.6 MiB, 512 KiB
    /// 16.1, 1 MiB 17.0 (main's queue 18.8-19.0); runs that dropped records, 20,000 decisions: 256 KiB
    /// 6 of 8 (main 1 of 8), 512 KiB 3 of 6 (main 2 of 6), 1 MiB 3 of 6 (main 2 of 6).</summary>
    internal const long QueueBytes = 512 * 1024;
    private static readonly TimeSpan FinalFlush = TimeSpan.FromSeconds(3);

    private readonly OtlpSettings _s;
    private readonly TextWriter _log;
    private readonly string? _stateDirectory;
    private readonly RecordRing _ring;
    private readonly AutoResetEvent _wake = new(false);
    private readonly CancellationTokenSource _stop = new();
    private readonly ExporterStatus _status = new();
    private Thread? _thread;
    private int _started;
    private bool _closed; // disposed: no thread starts after (under _threadGate)
    private readonly Lock _threadGate = new();
    private List<Attr> _resource = [];
    private string _runId = "";
    private (byte[] Resource, byte[] Scope) _logsParts = ([], []);
    private int _reported, _reportedDrops;
    // The export thread's buffers, made there: the batch's records, the request's head, the ring's
    // entries taken, and the encoder of decisions.
    private ProtoWriter _batch = null!, _head = null!, _taken = null!;
    private DecisionRecords _records = null!;
    // Each enqueuing thread's buffer (deciding threads, the pause registry's).
    [ThreadStatic] private static ProtoWriter? t_record;
    private long _lastPost, _lastSave;
    private static readonly TimeSpan StateEvery = TimeSpan.FromSeconds(1);

    /// <summary>Prepares the exporter; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="settings">Where to send, with what headers.</param>
    /// <param name="log">Where the first failure is reported (the supervisor's stderr).</param>
    /// <param name="stateDirectory">Where the state file for <c>agentshell doctor</c> goes (the run
    /// directory), or null for none.</param>
    /// <param name="queueBytes">The ring's bytes (tests make it small).</param>
    public TelemetryExporter(OtlpSettings settings, TextWriter log, string? stateDirectory, long queueBytes = QueueBytes)
    {
        _ring = new RecordRing(settings.QueueSize, (int)queueBytes);
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

    internal static ulong NowUnixNano() => UnixNano(DateTimeOffset.UtcNow);

    private static ulong UnixNano(DateTimeOffset t) => (ulong)(t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>Builds the resource; the export thread starts at the first record queued after this,
    /// or after the schedule delay (<see cref="OtlpSettings.LogDelay"/>).</summary>
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
        _logsParts = OtlpMessages.LogsParts(attrs, "1");
        _runStarted = true;
        // A run of decisions that are not recorded (allows of unparsed tools) queues nothing, and
        // its metrics are still due: the thread starts after the schedule delay anyway.
        _late = new Timer(static s => ((TelemetryExporter)s!).EnsureThread(), this, _s.LogDelay, Timeout.InfiniteTimeSpan);
    }

    private volatile bool _runStarted;
    private Timer? _late;

    // PERF: the thread, its buffers and its connection are made at the first record, not at the
    // start: the run's start-up (whose code and data pages are dropped once the agent's exec is
    // done, see ImagePages) is its peak, and the exporter's first post (its socket, its buffers,
    // the code it runs) had been lifting it, by up to 1.5 MiB when a loaded start-up took more
    // than the schedule delay. Once per run, on the deciding thread after its answer was sent.
    private void EnsureThread()
    {
        if (!_runStarted) return;
        lock (_threadGate) StartLocked();
    }

    private void StartLocked()
    {
        if (_started != 0 || _closed) return;
        _thread = new Thread(Run) { IsBackground = true, Name = "otlp-export" };
        _thread.Start();
        Volatile.Write(ref _started, 1);
    }

    private static string Sha256(string file)
    {
        try { return System.Convert.ToHexStringLower(ProfileDigest.Sha256(File.ReadAllBytes(file))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "unreadable"; }
    }

    /// <summary>Queues one audit record, as redacted for the audit log, and counts the decision;
    /// its line is written here as the audit log writes it (<see cref="Decision(AuditRecord, ReadOnlySpan{byte}, string, string?)"/>
    /// takes the line the audit log wrote).</summary>
    public void Decision(AuditRecord record, string session, string? pendingId)
    {
        ReadOnlySpan<byte> line;
        try { line = DecisionRecords.Line(record); }
        catch (Exception e)
        {
            Metrics.Decision(record.Action, record.Effect, record.Environment);
            if (_s.LogsEndpoint == null) return;
            var w = t_record ??= new ProtoWriter(1024);
            w.Reset();
            ExportError(w, UnixNano(record.Time), e);
            Add(w);
            return;
        }
        Decision(record, line, session, pendingId);
    }

    /// <summary>Queues one decision and counts it: <paramref name="line"/> is the line the audit log
    /// wrote for <paramref name="record"/> (<see cref="Audit.AuditLog.Append(AuditRecord, bool, out AuditRecord?, out ReadOnlySpan{byte})"/>:
    /// redacted), copied as it is; the export thread reads it back into a log record.</summary>
    public void Decision(AuditRecord record, ReadOnlySpan<byte> line, string session, string? pendingId)
    {
        Metrics.Decision(record.Action, record.Effect, record.Environment);
        if (_s.LogsEndpoint == null) return;
        var w = t_record ??= new ProtoWriter(1024);
        DecisionRecords.Entry(w, line, session, pendingId);
        Add(w);
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

    // A pause (rare) is encoded here, on the registry's thread.
    private void Enqueue(in TelemetryEvent ev)
    {
        if (_s.LogsEndpoint == null) return;
        var w = t_record ??= new ProtoWriter(1024);
        w.Reset();
        Encode(w, ev);
        Add(w);
    }

    // PERF: a deciding thread's whole cost, after its answer was sent: its audit line copied into this
    // thread's buffer (DecisionRecords.Entry; its audit record then dies young: queued by reference
    // for the export thread, records outlived young collections and lifted peak RSS by 0.5 MiB, bench
    // telemetry_export 16.4 against 15.9) and into the ring under a lock. The export thread is woken
    // (a futex call) only when a whole batch waits; else its timer finds them.
    private void Add(ProtoWriter w)
    {
        bool batch = _ring.Add(w.Written, BatchSize, BatchBytes, out int dropped);
        for (int i = 0; i < dropped; i++) _status.AddDropped();
        if (w.Capacity > 64 * 1024) t_record = null; // one huge record: not kept for good
        if (Volatile.Read(ref _started) == 0) EnsureThread();
        if (batch) _wake.Set();
    }

    // Nothing the exporter meets may take the supervisor down with it (an exception escaping a
    // thread ends the process, and the tree with it): export stops, said once, and the local audit
    // log, the source of truth, goes on.
    private void Run()
    {
        try { Export(); }
        catch (Exception e)
        {
            _status.Fail($"the exporter stopped ({e.GetType().Name}: {e.Message})", 0);
            Report($"agentshell: telemetry export to {_status.Endpoint} stopped: {e.GetType().Name}. Decisions and the local audit log are not affected.");
        }
    }

    private void Export()
    {
        _batch = new ProtoWriter(BatchBytes + 1024);
        _head = new ProtoWriter(256);
        _taken = new ProtoWriter(BatchBytes / 2 + 1024);
        _records = new DecisionRecords();
        _lastPost = Stopwatch.GetTimestamp();
        var w = new ProtoWriter(1024);
        using var http = new OtlpPoster(_s.Timeout);
        var nextMetrics = Stopwatch.GetTimestamp() + (long)(_s.MetricInterval.TotalSeconds * Stopwatch.Frequency);
        while (!_stop.IsCancellationRequested)
        {
            var untilMetrics = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextMetrics);
            // Woken: records to encode, posted once a batch is full or the schedule delay has passed
            // since the last post; timed out: post what there is.
            bool woken = _wake.WaitOne(untilMetrics < _s.LogDelay ? (untilMetrics < TimeSpan.Zero ? TimeSpan.Zero : untilMetrics) : _s.LogDelay);
            if (_stop.IsCancellationRequested) break;
            SendLogs(http, flush: !woken || Stopwatch.GetElapsedTime(_lastPost) >= _s.LogDelay, _stop.Token);
            if (Stopwatch.GetTimestamp() >= nextMetrics)
            {
                SendMetrics(http, w, _stop.Token);
                nextMetrics = Stopwatch.GetTimestamp() + (long)(_s.MetricInterval.TotalSeconds * Stopwatch.Frequency);
            }
        }
        // The run is ending: one last bounded attempt, so a short run's records and counts arrive.
        using var final = new CancellationTokenSource(FinalFlush);
        SendLogs(http, flush: true, final.Token);
        SendMetrics(http, w, final.Token);
    }

    // Posts a batch from the ring while a whole one waits, or whatever waits when flushing (the
    // timer, the end of the run); until a post fails (then the timer retries; meanwhile the ring's
    // bounds hold). A failed batch is counted as failed (the local audit log has it).
    private void SendLogs(OtlpPoster http, bool flush, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            ReportDrops();
            if (!flush && !_ring.HasBatch(BatchSize, BatchBytes)) return;
            var w = _batch;
            w.Reset();
            int n = Fill(w);
            if (n == 0) return;
            OtlpMessages.LogsHead(_head, _logsParts, w.Written.Length);
            bool posted = Post(http, _s.LogsEndpoint!, _s.LogsHeaders, _head.WrittenMemory, w.WrittenMemory, n, ct);
            _lastPost = Stopwatch.GetTimestamp();
            if (w.Capacity > 2 * BatchBytes) _batch = new ProtoWriter(BatchBytes + 1024);
            if (!posted) return;
        }
    }

    // Takes up to a batch of entries from the ring and writes their log records into w: a
    // decision's entry is read and encoded here, a pause's copied. A decision's record may be larger
    // than its entry, so each take asks for at most half the batch's bytes still free: the batch
    // stays near BatchBytes, below the large-object heap. How many records.
    private int Fill(ProtoWriter w)
    {
        int n = 0;
        while (n < BatchSize && w.Written.Length < BatchBytes)
        {
            var taken = _taken;
            taken.Reset();
            int k = _ring.Take(taken, BatchSize - n, (BatchBytes - w.Written.Length) / 2);
            if (k == 0) break;
            n += k;
            for (var entries = taken.Written; !entries.IsEmpty;)
            {
                var entry = entries[..RecordRing.EntryLength(entries)];
                if (entry[0] == DecisionRecords.Kind) Encode(w, entry);
                else w.Raw(entry);
                entries = entries[entry.Length..];
            }
        }
        if (_taken.Capacity > 2 * BatchBytes) _taken = new ProtoWriter(BatchBytes / 2 + 1024);
        return n;
    }

    // A record that cannot be turned into a log record is replaced by one that says so (the audit
    // log has it): nothing stops on one. Both encoders write only after their last step that can
    // fail, so a failure leaves nothing half-written.
    private void Encode(ProtoWriter w, ReadOnlySpan<byte> decision)
    {
        try { _records.Write(w, decision); }
        catch (Exception ex) { ExportError(w, NowUnixNano(), ex); }
    }

    private static void Encode(ProtoWriter w, in TelemetryEvent e)
    {
        try { OtlpMessages.LogRecord(w, TelemetryEvents.ToLog(e)); }
        catch (Exception ex)
        {
            w.Reset();
            ExportError(w, e.TimeUnixNano, ex);
        }
    }

    private static void ExportError(ProtoWriter w, ulong time, Exception ex) =>
        OtlpMessages.LogRecord(w, new LogEntry(time, OtlpMessages.Warn, "WARN", "agentshell.export_error",
            $"a record could not be exported ({ex.GetType().Name}); see the local audit log", []));

    // Drops are counted in the state file (doctor); the first is also said once on stderr.
    private void ReportDrops()
    {
        if (_status.Dropped > 0 && Interlocked.Exchange(ref _reportedDrops, 1) == 0)
            Report($"agentshell: telemetry: the export queue to {_status.Endpoint} is full: the oldest queued records are being dropped "
                + $"(at most {_s.QueueSize} records or {_ring.Capacity / 1024} KiB are held). Decisions and the local audit log are not affected; "
                + "drops are counted, not shown (agentshell doctor shows the exporter's state).");
    }

    private void SendMetrics(OtlpPoster http, ProtoWriter w, CancellationToken ct)
    {
        if (_s.MetricsEndpoint == null || ct.IsCancellationRequested) return;
        OtlpMessages.Metrics(w, _resource, "1", Metrics.Snapshot());
        Post(http, _s.MetricsEndpoint, _s.MetricsHeaders, w.WrittenMemory, default, 0, ct);
    }

    private bool Post(OtlpPoster http, Uri to, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body,
        ReadOnlyMemory<byte> rest, int records, CancellationToken ct)
    {
        string? error;
        try { error = http.Post(to, headers, body, rest, ct); }
        // OperationCanceledException: the run ended (or the final flush's time ran out) during the connect.
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException)
        {
            error = ct.IsCancellationRequested ? "the run ended before the receiver answered"
                : e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } }
                    ? $"no answer within {_s.Timeout.TotalSeconds:0.#} s"
                    : e.InnerException?.Message ?? e.Message;
        }
        if (error == null) _status.Succeeded(records);
        else _status.Fail(error, records);
        // PERF: the state file is rewritten for a failure, and after successes at most once a
        // second: replacing a file on ext4 waits for its blocks to be written (submit_bio_wait),
        // and at every batch that held the export thread back until the queue dropped records
        // (bench telemetry_export, 100,000 decisions to a loopback receiver answering 200: 4,485
        // to 21,546 dropped).
        if (_stateDirectory != null && (error != null || Stopwatch.GetElapsedTime(_lastSave) >= StateEvery))
        {
            _status.Save(_stateDirectory);
            _lastSave = Stopwatch.GetTimestamp();
        }
        // Said after the state file has it: doctor, asked on seeing the line, shows the failure.
        if (error != null && Interlocked.Exchange(ref _reported, 1) == 0)
            Report($"agentshell: telemetry export to {_status.Endpoint} failed: {error}. Decisions and the local audit log are not affected; "
                + "further failures are counted, not shown (agentshell doctor shows the exporter's state).");
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
        _late?.Dispose();
        _stop.Cancel();
        Thread? thread;
        lock (_threadGate)
        {
            // Never started (nothing was queued): the metrics still get their one last post.
            if (_runStarted && _s.MetricsEndpoint != null) StartLocked();
            _closed = true;
            thread = _thread;
        }
        _wake.Set();
        thread?.Join(FinalFlush + _s.Timeout);
        if (_stateDirectory != null) ExporterStatus.Remove(_stateDirectory, _runId);
    }
}
