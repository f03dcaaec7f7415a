using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the connects the kernel refused, read from the events ring buffer on a
/// thread of their own so the supervisor can say why (the refusal itself already happened).</summary>
internal sealed class BpfEvents : IDisposable
{
    private readonly int _ringMap;
    private Action<KernelConnectGuard.Event>? _onEvent;
    private ManualResetEventSlim? _drained; // set by the poller once the ring is drained and freed
    private int _wake = -1;
    private volatile bool _stopping;
    private GCHandle _self;

    /// <param name="ringMap">The events map (BPF_MAP_TYPE_RINGBUF of struct event).</param>
    internal BpfEvents(int ringMap) => _ringMap = ringMap;

    /// <summary>Starts a thread that hands each kernel refusal to <paramref name="onEvent"/>.</summary>
    internal unsafe void Start(Action<KernelConnectGuard.Event> onEvent)
    {
        _onEvent = onEvent;
        _self = GCHandle.Alloc(this);
        nint ring = ring_buffer__new(_ringMap, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (ring == 0) throw new InvalidOperationException($"ring_buffer__new: {Interop.LastErrno}");
        // Woken by the ring (data) or by Dispose (the eventfd), never by a timeout.
        _wake = Interop.Libc.eventfd(0, Interop.Libc.EFD_CLOEXEC);
        if (_wake < 0) throw new InvalidOperationException($"eventfd: {Interop.LastErrno}");
        var drained = _drained = new ManualResetEventSlim();
        // PERF: Interop.Threads, not Thread.Start (which spins until the new thread runs): root mode's start.
        Interop.Threads.StartBackground("bpf-events", () =>
        {
            while (!_stopping)
            {
                if (Interop.Libc.WaitReadable(_ringMap, _wake) != 0) break;
                if (ring_buffer__consume(ring) < 0) break;
            }
            ring_buffer__consume(ring); // what the kernel refused last is still recorded
            ring_buffer__free(ring);
            _self.Free();
            drained.Set();
        });
    }

    [UnmanagedCallersOnly]
    private static unsafe int OnSample(nint ctx, nint data, nuint size)
    {
        try
        {
            if ((int)size >= sizeof(KernelConnectGuard.Event) && GCHandle.FromIntPtr(ctx).Target is BpfEvents e)
                e._onEvent?.Invoke(*(KernelConnectGuard.Event*)data);
        }
        catch (Exception)
        {
            // The kernel already refused the connect; only its message is lost. Never unwind into libbpf.
        }
        return 0;
    }

    /// <summary>Stops the thread once it has drained the ring (waits up to a second).</summary>
    public void Dispose()
    {
        _stopping = true;
        if (_wake < 0) return;
        ulong one = 1;
        unsafe { Interop.Libc.write(_wake, (byte*)&one, 8); }
        _drained?.Wait(TimeSpan.FromSeconds(1)); // drains and frees the ring
        Interop.Libc.close(_wake);
    }
}
