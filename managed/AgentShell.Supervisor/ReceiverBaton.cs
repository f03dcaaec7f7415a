namespace AgentShell.Supervisor;

/// <summary>Which receiving thread waits in SECCOMP_IOCTL_NOTIF_RECV. The kernel wakes every thread
/// waiting there for each notification (the wait is not exclusive; measured on 6.18: 1.26 wake-ups
/// per exec with two waiting threads, 0.67 with one), so a second waiting thread costs each exec
/// and connect a wake-up for nothing. One thread holds the baton and receives; the others stand
/// by on a one-shot timer. One that takes longer than <see cref="Patience"/> over one notification
/// (a first hash of a large binary, a slow audit disk, a traced exec's commit) is overtaken: a
/// thread standing by takes the baton and receives meanwhile, so a slow decision still stops the
/// others for no longer than about that. The baton only saves wake-ups: two threads receiving at
/// once (the moment of a hand-over) are as safe as ever.
/// PERF: the holder makes no syscall per notification, only memory writes and a clock read (vDSO):
/// it notes when it started each one. The timer runs only while a thread standing by needs to look:
/// the first notification after they went to sleep arms it for one patience; the one that wakes
/// takes over from a holder busy for a patience on one notification, re-arms it for the rest of the
/// patience of one that came since, and goes back to sleep when the holder waits in the kernel. So
/// the threads standing by wake at most once a patience while notifications come. They used to
/// tick every half patience while notifications came and for 20 ms after (issue 16, the 500-exec
/// script in seccomp mode: ~1.2 ticks per exec, 12–15 µs of CPU per exec on the second thread).
/// PERF: a notification that comes alone (<see cref="Alone"/> or more after the one before:
/// an agent's commands, a script's programs that run for milliseconds) disarms the timer it armed
/// once it is done, so nobody wakes for it: one more timerfd_settime instead of a wake-up of the
/// thread standing by a patience later (issue 16: ~14 µs of CPU a wake-up, ~4 µs a settime, both
/// cold, on this loaded 2-vCPU VM). Closer ones leave it armed as before.</summary>
internal sealed class ReceiverBaton : IDisposable
{
    /// <summary>How long the holder may take over one notification before another thread receives.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(5);

    /// <summary>A notification this long or longer after the one before started comes alone: the
    /// timer it arms is disarmed when it is done. Below it, one wake-up a patience costs less than
    /// a disarm each.</summary>
    internal static readonly TimeSpan Alone = TimeSpan.FromMilliseconds(2);

    private readonly int _timer;
    private readonly long _patienceNs;
    private readonly long _patienceTimestamp; // the patience in Stopwatch ticks
    private readonly long _aloneTimestamp; // Alone in Stopwatch ticks
    private int _holder = -1;
    // Odd while the holder handles a notification, even while it waits in the kernel; each
    // notification adds 2. Written by the holder (Handling, Handled) and by a thread that overtakes it.
    private long _state;
    // When the holder started its notification (Stopwatch), written before _state turns odd.
    private long _since;
    // 1 while no thread standing by will look by itself (the timer is not armed for it): the next
    // notification arms it.
    private int _asleep = 1;
    private volatile bool _done;
    private readonly object _watch = new();
    private long _ticks;

