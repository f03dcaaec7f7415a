namespace AgentShell.Supervisor;

/// <summary>Which receiving thread waits in SECCOMP_IOCTL_NOTIF_RECV. The kernel wakes every thread
/// waiting there for each notification (the wait is not exclusive; measured on 6.18: 1.26 wake-ups
/// per exec with two waiting threads, 0.67 with one), so a second waiting thread costs each exec
/// and connect a wake-up for nothing. One thread holds the baton and receives; the others stand
/// by on a timer that the holder arms while it handles a notification. One that takes longer than
/// <see cref="Patience"/> (a first hash of a large binary, a slow audit disk, a traced exec's
/// commit) fires it, and a thread standing by takes the baton and receives meanwhile: a slow
/// decision still stops the others for no longer than that. The baton only saves wake-ups:
/// two threads receiving at once (the moment of a hand-over) are as safe as ever.</summary>
internal sealed class ReceiverBaton : IDisposable
{
    /// <summary>How long the holder may take over one notification before another thread receives.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(5);

    private readonly int _timer;
    private int _holder = -1;
    private volatile bool _done;

    private ReceiverBaton(int timer) => _timer = timer;

    /// <summary>A baton, or null when the kernel refuses a timer (then every thread receives, as
    /// without one: more wake-ups, nothing less safe).</summary>
    public static ReceiverBaton? TryCreate()
    {
        int timer = Interop.Timer.Create(out _);
        return timer < 0 ? null : new ReceiverBaton(timer);
    }

    /// <summary>True when thread <paramref name="me"/> receives now: it holds the baton, or takes
    /// it because nobody does.</summary>
    public bool Receives(int me)
    {
        int h = Volatile.Read(ref _holder);
        return h == me || (h == -1 && Interlocked.CompareExchange(ref _holder, me, -1) == -1);
    }

    /// <summary>The holder has received a notification: the others wait <see cref="Patience"/> for it.</summary>
    public void Handling(int me)
    {
        // A timer that cannot be armed leaves the others standing by until this one is done: slower, never unsafe.
        if (Volatile.Read(ref _holder) == me) Interop.Timer.Set(_timer, Patience.Ticks * 100);
    }

    /// <summary>The holder is done with its notification.</summary>
    public void Handled(int me)
    {
        if (Volatile.Read(ref _holder) == me) Interop.Timer.Set(_timer, 0);
    }

    /// <summary>Stands by until the holder takes longer than <see cref="Patience"/> over a
    /// notification, then takes the baton: true; false once receiving has ended.</summary>
    public bool StandBy(int me)
    {
        if (_done) return false;
        // A timer that cannot be read: this thread receives too (the wake-ups cost, nothing else).
        Interop.Timer.Wait(_timer);
        if (_done) return false;
        Volatile.Write(ref _holder, me);
        return true;
    }

    /// <summary>Thread <paramref name="me"/> is ending while the tree lives (an error): if it holds
    /// the baton, a thread standing by takes it now.</summary>
    public void Release(int me)
    {
        if (Interlocked.CompareExchange(ref _holder, -1, me) == me) Interop.Timer.Set(_timer, 1);
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
