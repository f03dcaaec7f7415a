namespace AgentShell.Supervisor.Tests;

/// <summary>The heap's growth is given back by a full collection off the decision threads (issue 16),
/// checked often until the first trim rather than only a period later (the growth before it was a
/// second peak of the run's RSS with export on).</summary>
[TestFixture]
[NonParallelizable] // collection counts are the process's
public sealed class HeapTrimTests
{
    [Test]
    public void TheFirstCheckComesAfterFirstNotAfterThePeriod()
    {
        // From the live set, and 16 MiB that live past the check in large-object regions, committed
        // for them: the heap grows well past the half MiB of slack. 4 MiB of small arrays did not
        // always (after other tests, gen0 regions already committed took them, and a young
        // collection promotes a region in place: 2 failures in the suite, at 05ae13d and s37).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // The first check after the allocations below (a few ms): a trim before `before` is read
        // would be the only one (a trim's refill is no growth; GarbageAloneIsNotTrimmedAtEveryCheck).
        using var trim = HeapTrim.Start(TimeSpan.FromHours(1), first: TimeSpan.FromMilliseconds(250));
        var kept = Enumerable.Range(0, 16).Select(_ => new byte[1024 * 1024]).ToArray();
        GC.Collect(0); // the committed figure the check reads is as of the last collection
        int before = GC.CollectionCount(2);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (GC.CollectionCount(2) == before && DateTime.UtcNow < until) Thread.Sleep(10);
        Assert.That(GC.CollectionCount(2), Is.GreaterThan(before), "no full collection within 10 s: the first check waited for the period (an hour)");
        GC.KeepAlive(kept);
    }

    [Test]
    public void AnIdleHeapIsNotCollected()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var trim = HeapTrim.Start(TimeSpan.FromMilliseconds(20), first: TimeSpan.FromMilliseconds(20));
        int before = GC.CollectionCount(2);
        Thread.Sleep(300); // ~15 checks, and nothing allocated that lives
        Assert.That(GC.CollectionCount(2), Is.EqualTo(before));
    }

    [Test]
    public void GarbageAloneIsNotTrimmedAtEveryCheck()
    {
        // Garbage only, as decisions make: after a trim the young generation commits its budget
        // again, which is no growth of what lives. Trimmed against what the trim left, that refill
        // passed the slack at every check (a blocking full collection every period while busy).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var trim = HeapTrim.Start(TimeSpan.FromMilliseconds(20), first: TimeSpan.FromMilliseconds(20));
        int before = GC.CollectionCount(2);
        long sink = 0;
        var recent = new byte[16][]; // escapes: not allocated on the stack
        var until = DateTime.UtcNow + TimeSpan.FromMilliseconds(600); // ~30 checks
        while (DateTime.UtcNow < until)
        {
            var garbage = recent[sink & 15] = new byte[512];
            sink += garbage.Length;
        }
        Assert.That(GC.CollectionCount(2) - before, Is.LessThanOrEqualTo(2), "trimmed again and again: the baseline was taken before the young generation refilled");
        GC.KeepAlive(sink);
    }
}
