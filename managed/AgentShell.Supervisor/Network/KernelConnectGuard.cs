using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the connect decision runs inside the kernel (native/bpf/agentshell-connect.bpf.c),
/// so an ordinary connect costs no notification round trip. What the rest of the supervisor talks
/// to; the work is done by its parts: <see cref="BpfInstaller"/> (load, attach, pin),
/// <see cref="BpfMaps"/> (the tree, production prefixes, trust and decisions), <see cref="GateSlots"/>
/// (connects held at the gate) and <see cref="BpfEvents"/> (the kernel's refusals).</summary>
internal sealed class KernelConnectGuard : IDisposable
{
    /// <summary>GATE_NET: first address of the gate range, 127.254.0.0/16, slot in the low 16 bits.</summary>
    internal const uint GateNetwork = 0x7ffe0000u;

    /// <summary>The gate range's mask (a /16): the bits it leaves out are the slot number.</summary>
    internal const uint GateMask = ~(uint)(GateSlots.Count - 1);

    /// <summary>One connect handed to the gate (struct slot of native/bpf/agentshell-connect.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Slot
    {
        public ulong Seq, Gen;
        public uint Tgid, Tid, Port, Family;
        public ulong Hi, Lo;
        public readonly Address16 Address => new(BinaryPrimitives.ReverseEndianness(Hi), BinaryPrimitives.ReverseEndianness(Lo));
    }

    /// <summary>A connect the kernel refused (struct event of native/bpf/agentshell-connect.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Event
    {
        public uint Tgid, Tid, Port, Kind;
        public ulong Hi, Lo;
        public readonly Address16 Address => new(BinaryPrimitives.ReverseEndianness(Hi), BinaryPrimitives.ReverseEndianness(Lo));
    }

    /// <summary>enum event_kind: EV_BLOCKED, EV_DATAGRAM, EV_GATE_FULL, EV_NOT_READY, EV_EXEC_CHANGED, EV_EXEC_TRACED, EV_CONTROL_SOCKET, EV_TRUSTED_DATAGRAM.</summary>
    internal const uint EventBlocked = 1, EventDatagram = 2, EventGateUnavailable = 3, EventNotReady = 4, EventExecChanged = 5, EventExecTraced = 6, EventControlSocket = 7,
        EventTrustedDatagram = 8, EventUnixUnseen = 9;

    private readonly BpfInstaller _installer;
    private readonly BpfMaps _maps;
    private readonly GateSlots _slots;
    private readonly BpfEvents _events;

    private KernelConnectGuard(BpfInstaller installer, BpfMaps maps, GateSlots slots)
    {
        _installer = installer;
        _maps = maps;
        _slots = slots;
        _events = new BpfEvents(maps.Events);
    }