    private ReceiverBaton(int timer, TimeSpan patience)
    {
        _timer = timer;
        _patienceNs = patience.Ticks * 100;
        _patienceTimestamp = (long)(patience.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        _aloneTimestamp = (long)(Alone.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    }

    /// <summary>A baton, or null when the kernel refuses a timer (then every thread receives, as
    /// without one: more wake-ups, nothing less safe).</summary>
    public static ReceiverBaton? TryCreate() => TryCreate(Patience);

    /// <summary>A baton with another patience (measurements, tests).</summary>
    internal static ReceiverBaton? TryCreate(TimeSpan patience)
    {
        int timer = Interop.Timer.Create(out _);
        return timer < 0 ? null : new ReceiverBaton(timer, patience);
    }

    /// <summary>Wake-ups of the threads standing by so far (tests: an idle baton stops ticking).</summary>
    internal long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>True when thread <paramref name="me"/> receives now: it holds the baton, or takes
    /// it because nobody does.</summary>
    public bool Receives(int me)
    {
        int h = Volatile.Read(ref _holder);
        return h == me || (h == -1 && Interlocked.CompareExchange(ref _holder, me, -1) == -1);
    }

    /// <summary>The holder has received a notification: the others give it <see cref="Patience"/>.
    /// Returns what <see cref="Handled"/> is given back (0 for a thread that is not the holder;
    /// negative for a notification that came alone and armed the timer).</summary>
    public long Handling(int me)
    {
        if (Volatile.Read(ref _holder) != me) return 0;
        long now = System.Diagnostics.Stopwatch.GetTimestamp(), before = Volatile.Read(ref _since);
        // The start first, then the state (a full fence): a thread that sees the state odd reads this
        // start or a later one, never an earlier one, so it never overtakes a holder too soon.
        Volatile.Write(ref _since, now);
        // Full fence, then the look at _asleep: a thread going to sleep sets _asleep and then looks
        // at _state (Sleep), so one of the two sees the other and the timer is armed.
        long s = Interlocked.Increment(ref _state);
        if (Volatile.Read(ref _asleep) == 1 && Interlocked.Exchange(ref _asleep, 0) == 1)
        {
            Arm(_patienceNs);
            if (now - before >= _aloneTimestamp) return -s;
        }
        return s;
    }

    /// <summary>The holder is done with the notification <paramref name="handling"/> (what
    /// <see cref="Handling"/> returned). A thread overtaken meanwhile changes nothing.</summary>
    public void Handled(long handling)
    {
        if (handling == 0) return;
        long s = Math.Abs(handling);
        if (Interlocked.CompareExchange(ref _state, s + 1, s) != s || handling > 0) return; // overtaken, or not alone
        // It came alone, armed the timer, and is done within its patience (else it would have been
        // overtaken): nobody needs to look. Disarmed (an expiry not yet read goes with it); the next
        // notification arms again. A thread standing by that woke meanwhile finds the holder waiting
        // in the kernel, or a notification that came since, and acts as before.
        Disarm();
        Interlocked.Exchange(ref _asleep, 1);
    }

    /// <summary>Stands by until the holder takes longer than <see cref="Patience"/> over a
    /// notification (or leaves), then takes the baton: true; false once receiving has ended.</summary>
    public bool StandBy(int me)
    {
        while (true)
        {
            if (_done) return false;
            // A timer that cannot be read: this thread receives too (the wake-ups cost, nothing else).
            if (Interop.Timer.Wait(_timer, out _) != 0) return TakeOver(me);
            if (_done) return false;
            Interlocked.Increment(ref _ticks);
            lock (_watch)
            {
                if (Volatile.Read(ref _holder) == -1 && Interlocked.CompareExchange(ref _holder, me, -1) == -1) return Took();
                long s = Interlocked.Read(ref _state);
                if ((s & 1) == 0)
                {
                    Sleep(s); // the holder waits in the kernel: the next notification arms the timer
                    continue;
                }
                long busy = System.Diagnostics.Stopwatch.GetTimestamp() - Volatile.Read(ref _since);
                if (busy >= _patienceTimestamp)
                {
                    if (Interlocked.CompareExchange(ref _state, s + 1, s) == s) return TakeOver(me);
                    Arm(1); // it finished meanwhile: look again at once
                    continue;
                }
                // Busy for less than a patience (a notification that came since the timer was armed):
                // look again when its patience is up.
                Arm(Math.Max(1, (_patienceTimestamp - busy) * 1_000_000_000 / System.Diagnostics.Stopwatch.Frequency));
            }
        }
    }

    private bool TakeOver(int me)
    {
        Volatile.Write(ref _holder, me);
        return Took();
    }

    private bool Took()
    {
        // Nobody looks now (this thread receives): the new holder's next notification arms the
        // timer for a thread standing by (the overtaken one, once it is done).
        Interlocked.Exchange(ref _asleep, 1);
        return true;
    }

    private void Sleep(long seen)
    {
        // The timer is not armed (it was one-shot and has expired): say so, then look again: a
        // notification that came meanwhile (its Handling saw _asleep == 0, so did not arm) re-arms
        // here; the same for a holder that left (Release) or the end (Finish).
        Interlocked.Exchange(ref _asleep, 1);
        bool wake = Interlocked.Read(ref _state) != seen || Volatile.Read(ref _holder) == -1 || _done;
        if (wake && Interlocked.Exchange(ref _asleep, 0) == 1) Arm(1);
    }

    // One-shot. A timer that cannot be armed leaves the others standing by until the holder ends:
    // slower, never unsafe.
    private void Arm(long nanoseconds) => Interop.Timer.Set(_timer, nanoseconds);

    private void Disarm() => Interop.Timer.Set(_timer, 0);

    /// <summary>Thread <paramref name="me"/> is ending while the tree lives (an error): if it holds
    /// the baton, a thread standing by takes it now.</summary>
    public void Release(int me)
    {
        if (Interlocked.CompareExchange(ref _holder, -1, me) != me) return;
        Interlocked.Exchange(ref _asleep, 0);
        Arm(1);
    }

    /// <summary>Receiving has ended (the tree is gone): every thread standing by leaves too.</summary>
    public void Finish()
    {
        _done = true;
        // Expires now and every millisecond after, so each thread blocked in StandBy wakes and leaves.
        Interop.Timer.Set(_timer, 1, 1_000_000);
    }

    /// <summary>Closes the timer (once no thread uses it).</summary>
    public void Dispose() => Interop.Libc.close(_timer);
}
