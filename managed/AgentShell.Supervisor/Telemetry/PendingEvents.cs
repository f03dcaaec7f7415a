namespace AgentShell.Supervisor.Telemetry;

/// <summary>One event waiting to be encoded: a decision (its redacted audit record, which nothing
/// changes once made) or a pause already turned into its log record (a pause item changes as it is
/// answered: it is read when queued).</summary>
internal readonly record struct PendingEvent(TelemetryEvent Event, LogEntry? Pause);

/// <summary>The events queued by deciding threads and not yet encoded, by reference, in order: a
/// fixed array of slots made once. The export thread moves them, encoded, into the
/// <see cref="RecordRing"/>. Bounded by count and by an estimate of the characters the records hold,
/// so a stalled export thread never lets the references keep much alive: past either bound
/// <see cref="TryAdd"/> says no, and the caller encodes the oldest itself (<see cref="TakeOldest"/>).</summary>
/// <remarks>PERF: the deciding thread's whole share of an export is a struct copy under an
/// uncontended lock; the encoding (~1.5 µs of a blocked curl's, perf record of the supervisor at
/// bench telemetry_export) runs on the export thread, off the thread the next decision waits for.</remarks>
internal sealed class PendingEvents(int slots, int chars)
{
    private readonly Lock _gate = new();
    private readonly PendingEvent[] _slots = new PendingEvent[slots];
    private readonly int[] _sizes = new int[slots];
    private int _head, _count, _chars;

    /// <summary>Events waiting now.</summary>
    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Adds <paramref name="e"/> (of about <paramref name="size"/> characters) behind the
    /// others; false, adding nothing, when either bound would be passed (an event alone is always
    /// taken). <paramref name="count"/>: the events waiting after it.</summary>
    public bool TryAdd(in PendingEvent e, int size, out int count)
    {
        lock (_gate)
        {
            count = _count;
            if (_count == _slots.Length || (_count > 0 && _chars + size > chars)) return false;
            int at = (_head + _count) % _slots.Length;
            _slots[at] = e;
            _sizes[at] = size;
            _chars += size;
            count = ++_count;
            return true;
        }
    }

    /// <summary>Moves the oldest event into <paramref name="e"/>; false when none waits.</summary>
    public bool TakeOldest(out PendingEvent e)
    {
        lock (_gate)
        {
            e = default;
            if (_count == 0) return false;
            e = _slots[_head];
            _slots[_head] = default;
            _chars -= _sizes[_head];
            _head = (_head + 1) % _slots.Length;
            _count--;
            return true;
        }
    }

    /// <summary>Moves the oldest events, in order, into <paramref name="into"/> (as many as fit);
    /// how many. Their slots let go of them.</summary>
    public int Take(Span<PendingEvent> into)
    {
        lock (_gate)
        {
            int n = Math.Min(_count, into.Length);
            for (int i = 0; i < n; i++)
            {
                int at = (_head + i) % _slots.Length;
                into[i] = _slots[at];
                _slots[at] = default;
                _chars -= _sizes[at];
            }
            _head = (_head + n) % _slots.Length;
            _count -= n;
            return n;
        }
    }

    /// <summary>The characters <paramref name="e"/> is counted for: its command line and texts, or
    /// its pause record's body, and a fixed part for the rest.</summary>
    public static int Size(in PendingEvent e)
    {
        int size = 256;
        if (e.Pause != null) return size + e.Pause.Body.Length;
        var r = e.Event.Record!;
        for (int i = 0; i < r.Argv.Count; i++) size += r.Argv[i].Length;
        for (int i = 0; i < r.Targets.Count; i++) size += r.Targets[i].Length;
        return size + (r.Reason?.Length ?? 0);
    }
}