    /// <summary>Where the object file is installed: beside the launcher.</summary>
    internal static string DefaultObjectPath(string launcherPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(launcherPath)) ?? ".", "agentshell-connect.bpf.o");

    /// <summary>Loads (or takes from <paramref name="preload"/>) and attaches the programs; null (and
    /// why) when this machine or user cannot: not root, no cgroup v2, no libbpf, or the kernel
    /// refuses a program.</summary>
    internal static KernelConnectGuard? TryCreate(string objectPath, out string reason, KernelGuardPreload? preload = null)
    {
        reason = "";
        var loaded = preload?.Take(objectPath, out reason);
        // An empty reason: nothing preloaded for this object; load it here.
        if ((loaded ?? (reason.Length == 0 ? BpfInstaller.TryLoad(objectPath, out reason) : null)) is not { } installer) return null;
        try
        {
            var maps = new BpfMaps(installer.Set);
            var slots = new GateSlots(maps.Slots);
            if (installer.AttachAndPin(maps.Tree) is string error)
            {
                reason = error;
                installer.Dispose();
                return null;
            }
            return new KernelConnectGuard(installer, maps, slots);
        }
        catch (Exception e)
        {
            installer.Dispose();
            reason = e.Message;
            return null;
        }
    }

    /// <summary>Hands the tree's Unix connects to the kernel (Linux 6.7's cgroup/connect_unix, attached
    /// with the others) with the approval socket's path <paramref name="controlSocket"/>: a connect
    /// naming it is refused there. True when the launcher may then let every connect through seccomp;
    /// false (the program is not loaded, or the path does not fit) keeps Unix connects trapped.</summary>
    /// <paramref name="unseen"/>: Unix connects stay trapped (listed command servers), so the kernel
    /// refuses those the filter cannot tell from inet ones (16 or 28 bytes long).
    internal bool GuardControlSocket(string controlSocket, bool unseen = false)
    {
        if (!_installer.Set.Programs.Any(p => p.Name == BpfInstaller.UnixConnectProgram)) return false;
        try { return _maps.GuardControlSocket(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(controlSocket)), unseen); }
        catch (Exception) { return false; } // not written: trapped by seccomp as before
    }

    /// <summary>Mount point of the cgroup v2 hierarchy's root (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems).</summary>
    internal static string? CgroupV2Root() => BpfInstaller.CgroupV2Root();

    /// <summary>Makes <paramref name="pid"/> (the launcher, before it execs the agent) the first task of
    /// the tree; its descendants join as they are forked.</summary>
    internal void AddTreeRoot(int pid) => _maps.AddTreeRoot(pid);

    /// <summary>True when <paramref name="tid"/> is a task of the supervised tree (followed through
    /// every fork by the kernel: reparenting or moving cgroups does not leave it).</summary>
    internal bool InTree(int tid) => _maps.InTree(tid);

    /// <summary>Every task the kernel counts as the tree's (live or not yet reaped).</summary>
    internal List<int> TreeTasks() => _maps.TreeTasks();

    /// <summary>Set when tasks of the tree outlive the run: the programs stay pinned, guarding them,
    /// until a later run finds the tree gone.</summary>
    internal bool KeepPinned
    {
        get => _installer.KeepPinned;
        set => _installer.KeepPinned = value;
    }

    /// <summary>The gate's port, the profile's action for unknown clients, and whether every production
    /// TCP connect goes to the gate for the wire layer. Until <see cref="SetReady"/>, every connect of
    /// the tree that is not DNS goes to the gate (host names not yet resolved).</summary>
    internal void Configure(int gatePort, PolicyAction unknownClientAction, bool wire) => _maps.Configure(gatePort, unknownClientAction, wire);

    /// <summary>True once profile host names are resolved and the production prefixes copied in:
    /// connects to other addresses no longer need the supervisor. False sends every connect of the
    /// tree to the gate.</summary>
    internal void SetReady(bool ready) => _maps.SetReady(ready);

    /// <summary>Publishes the production prefixes (16-byte form, bits of 128); removes those no longer listed.
    /// New ones are added before old ones go, so no address is unguarded in between.</summary>
    internal void SyncProduction(IEnumerable<(Address16 Prefix, int Bits)> prefixes) => _maps.SyncProduction(prefixes);

    /// <summary>Called for every exec the supervisor lets go: what the process may connect to once
    /// that exec commits (the kernel applies it in sched_process_exec; an exec that fails leaves
    /// the process as it was), provided what runs is <paramref name="files"/>; with
    /// <paramref name="verify"/>, what the exec must commit (else the kernel kills it).</summary>
    internal void StageExec(int tid, bool trustedForProduction, ExecFiles files, CommittedExec? verify = null) =>
        _maps.StageExec(tid, trustedForProduction, files, verify);

    /// <summary>Ends the trust of the process's current program (it could not be sealed).</summary>
    internal void Untrust(int tgid) => _maps.Untrust(tgid);

    /// <summary>The process's current program generation (changes at every exec).</summary>
    internal ulong Generation(int tgid) => _maps.Generation(tgid);

    /// <summary>True when the kernel trusts the process's committed exec for production.</summary>
    internal bool Trusted(int tgid) => _maps.Trusted(tgid);

    /// <summary>Remembers a decision for (process, destination) for the life of its current program.</summary>
    internal void Remember(int tgid, ulong gen, Address16 a, int port, bool allowed) => _maps.Remember(tgid, gen, a, port, allowed);

    /// <summary>Takes the connect parked in gate slot <paramref name="n"/>: false when none is (a
    /// connect to the gate that the kernel did not redirect, or one already taken). The slot is
    /// free for the kernel again once this returns.</summary>
    internal bool TryTakeSlot(int n, out Slot s) => _slots.TryTake(n, out s);

    /// <summary>Frees slots whose connect never reached the gate; call every few seconds
    /// (<see cref="GateSlots.ReclaimStale"/>).</summary>
    internal int ReclaimStaleSlots() => _slots.ReclaimStale();

    /// <summary>Starts a thread that hands each kernel refusal to <paramref name="onEvent"/>.</summary>
    internal void StartEvents(Action<Event> onEvent) => _events.Start(onEvent);

    /// <summary>Detaches the programs (the tree's connects are then decided by nobody: call only once
    /// the tree is gone), unless <see cref="KeepPinned"/>.</summary>
    public void Dispose()
    {
        _events.Dispose();
        // The gate slots stay mapped: a gate admission or the reclaim timer still running on
        // another thread must never touch an unmapped page (it goes with the process).
        _installer.Dispose();
    }
}
