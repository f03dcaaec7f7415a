using System.Diagnostics;
using System.Net.Sockets;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>Exports audit records, pauses and decision metrics over OTLP/HTTP (protobuf) off the
/// hot path. The deciding thread, after its answer is sent, queues the redacted audit record it
/// already has by reference (<see cref="PendingEvents"/>): no allocation, no encoding, and a wake of
/// the export thread only once per <see cref="WakeAt"/> records. One background thread encodes them
/// into a bounded ring (<see cref="RecordRing"/>), takes batches and posts them. Past the ring's
/// count or bytes the oldest record is dropped and
/// counted, never the caller blocked. A receiver that is down or slow delays nothing but this
/// thread; the first failure and the first drop are reported once on stderr. The local audit log,
/// written before, stays the source of truth. Built only when an endpoint is configured (see
/// <see cref="OtlpSettings.Resolve"/>); nothing is started before <see cref="Start"/>, and the
/// export thread only at the first record (or the schedule delay).</summary>
public sealed class TelemetryExporter : IDisposable
{
    // PERF: a batch is 512 records (OTLP's default) or 128 KiB encoded (a blocked curl is ~0.5 KB),
    // whichever comes first, copied into one reused buffer (made once: on the large-object heap).
    // Posts are what a receiver pays for most: the bench's (Python http.server) took ~130 us a
    // request at 48 to 190 KB, 1.3 us a record in 48 KB batches, 0.4 in 192 KB ones.
    internal const int BatchSize = 512;
    private const int BatchBytes = 128 * 1024;
    /// <summary>The ring's bytes: ~1,000 records of a blocked curl (0.45-0.65 KB each). Measured at
    /// load 16-33 over 100,000 exported decisions (VmHWM, export off ~16.2): 256 KiB 16.6 MiB, 512 KiB
    /// 16.1, 1 MiB 17.0 (main's queue 18.8-19.0); runs that dropped records, 20,000 decisions: 256 KiB
    /// 6 of 8 (main 1 of 8), 512 KiB 3 of 6 (main 2 of 6), 1 MiB 3 of 6 (main 2 of 6).</summary>
    internal const long QueueBytes = 512 * 1024;
    /// <summary>Records queued by reference, not yet encoded, at most: beyond, the deciding thread
    /// encodes the oldest itself (the export thread is starved or stalled; see <see cref="PendingChars"/>).</summary>
    internal const int PendingSlots = 256;
    /// <summary>The characters those records may hold (their argv and texts): a few long command
    /// lines, not 256, are kept alive by a stalled export thread.</summary>
    internal const int PendingChars = 128 * 1024;
    /// <summary>Records queued that wake the export thread to encode them. PERF: one futex wake per
    /// 64 decisions on the deciding thread; the records wait ~3 ms at the bench's rate, so most die
    /// young (gen0) as before.</summary>
    internal const int WakeAt = 64;
    /// <summary>While records come, the export thread looks for them this often (it is not woken for
    /// fewer than <see cref="WakeAt"/>); once none came, twice as long each time, up to the schedule
    /// delay: records that complete a batch after a burst are not left for the delay.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan FinalFlush = TimeSpan.FromSeconds(3);

    private readonly OtlpSettings _s;
    private readonly TextWriter _log;
    private readonly string? _stateDirectory;
    private readonly RecordRing _ring;
    private readonly PendingEvents _pending = new(PendingSlots, PendingChars);
    // Held while the export thread (or a test) moves events from _pending into _ring, with its own
    // encoder. Never taken by a deciding thread: one preempted while holding it would hold them up.
    private readonly Lock _encodeGate = new();
    private readonly PendingEvent[] _taken = new PendingEvent[WakeAt];
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
    // The export thread's buffers, made there: the batch's records, and the request's head.
    private ProtoWriter _batch = null!, _head = null!;
    // The export thread's encoder and its buffer (used under _encodeGate only).
    private DecisionRecords? _records;
    private ProtoWriter? _record;
    // A deciding thread's, made the first time it finds the slots full.
    [ThreadStatic] private static DecisionRecords? t_records;
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

    /// <summary>Records queued and not yet encoded, and records encoded and not yet taken (tests).</summary>
    internal (int Pending, int Encoded) Queued => (_pending.Count, _ring.Count);

    /// <summary>The encoded records not yet taken, in order (tests; takes them).</summary>
    internal byte[] TakeEncoded()
    {
        var w = new ProtoWriter(1024);
        while (_ring.Take(w, int.MaxValue, int.MaxValue) > 0) { }
        return w.Written.ToArray();
    }

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

    /// <summary>Queues one audit record, as redacted for the audit log (<see cref="Audit.AuditLog.Append(AuditRecord, bool, out AuditRecord?)"/>),
    /// and counts the decision.</summary>
    /// <remarks>The record is kept by reference until the export thread encodes it: it must not
    /// change after (an audit record's lists are the caller's, made for it).</remarks>
    public void Decision(AuditRecord record, string session, string? pendingId)
    {
        Metrics.Decision(record.Action, record.Effect, record.Environment);
        Enqueue(new PendingEvent(new TelemetryEvent(UnixNano(record.Time), session, record, null, false, pendingId), null));
    }

    /// <summary>Queues "pause opened".</summary>
    public void PauseOpened(PendingItem item, string session)
    {
        Metrics.PauseOpened();
        EnqueuePause(new TelemetryEvent(NowUnixNano(), session, null, item, true, item.Id));
    }

