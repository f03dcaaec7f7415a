namespace AgentShell.Supervisor;

/// <summary>Keeps the supervisor's GC heap near its live set (issue 16: peak RSS). Decisions leave
/// little that lives, but what is in flight at each young collection is promoted, and the old
/// generation's 1 MiB regions fill and stay committed until the GC's own gen2 budget is spent:
/// ~3 MiB more resident by 10,000 decisions, given back only later. A check every quarter second,
/// off the decision threads, collects everything and returns the free regions once the committed
/// heap has grown half a MiB past what the last trim left; an idle supervisor never collects.
/// Measured (exec-bench's mix, 3 interleaved runs): peak 19.3 → 17.8 MiB at 100,000 decisions,
/// flat from 1,000; export on 22.1 → 20.0 MiB. Smaller or more frequent did no better; a
/// non-compacting or background full collection, or gen1 only, kept the growth.
/// PERF: on a thread of its own (Interop.Threads), not a System.Threading.Timer: the runtime's
/// timer thread, started by the first timer, spins the starting thread until it runs.</summary>
internal sealed class HeapTrim : IDisposable
{
    private const long SlackBytes = 512 * 1024;
    private long _trimmed;
    private bool _refilling; // a trim just ran: the next check takes the baseline
    private volatile bool _stopped;

    private HeapTrim(TimeSpan period, TimeSpan first)
    {
        _trimmed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Interop.Threads.StartBackground("heap-trim", () =>
        {
            // Every `first` until the first trim (or a period has passed), then every period: the
            // heap's growth right after the go is caught as soon as it passes the slack, and that
            // costs one collection, as a single later check did (a check that finds no growth
            // reads a counter).
            var wait = first;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            while (true)
            {
                Thread.Sleep(wait);
                if (_stopped) return;
                bool trimmed = Check();
                wait = !trimmed && System.Diagnostics.Stopwatch.GetElapsedTime(started) < period ? first : period;
            }
        });
    }

    /// <summary>Starts checking every <paramref name="first"/> until the first trim or until
    /// <paramref name="period"/> has passed, then every <paramref name="period"/>.</summary>
    public static HeapTrim Start(TimeSpan period, TimeSpan first) => new(period, first);

    private bool Check()
    {
        // As of the last collection: young ones run every few dozen decisions while busy.
        long committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        // The aggressive collection decommits the young generation as well, and the next young
        // collections commit its budget again (1 MiB, over the slack): the baseline is what the
        // check after a trim finds, not what the trim left. Else every check trimmed again while
        // busy (perf40, a uprobe on the supervisor: every 250 ms from the first trim on).
        if (_refilling)
        {
            _refilling = false;
            _trimmed = Math.Max(_trimmed, committed);
            return false;
        }
        if (committed <= _trimmed + SlackBytes) return false;
        // Blocking, like any full collection: a decision in flight waits for it (a heap of a few
        // MiB: about a millisecond), at most once per half a MiB of growth.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _trimmed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _refilling = true;
        return true;
    }

    /// <summary>No check after this (one under way finishes; nothing waits for it).</summary>
    public void Dispose() => _stopped = true;
}
