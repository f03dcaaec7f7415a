namespace AgentShell.Supervisor.Telemetry;

/// <summary>The log records waiting for the export thread, one after another in one byte ring made
/// at the first record and never grown: each a decision's audit line (<see cref="DecisionRecords.Entry"/>:
/// its kind, its length, its session and pending id, the line) or a record already encoded (a pause's <c>ScopeLogs.log_records</c>
/// field: its tag, its length, the LogRecord). Bounded twice, by count (the queue size)
/// and by the ring's bytes: past either the oldest records are dropped and counted, so a receiver
/// that is slow or down never grows the supervisor's memory nor makes a caller wait.</summary>
/// <remarks>PERF: the queue held the audit records themselves until the export thread encoded them;
/// whenever that thread fell behind (a loaded machine), the records outlived young collections, were
/// promoted, and the heap grew until a compacting collection gave it back, which lifted the peak:
/// VmRSS traced every 2 ms over 100,000 exported decisions (load ~16) rose 3 MiB above its steady
/// level twice, to 1-2 MiB above export off's start-up peak. Bytes in a ring the collector never
/// traces, and records that die young, leave the heap as export off has it.</remarks>
internal sealed class RecordRing(int maxCount, int capacity)
{
    private const byte Tag = (2 << 3) | 2; // ScopeLogs.log_records, length-delimited
    private readonly Lock _gate = new();
    private byte[]? _ring;
    private int _head, _bytes, _count;

    /// <summary>The bytes the ring holds at most.</summary>
    public int Capacity => capacity;

    /// <summary>Records held now.</summary>
    public int Count { get { lock (_gate) return _count; } }

    /// <summary>Where the oldest record starts (tests).</summary>
    internal int Head { get { lock (_gate) return _head; } }

    /// <summary>Bytes held now.</summary>
    public int Bytes { get { lock (_gate) return _bytes; } }

    /// <summary>Adds one encoded record behind the others, first dropping the oldest while either
    /// bound would be passed; <paramref name="dropped"/> says how many went (a record larger than the
    /// whole ring is itself dropped). True when this record completed a batch of
    /// <paramref name="batchCount"/> records or <paramref name="batchBytes"/> bytes: the caller wakes
    /// the export thread then, and only then.</summary>
    public bool Add(ReadOnlySpan<byte> record, int batchCount, int batchBytes, out int dropped)
    {
        dropped = 0;
        if (record.Length > capacity || record.Length < 2 || record[0] is not (Tag or DecisionRecords.Kind)) { dropped = 1; return false; }
        lock (_gate)
        {
            _ring ??= new byte[capacity];
            while (_count > 0 && (_count >= maxCount || _bytes + record.Length > capacity))
            {
                DropOldest();
                dropped++;
            }
            int tail = (_head + _bytes) % capacity;
            int first = Math.Min(record.Length, capacity - tail);
            record[..first].CopyTo(_ring.AsSpan(tail));
            record[first..].CopyTo(_ring);
            int before = _bytes;
            _bytes += record.Length;
            _count++;
            return _count == batchCount || (before < batchBytes && _bytes >= batchBytes);
        }
    }

    /// <summary>True when a batch (<paramref name="batchCount"/> records or <paramref name="batchBytes"/> bytes) is waiting.</summary>
    public bool HasBatch(int batchCount, int batchBytes)
    {
        lock (_gate) return _count >= batchCount || _bytes >= batchBytes;
    }

    /// <summary>Moves the oldest records, in order, into <paramref name="into"/>: at most
    /// <paramref name="maxCount"/> of them and <paramref name="maxBytes"/> bytes (but at least one,
    /// when any is held); how many.</summary>
    public int Take(ProtoWriter into, int maxCount, int maxBytes)
    {
        lock (_gate)
        {
            int n = 0, bytes = 0;
            while (n < _count && n < maxCount)
            {
                int length = RecordLength((_head + bytes) % capacity);
                if (n > 0 && bytes + length > maxBytes) break;
                bytes += length;
                n++;
            }
            if (n == 0) return 0;
            int first = Math.Min(bytes, capacity - _head);
            into.Raw(_ring.AsSpan(_head, first));
            into.Raw(_ring.AsSpan(0, bytes - first));
            _head = (_head + bytes) % capacity;
            _bytes -= bytes;
            _count -= n;
            // PERF: emptied (the export thread keeps up), the ring starts over at its start: records
            // are written into the same few cache lines and pages again, not through all 512 KiB
            // of it, which then stayed resident (export19: 516 KiB of the export-on RSS) and cold.
            if (_count == 0) _head = 0;
            return n;
        }
    }

    /// <summary>The whole length of the first entry of <paramref name="entries"/> (as taken by <see cref="Take"/>).</summary>
    public static int EntryLength(ReadOnlySpan<byte> entries)
    {
        int length = 0, shift = 0, i = 1;
        while (true)
        {
            byte b = entries[i++];
            length |= (b & 0x7f) << shift;
            if (b < 0x80) return i + length;
            shift += 7;
        }
    }

    private void DropOldest()
    {
        int length = RecordLength(_head);
        _head = (_head + length) % capacity;
        _bytes -= length;
        _count--;
    }

    // The whole length of the record at at: its tag (or kind) byte, then its length as a varint
    // (which may run past the ring's end), then the LogRecord.
    private int RecordLength(int at)
    {
        int length = 0, shift = 0, i = 1;
        while (true)
        {
            byte b = _ring![(at + i++) % capacity];
            length |= (b & 0x7f) << shift;
            if (b < 0x80) return i + length;
            shift += 7;
        }
    }
}
