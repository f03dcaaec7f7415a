namespace AgentShell.Supervisor.Tests;

/// <summary>The receiving threads' baton: one thread waits in the kernel; another takes over only
/// when the holder takes longer than its patience over one notification, when it ends by an error,
/// and every thread standing by leaves once receiving has ended. Real timerfd, real threads.</summary>
[TestFixture]
public sealed class ReceiverBatonTests
{
    private static Task<bool> StandingBy(ReceiverBaton baton, int me) =>
        Task.Factory.StartNew(() => baton.StandBy(me), TaskCreationOptions.LongRunning);

    [Test]
    public void OneThreadReceivesAndTheOthersDoNot()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        Assert.That(baton.Receives(1), Is.False);
        Assert.That(baton.Receives(0), Is.True);
    }

    [Test]
    public void AHolderQuickerThanItsPatienceKeepsTheBaton()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20); // standing by
        var handled = System.Diagnostics.Stopwatch.StartNew();
        long h = baton.Handling(0);
        baton.Handled(h);
        handled.Stop();
        // On a loaded machine this thread can be descheduled between the two for longer than the
        // patience: then the hand-over is right, and this case proves nothing.
        if (handled.Elapsed >= ReceiverBaton.Patience) Assert.Ignore($"descheduled for {handled.Elapsed.TotalMilliseconds:F1} ms between Handling and Handled");
        Assert.That(other.Wait(ReceiverBaton.Patience * 20), Is.False, "nobody took over from a quick holder");
        Assert.That(baton.Receives(0), Is.True);
        baton.Finish();
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)) && !other.Result, Is.True, "Finish ends the thread standing by");
    }

    [Test]
    public void AHolderSlowerThanItsPatienceHandsTheBatonOn()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        long slow = baton.Handling(0); // and not done
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)), Is.True, "a thread standing by took over");
        Assert.That(other.Result, Is.True);
        Assert.That(baton.Receives(1), Is.True);
        Assert.That(baton.Receives(0), Is.False, "the slow one stands by once done");
        // The new holder is slow too; the overtaken one finishing its old notification does not
        // make the new one look done: a third thread still takes over.
        long second = baton.Handling(1);
        baton.Handled(slow);
        var third = StandingBy(baton, 2);
        Assert.That(third.Wait(TimeSpan.FromSeconds(10)) && third.Result, Is.True, "the second slow holder was overtaken too");
        Assert.That(baton.Receives(2), Is.True);
        baton.Handled(second);
        baton.Finish();
    }

    [Test]
    public void AThreadStandingBySleepsThroughQuickNotificationsThatComeAlone()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20);
        Assert.That(baton.Ticks, Is.Zero, "nothing came: nothing ticks");
        // Quick notifications further apart than Alone, for 20 patiences: each arms the timer and
        // disarms it when done (the old baton's thread standing by looked once for each).
        var window = System.Diagnostics.Stopwatch.StartNew();
        var one = new System.Diagnostics.Stopwatch();
        var slowest = TimeSpan.Zero;
        int count = 0;
        while (window.Elapsed < ReceiverBaton.Patience * 20)
        {
            one.Restart();
            baton.Handled(baton.Handling(0));
            if (one.Elapsed > slowest) slowest = one.Elapsed;
            count++;
            Thread.Sleep(ReceiverBaton.Alone + TimeSpan.FromMilliseconds(1));
        }
        if (other.IsCompleted || slowest >= ReceiverBaton.Patience) Assert.Ignore($"descheduled for {slowest.TotalMilliseconds:F1} ms in one notification: overtaken");
        Thread.Sleep(ReceiverBaton.Patience * 4);
        Assert.That(count, Is.GreaterThan(5));
        Assert.That(baton.Ticks, Is.Zero, $"{baton.Ticks} wake-ups for {count} notifications that came alone");
        Assert.That(other.IsCompleted, Is.False);
        // One that came alone and is never done: the sleeping thread still wakes and takes over.
        baton.Handling(0);
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)) && other.Result, Is.True);
        Assert.That(baton.Ticks, Is.GreaterThan(0));
        baton.Finish();
    }

    [Test]
    public void AThreadStandingByWakesOnceAfterAQuickNotificationThatFollowsAnotherThenSleepsUntilTheNext()
    {
        // The look-alike of the above: notifications that come close together leave the timer armed.
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20);
        var handled = System.Diagnostics.Stopwatch.StartNew();
        baton.Handled(baton.Handling(0)); // alone: armed, then disarmed
        baton.Handled(baton.Handling(0)); // right after it: arms the timer once, and leaves it
        handled.Stop();
        if (handled.Elapsed >= ReceiverBaton.Alone) Assert.Ignore($"descheduled for {handled.Elapsed.TotalMilliseconds:F1} ms between two notifications");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (baton.Ticks == 0 && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.That(baton.Ticks, Is.EqualTo(1), "it looked once, a patience after the notification");
        Thread.Sleep(ReceiverBaton.Patience * 10);
        Assert.That(baton.Ticks, Is.EqualTo(1), "then slept: the holder waits in the kernel");
        Assert.That(other.IsCompleted, Is.False);
        baton.Handling(0); // and never done: the sleeping thread wakes and takes over
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)) && other.Result, Is.True);
        Assert.That(baton.Ticks, Is.GreaterThan(1));
        baton.Finish();
    }

    [Test]
    public void WhileQuickNotificationsComeAThreadStandingByWakesAtMostOncePerPatience()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20);
        // Quick notifications about a millisecond apart, for 20 patiences (the old baton ticked
        // every half patience while they came: ~40 times).
        var window = System.Diagnostics.Stopwatch.StartNew();
        var one = new System.Diagnostics.Stopwatch();
        var slowest = TimeSpan.Zero;
        while (window.Elapsed < ReceiverBaton.Patience * 20)
        {
            one.Restart();
            baton.Handled(baton.Handling(0));
            if (one.Elapsed > slowest) slowest = one.Elapsed;
            Thread.Sleep(1);
        }
        long ticks = baton.Ticks;
        if (other.IsCompleted || slowest >= ReceiverBaton.Patience) Assert.Ignore($"descheduled for {slowest.TotalMilliseconds:F1} ms in one notification: overtaken");
        double patiences = window.Elapsed / ReceiverBaton.Patience;
        Assert.That(ticks, Is.GreaterThan(0).And.LessThanOrEqualTo((long)patiences + 2), $"{ticks} wake-ups in {patiences:F1} patiences");
        Assert.That(baton.Receives(0), Is.True, "the quick holder kept the baton");
        baton.Finish();
    }

    [Test]
    public void AHolderLeavingWhileTheOthersSleepIsStillReplaced()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20); // asleep from the start: nothing came yet
        baton.Release(0);
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)) && other.Result, Is.True);
        Assert.That(baton.Receives(1), Is.True);
        baton.Finish();
    }

    [Test]
    public void AHolderEndingByAnErrorHandsTheBatonOn()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        baton.Release(0);
        Assert.That(other.Wait(TimeSpan.FromSeconds(10)) && other.Result, Is.True);
        Assert.That(baton.Receives(1), Is.True);
        baton.Finish();
    }

    [Test]
    public void FinishEndsEveryThreadStandingBy()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var standing = Enumerable.Range(1, 3).Select(i => StandingBy(baton, i)).ToArray();
        Thread.Sleep(50);
        baton.Finish();
        Assert.That(Task.WaitAll(standing, TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(standing.Select(t => t.Result), Is.All.False);
        Assert.That(baton.StandBy(4), Is.False, "a thread arriving after the end leaves at once");
    }
}
