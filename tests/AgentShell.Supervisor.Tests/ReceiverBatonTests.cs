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
    public void AThreadStandingByWakesOnceAfterAQuickNotificationThenSleepsUntilTheNext()
    {
        using var baton = ReceiverBaton.TryCreate()!;
        Assert.That(baton.Receives(0), Is.True);
        var other = StandingBy(baton, 1);
        Thread.Sleep(20);
        Assert.That(baton.Ticks, Is.Zero, "nothing came: nothing ticks");
        var handled = System.Diagnostics.Stopwatch.StartNew();
        baton.Handled(baton.Handling(0)); // a quick notification arms the timer once
        handled.Stop();
        if (handled.Elapsed >= ReceiverBaton.Patience) Assert.Ignore($"descheduled for {handled.Elapsed.TotalMilliseconds:F1} ms between Handling and Handled");
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
