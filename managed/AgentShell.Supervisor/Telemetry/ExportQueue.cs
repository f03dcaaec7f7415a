using AgentShell.Core.Audit;

namespace AgentShell.Supervisor.Telemetry;

/// <summary>The records waiting for the export thread: a FIFO ring bounded twice, by count (the
/// queue size) and by the memory its records keep alive (estimated, see <see cref="Cost"/>). Past
/// either bound the oldest record is dropped and counted, so a receiver that is slow or down never
/// grows the supervisor's memory past the bound nor makes a caller wait. The ring holds the events
/// themselves (structs: adding allocates nothing) and grows by doubling only as far as it is filled.</summary>
internal sealed class ExportQueue(int maxCount, long maxBytes)
{
    private readonly Lock _gate = new();
    private TelemetryEvent[] _items = new TelemetryEvent[Math.Min(maxCount, 64)];
    private int[] _costs = new int[Math.Min(maxCount, 64)];
    private int _head, _count;
    private long _bytes;

    /// <summary>The memory bound, in estimated bytes.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Records held now.</summary>
    public int Count { get { lock (_gate) return _count; } }

    /// <summary>The estimated bytes the held records keep alive.</summary>
    public long Bytes { get { lock (_gate) return _bytes; } }

    /// <summary>Adds <paramref name="e"/> behind the others, first dropping the oldest while either
    /// bound would be passed; <paramref name="dropped"/> says how many went (a record larger than
    /// the whole bound is itself dropped: the bound is never passed). The count after.</summary>
    public int Add(in TelemetryEvent e, out int dropped)
    {
        int cost = Cost(e);
        dropped = 0;
        lock (_gate)
        {
            if (cost > maxBytes) { dropped = 1; return _count; }
            while (_count > 0 && (_count >= maxCount || _bytes + cost > maxBytes))
            {
                DropOldest();
                dropped++;
            }
            if (_count == _items.Length) Grow();
            int tail = (_head + _count) % _items.Length;
            _items[tail] = e;
            _costs[tail] = cost;
            _bytes += cost;
            return ++_count;
        }
    }

    /// <summary>Takes the oldest record, if any.</summary>
    public bool TryTake(out TelemetryEvent e)
    {
        lock (_gate)
        {
            if (_count == 0) { e = default; return false; }
            e = _items[_head];
            DropOldest();
            return true;
        }
    }

    /// <summary>Takes up to <paramref name="into"/>'s length of the oldest records, in order, under
    /// one acquisition of the lock; how many. PERF: one at a time, the export thread took the lock
    /// once per record while the deciding threads added theirs.</summary>
    public int Take(Span<TelemetryEvent> into)
    {
        lock (_gate)
        {
            int n = Math.Min(_count, into.Length);
            for (int i = 0; i < n; i++)
            {
                into[i] = _items[_head];
                DropOldest();
            }
            return n;
        }
    }

    private void DropOldest()
    {
        _bytes -= _costs[_head];
        _items[_head] = default; // let the record go
        _head = (_head + 1) % _items.Length;
        _count--;
    }

    private void Grow()
    {
        int size = Math.Min(maxCount, _items.Length * 2);
        var items = new TelemetryEvent[size];
        var costs = new int[size];
        for (int i = 0; i < _count; i++)
        {
            items[i] = _items[(_head + i) % _items.Length];
            costs[i] = _costs[(_head + i) % _items.Length];
        }
        (_items, _costs, _head) = (items, costs, 0);
    }

    /// <summary>What one event keeps alive, roughly: its slot, the record and its lists (about 64
    /// bytes each), and each string (a 24-byte header and two bytes per character). A pause's
    /// item is counted like a record of its argv.</summary>
    internal static int Cost(in TelemetryEvent e)
    {
        const int Slot = 64, Obj = 64, Str = 24;
        int n = Slot + Obj;
        if (e.Record is AuditRecord r)
        {
            n += Strings(r.Argv) + Strings(r.PidChain) + Strings(r.Targets) + 3 * Obj;
            n += Str + 2 * ((r.Cwd?.Length ?? 0) + (r.Reason?.Length ?? 0) + (r.ApprovedBy?.Length ?? 0));
        }
        else if (e.Pause is { } p) n += Strings(p.Argv) + Strings(p.Chain) + 4 * Obj;
        return n;

        static int Strings(IReadOnlyList<string> list)
        {
            int n = 0;
            for (int i = 0; i < list.Count; i++) n += Str + 2 * list[i].Length;
            return n;
        }
    }
}