    /// <summary>Queues "pause answered" or "timed out" (by whom, after how long).</summary>
    public void PauseClosed(PendingItem item, string session)
    {
        double waited = item.Answered is { } t ? (t - item.Created).TotalMilliseconds : 0;
        Metrics.PauseClosed(TelemetryEvents.Outcome(item.Outcome), waited);
        EnqueuePause(new TelemetryEvent(NowUnixNano(), session, null, item, false, item.Id));
    }

    // A pause item changes as it is answered: its log record is made now (rare, allocates).
    private void EnqueuePause(in TelemetryEvent ev)
    {
        if (_s.LogsEndpoint == null) return;
        LogEntry log;
        try { log = TelemetryEvents.ToLog(ev); }
        catch (Exception ex) { log = ExportError(ev.TimeUnixNano, ex); }
        Enqueue(new PendingEvent(ev, log));
    }

    // PERF: the caller's whole cost, after its answer was sent: the event copied into a slot under a
    // lock. The export thread is woken (a futex call) once per WakeAt events; else its timer finds
    // them. Only while the slots are full (the export thread starved or stalled) does the caller
    // encode, the oldest one per event it queues: as much as it did before the slots, never waiting
    // for the export thread. (That oldest one may then reach the ring beside a chunk the export
    // thread is encoding, out of order; each record carries its time.)
    private void Enqueue(in PendingEvent ev)
    {
        if (_s.LogsEndpoint == null) return;
        int size = PendingEvents.Size(ev);
        int count;
        while (!_pending.TryAdd(ev, size, out count))
        {
            if (!_pending.TakeOldest(out var oldest)) continue;
            var w = t_record ??= new ProtoWriter(1024);
            if (Add(w, oldest, t_records ??= new DecisionRecords())) _wake.Set();
            if (w.Capacity > 64 * 1024) t_record = null; // one huge record: not kept for good
        }
        if (Volatile.Read(ref _started) == 0) EnsureThread();
        if (count == WakeAt) _wake.Set();
    }

    // Encodes one event into the ring, counting what the ring dropped for it; true when a batch waits.
    private bool Add(ProtoWriter w, in PendingEvent e, DecisionRecords records)
    {
        w.Reset();
        Encode(w, e, records);
        bool batch = _ring.Add(w.Written, BatchSize, BatchBytes, out int dropped);
        for (int d = 0; d < dropped; d++) _status.AddDropped();
        return batch;
    }

    /// <summary>Encodes the events queued so far into the ring, in order (the export thread; tests); how many.</summary>
    internal int Encode()
    {
        int all = 0;
        lock (_encodeGate)
        {
            var w = _record ??= new ProtoWriter(1024);
            var records = _records ??= new DecisionRecords();
            int n;
            while ((n = _pending.Take(_taken)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    Add(w, _taken[i], records);
                    _taken[i] = default;
                    if (w.Capacity > 64 * 1024) _record = w = new ProtoWriter(1024); // one huge record: not kept for good
                }
                all += n;
            }
        }
        return all;
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
        _lastPost = Stopwatch.GetTimestamp();
        var w = new ProtoWriter(1024);
        using var http = new OtlpPoster(_s.Timeout);
        var nextMetrics = Stopwatch.GetTimestamp() + (long)(_s.MetricInterval.TotalSeconds * Stopwatch.Frequency);
        var wait = _s.LogDelay;
        while (!_stop.IsCancellationRequested)
        {
            var untilMetrics = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextMetrics);
            // Woken (WakeAt records queued), or looking again (Poll), or the schedule delay passed:
            // what was queued is encoded, and posted once a batch is full, or the schedule delay has
            // passed (waiting, or since the last post).
            bool woken = _wake.WaitOne(untilMetrics < wait ? (untilMetrics < TimeSpan.Zero ? TimeSpan.Zero : untilMetrics) : wait);
            if (_stop.IsCancellationRequested) break;
            bool delay = !woken && wait >= _s.LogDelay;
            wait = Encode() > 0 ? Poll : wait * 2 < _s.LogDelay ? wait * 2 : _s.LogDelay;
            SendLogs(http, flush: delay || Stopwatch.GetElapsedTime(_lastPost) >= _s.LogDelay, _stop.Token);
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
            Encode(); // the events queued since (while the last batch was posted)
            ReportDrops();
            if (!flush && !_ring.HasBatch(BatchSize, BatchBytes)) return;
            var w = _batch;
            w.Reset();
            int n = _ring.Take(w, BatchSize, BatchBytes);
            if (n == 0) return;
            OtlpMessages.LogsHead(_head, _logsParts, w.Written.Length);
            bool posted = Post(http, _s.LogsEndpoint!, _s.LogsHeaders, _head.WrittenMemory, w.WrittenMemory, n, ct);
            _lastPost = Stopwatch.GetTimestamp();
            if (w.Capacity > 2 * BatchBytes) _batch = new ProtoWriter(BatchBytes + 1024);
            if (!posted) return;
        }
    }

    // A record that cannot be turned into a log record is replaced by one that says so (the audit
    // log has it): nothing stops on one. Both encoders write only after their last step that can
    // fail, so a failure leaves nothing half-written.
    private static void Encode(ProtoWriter w, in PendingEvent e, DecisionRecords records)
    {
        try
        {
            if (e.Pause != null) OtlpMessages.LogRecord(w, e.Pause);
            else records.Write(w, e.Event);
        }
        catch (Exception ex)
        {
            w.Reset();
            OtlpMessages.LogRecord(w, ExportError(e.Event.TimeUnixNano, ex));
        }
    }

    private static LogEntry ExportError(ulong time, Exception ex) => new(time, OtlpMessages.Warn, "WARN", "agentshell.export_error",
        $"a record could not be exported ({ex.GetType().Name}); see the local audit log", []);

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
