using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the slots where the kernel parks each connect it redirects to the gate
/// (the slots map, mapped into our memory). The kernel claims a free slot (seq 0 → ~0), fills it
/// in, and writes its seq last; the gate takes it by swapping that seq back to 0, after which the
/// kernel may reuse it. The slot number is the low 16 bits of the gate address reached.</summary>
internal sealed unsafe class GateSlots
{
    /// <summary>GATE_SLOTS: one slot per address of the gate's /16.</summary>
    internal const int Count = 1 << 16;

    /// <summary>SLOT_FREE and SLOT_FILLING: the values of <see cref="KernelConnectGuard.Slot.Seq"/>
    /// that hold no connect to take.</summary>
    internal const ulong Free = 0, Filling = ulong.MaxValue;

    private readonly KernelConnectGuard.Slot* _slots;
    private readonly ulong[] _seenInSlot = new ulong[Count];

    /// <summary>Maps the slots map <paramref name="slotsMapFd"/>; throws when the kernel refuses.</summary>
    internal GateSlots(int slotsMapFd)
    {
        nint memory = MapShared(slotsMapFd, (nuint)(Count * sizeof(KernelConnectGuard.Slot)));
        if (memory == MapFailed) throw new InvalidOperationException($"mmap of the gate slots failed: {Interop.LastErrno}");
        // Never unmapped: a gate admission or the reclaim timer still running on another thread
        // must never touch an unmapped page (the mapping goes with the process).
        _slots = (KernelConnectGuard.Slot*)memory;
    }

    /// <summary>Takes the connect parked in slot <paramref name="n"/>: false when none is (a
    /// connect to the gate that the kernel did not redirect, or one already taken). The slot is
    /// free for the kernel again once this returns.</summary>
    internal bool TryTake(int n, out KernelConnectGuard.Slot s)
    {
        s = default;
        if ((uint)n >= Count) return false;
        var p = _slots + n;
        ulong seq;
        var spin = new SpinWait();
        // The kernel is still filling it in (it finishes before the connect goes on).
        while ((seq = Volatile.Read(ref p->Seq)) == Filling && spin.Count < 100) spin.SpinOnce();
        if (seq == Free || seq == Filling) return false;
        s = *p;
        s.Seq = seq;
        return Interlocked.CompareExchange(ref p->Seq, Free, seq) == seq;
    }

    /// <summary>Frees slots whose connect never reached the gate (an IPV6_V6ONLY socket cannot
    /// reach the v4-mapped gate; a socket bound to another device neither): a slot still holding
    /// the same connect as at the previous call is taken back. Call every few seconds; a real
    /// connect is taken within milliseconds of its slot being filled.</summary>
    internal int ReclaimStale()
    {
        int freed = 0;
        for (int n = 0; n < Count; n++)
        {
            ulong seq = Volatile.Read(ref _slots[n].Seq);
            if (seq != Free && seq != Filling && seq == _seenInSlot[n] && Interlocked.CompareExchange(ref _slots[n].Seq, Free, seq) == seq) freed++;
            _seenInSlot[n] = seq;
        }
        return freed;
    }
}
