using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AgentShell.Core.Policy;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the connect decision runs inside the kernel (native/bpf/agentshell-connect.bpf.c),
/// so an ordinary connect costs no notification round trip. This class loads and attaches the
/// programs and keeps their maps in step with the supervisor: which tasks are the tree, which
/// addresses are production, which execs were understood, and which (process, destination)
/// decisions were made. Layouts below mirror the C structs.</summary>
internal sealed class KernelConnectGuard : IDisposable
{
    /// <summary>First address of the gate range: 127.254.0.0/16, slot in the low 16 bits.</summary>
    internal const uint GateNetwork = 0x7ffe0000u;

    [StructLayout(LayoutKind.Sequential, Pack = 4)] private struct AddrKey { public uint PrefixLen; public ulong Hi, Lo; }
    [StructLayout(LayoutKind.Sequential)] private struct ProcState { public ulong Gen; public uint Trusted, Pad; }
    [StructLayout(LayoutKind.Sequential)] private struct DecidedKey { public uint Tgid, Port; public ulong Gen, Hi, Lo; }
    [StructLayout(LayoutKind.Sequential)] private struct Config { public uint GatePort, Action, Ready, Pad; }
    [StructLayout(LayoutKind.Sequential)] private unsafe struct Stage { public uint Trusted, Script; public ulong Dev, Ino; public fixed byte Path[StagePath]; }
    private const int StagePath = 256;

    /// <summary>One connect handed to the gate (struct slot).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Slot
    {
        public ulong Seq, Gen;
        public uint Tgid, Tid, Port, Family;
        public ulong Hi, Lo;
        public readonly Address16 Address => new(BinaryPrimitives.ReverseEndianness(Hi), BinaryPrimitives.ReverseEndianness(Lo));
    }

    /// <summary>A connect the kernel refused (struct event).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Event
    {
        public uint Tgid, Tid, Port, Kind;
        public ulong Hi, Lo;
        public readonly Address16 Address => new(BinaryPrimitives.ReverseEndianness(Hi), BinaryPrimitives.ReverseEndianness(Lo));
    }

    internal const uint EventBlocked = 1, EventDatagram = 2, EventGateUnavailable = 3, EventNotReady = 4;

    private readonly nint _obj;
    private readonly List<nint> _links = [];
    private readonly int _tree, _prod, _procs, _staged, _decided, _slots, _conf, _events;
    private readonly Lock _prodLock = new();
    private HashSet<(Address16, int)> _published = [];
    private Config _config;
    private nint _ring;
    private GCHandle _self;

    static unsafe KernelConnectGuard()
    {
        // The C structs' sizes; a mismatch would read or write the wrong bytes in every map.
        if (!(sizeof(AddrKey) == 20 && sizeof(ProcState) == 16 && sizeof(DecidedKey) == 32 && sizeof(Slot) == 48 && sizeof(Config) == 16 && sizeof(Event) == 32 && sizeof(Stage) == 280))
            throw new InvalidOperationException("the BPF map layouts of this build do not match");
    }

    private KernelConnectGuard(nint obj)
    {
        _obj = obj;
        _tree = Map("tree"); _prod = Map("prod"); _procs = Map("procs"); _staged = Map("staged");
        _decided = Map("decided"); _slots = Map("slots"); _conf = Map("conf"); _events = Map("events");
        unsafe
        {
            _slotMemory = Mono.Unix.Native.Syscall.mmap(0, SlotMemorySize, Mono.Unix.Native.MmapProts.PROT_READ | Mono.Unix.Native.MmapProts.PROT_WRITE,
                Mono.Unix.Native.MmapFlags.MAP_SHARED, _slots, 0);
            if (_slotMemory == -1) throw new InvalidOperationException($"mmap of the gate slots failed: {Interop.LastErrno}");
        }
    }

    private static unsafe ulong SlotMemorySize => (ulong)(SlotCount * sizeof(Slot));
    private readonly nint _slotMemory;

    private int Map(string name)
    {
        int fd = bpf_object__find_map_fd_by_name(_obj, name);
        return fd >= 0 ? fd : throw new InvalidOperationException($"the BPF object has no map '{name}'");
    }

    /// <summary>Where the object file is installed: beside the launcher.</summary>
    internal static string DefaultObjectPath(string launcherPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(launcherPath)) ?? ".", "agentshell-connect.bpf.o");

    /// <summary>Loads and attaches the programs; null (and why) when this machine or user cannot:
    /// not root, no cgroup v2, no libbpf, or the kernel refuses a program.</summary>
    internal static KernelConnectGuard? TryCreate(string objectPath, out string reason)
    {
        if (Mono.Unix.Native.Syscall.geteuid() != 0) { reason = "not running as root"; return null; }
        if (!File.Exists(objectPath)) { reason = $"{objectPath} not found (run make)"; return null; }
        if (CgroupV2Root() is not string cgroupRoot) { reason = "no cgroup v2 hierarchy is mounted"; return null; }
        // The programs see the kernel's global pids; the supervisor sees its namespace's.
        if (InNestedPidNamespace()) { reason = "running in a nested pid namespace (a container): the kernel's pids are not ours"; return null; }
        nint obj;
        try
        {
            libbpf_set_print(0); // the reason below is enough; libbpf's own log goes nowhere
            obj = bpf_object__open_file(objectPath, 0);
        }
        catch (DllNotFoundException) { reason = "libbpf.so.1 is not installed"; return null; }
        if (obj == 0) { reason = $"cannot open {objectPath}: {(Errno)Marshal.GetLastPInvokeError()}"; return null; }
        KernelConnectGuard? g = null;
        try
        {
            if (bpf_object__load(obj) != 0) { reason = $"the kernel refused the connect programs: {(Errno)Marshal.GetLastPInvokeError()}"; bpf_object__close(obj); return null; }
            g = new KernelConnectGuard(obj);
            int cg = Mono.Unix.Native.Syscall.open(cgroupRoot, Mono.Unix.Native.OpenFlags.O_RDONLY | Mono.Unix.Native.OpenFlags.O_DIRECTORY | Mono.Unix.Native.OpenFlags.O_CLOEXEC);
            if (cg < 0) { reason = $"cannot open {cgroupRoot}"; g.Dispose(); return null; }
            try
            {
                for (nint p = bpf_object__next_program(obj, 0); p != 0; p = bpf_object__next_program(obj, p))
                {
                    // Attached at the root of the hierarchy: moving to another cgroup does not escape them.
                    nint link = bpf_program__type(p) == BPF_PROG_TYPE_TRACING ? bpf_program__attach(p) : bpf_program__attach_cgroup(p, cg);
                    if (link == 0)
                    {
                        reason = $"cannot attach {Marshal.PtrToStringUTF8(bpf_program__name(p))}: {(Errno)Marshal.GetLastPInvokeError()}";
                        g.Dispose();
                        return null;
                    }
                    g._links.Add(link);
                }
            }
            finally { Interop.Libc.close(cg); }
            if (g.Pin() is string pinError) { reason = pinError; g.Dispose(); return null; }
            reason = "";
            return g;
        }
        catch (Exception e)
        {
            g?.Dispose();
            reason = e.Message;
            return null;
        }
    }

    /// <summary>True unless we are in the kernel's initial pid namespace, whose inode number is
    /// fixed (PROC_PID_INIT_INO). NSpid cannot tell: a remounted /proc shows only the inner pid.</summary>
    internal static bool InNestedPidNamespace()
    {
        try { return new FileInfo("/proc/self/ns/pid").LinkTarget != "pid:[4026531836]"; }
        catch (IOException) { return true; } // unknown: assume the worst
    }

    /// <summary>Where runs pin their programs (a bpf filesystem).</summary>
    internal const string PinRoot = "/sys/fs/bpf/agentshell";

    private string? _pinDir;

    /// <summary>Pins the links (and the tree map) under <see cref="PinRoot"/>, so the programs outlive
    /// this process: if the supervisor dies, the tree's connects stay guarded (fail closed: an
    /// unknown client's production connect finds no gate and is refused) instead of becoming free.
    /// A normal end unpins them; a later run removes those of a dead supervisor whose tree is gone.</summary>
    private string? Pin()
    {
        if (!IsBpfFs("/sys/fs/bpf"))
        {
            Directory.CreateDirectory("/sys/fs/bpf");
            if (Interop.Libc.mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
                return $"cannot mount a bpf filesystem on /sys/fs/bpf: {Interop.LastErrno}";
        }
        CollectStale();
        string dir = Path.Combine(PinRoot, $"{Environment.ProcessId}-{ProcessInfo.StartTime(Environment.ProcessId)}");
        Directory.CreateDirectory(dir);
        _pinDir = dir;
        for (int i = 0; i < _links.Count; i++)
        {
            if (bpf_link__pin(_links[i], Path.Combine(dir, $"link{i}")) != 0)
                return $"cannot pin the connect programs in {dir}: {(Errno)Marshal.GetLastPInvokeError()}";
        }
        return bpf_obj_pin(_tree, Path.Combine(dir, "tree")) == 0 ? null : $"cannot pin the tree map in {dir}: {(Errno)Marshal.GetLastPInvokeError()}";
    }

    private static bool IsBpfFs(string path) => Mounts().Any(m => m.MountPoint == path && m.FsType == "bpf");

    /// <summary>/proc/self/mountinfo: "id parent major:minor root mount-point options ... - fstype source super-options".</summary>
    private static IEnumerable<(string Root, string MountPoint, string FsType)> Mounts()
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var parts = line.Split(' ');
            int dash = Array.IndexOf(parts, "-");
            if (dash > 4 && dash + 1 < parts.Length) yield return (parts[3], parts[4], parts[dash + 1]);
        }
    }

    /// <summary>Removes the pins of runs whose supervisor is dead and whose tree has no live task.</summary>
    private static unsafe void CollectStale()
    {
        if (!Directory.Exists(PinRoot)) return;
        foreach (var dir in Directory.GetDirectories(PinRoot))
        {
            var name = Path.GetFileName(dir).Split('-');
            if (name.Length != 2 || !int.TryParse(name[0], out int pid) || ProcessInfo.StartTime(pid).ToString(System.Globalization.CultureInfo.InvariantCulture) == name[1]) continue; // alive
            int tree = bpf_obj_get(Path.Combine(dir, "tree"));
            bool live = false;
            if (tree >= 0)
            {
                uint key, next;
                uint* prev = null;
                while (!live && bpf_map_get_next_key(tree, prev, &next) == 0)
                {
                    live = Directory.Exists($"/proc/{next}");
                    key = next;
                    prev = &key;
                }
                Interop.Libc.close(tree);
            }
            if (live) continue; // still guarding what is left of a crashed run
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Mount point of the cgroup v2 hierarchy's root (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems).</summary>
    internal static string? CgroupV2Root() =>
        Mounts().Where(m => m.FsType == "cgroup2" && m.Root == "/").Select(m => m.MountPoint).FirstOrDefault();

    /// <summary>Makes <paramref name="pid"/> (the launcher, before it execs the agent) the first task of
    /// the tree; its descendants join as they are forked.</summary>
    internal void AddTreeRoot(int pid)
    {
        Update(_tree, (uint)pid, (byte)1);
        Update(_procs, (uint)pid, new ProcState { Gen = (1UL << 63) | (uint)pid });
    }

    /// <summary>True when <paramref name="tid"/> is a task of the supervised tree (followed through
    /// every fork by the kernel: reparenting or moving cgroups does not leave it).</summary>
    internal bool InTree(int tid) => Lookup(_tree, (uint)tid, out byte _);

    /// <summary>Every task the kernel counts as the tree's (live or not yet reaped).</summary>
    internal unsafe List<int> TreeTasks()
    {
        var tasks = new List<int>();
        uint key, next;
        uint* prev = null;
        while (bpf_map_get_next_key(_tree, prev, &next) == 0)
        {
            tasks.Add((int)next);
            key = next;
            prev = &key;
        }
        return tasks;
    }

    /// <summary>Set when tasks of the tree outlive the run: the programs stay pinned, guarding them,
    /// until a later run finds the tree gone.</summary>
    internal bool KeepPinned { get; set; }

    /// <summary>The gate's port and the profile's action for unknown clients. Until <see cref="SetReady"/>,
    /// every connect of the tree that is not DNS goes to the gate (host names not yet resolved).</summary>
    internal void Configure(int gatePort, PolicyAction unknownClientAction)
    {
        _config = new Config
        {
            GatePort = (uint)gatePort,
            Action = unknownClientAction switch { PolicyAction.Allow => 0u, PolicyAction.Block => 1u, _ => 2u },
        };
        Update(_conf, 0u, _config);
    }

    /// <summary>True once profile host names are resolved and the production prefixes copied in:
    /// connects to other addresses no longer need the supervisor. False sends every connect of the
    /// tree to the gate.</summary>
    internal void SetReady(bool ready)
    {
        _config.Ready = ready ? 1u : 0u;
        Update(_conf, 0u, _config);
    }

    /// <summary>Publishes the production prefixes (16-byte form, bits of 128); removes those no longer listed.
    /// New ones are added before old ones go, so no address is unguarded in between.</summary>
    internal void SyncProduction(IEnumerable<(Address16 Prefix, int Bits)> prefixes)
    {
        lock (_prodLock)
        {
            var next = new HashSet<(Address16, int)>(prefixes);
            foreach (var p in next) if (!_published.Contains(p)) Update(_prod, Key(p.Item1, p.Item2), (byte)1);
            foreach (var p in _published) if (!next.Contains(p)) Delete(_prod, Key(p.Item1, p.Item2));
            _published = next;
        }
    }

    private static AddrKey Key(Address16 a, int bits) =>
        new() { PrefixLen = (uint)bits, Hi = BinaryPrimitives.ReverseEndianness(a.Hi), Lo = BinaryPrimitives.ReverseEndianness(a.Lo) };

    /// <summary>Called for every exec the supervisor lets go: what the process may connect to once
    /// that exec commits (the kernel applies it in sched_process_exec; an exec that fails leaves
    /// the process as it was), provided what runs is <paramref name="files"/>.</summary>
    internal unsafe void StageExec(int tid, bool trustedForProduction, ExecFiles files)
    {
        var st = new Stage();
        var id = files.IsScript ? files.Interpreter : files.File;
        var path = files.ScriptPath;
        // Trust needs an identity to check, and a script path the kernel's copy can be compared with in full.
        if (trustedForProduction && id is { } f && (!files.IsScript || path != null && path.Length < StagePath - 1))
        {
            st.Trusted = 1;
            st.Dev = ExecFiles.KernelDev(f.Dev);
            st.Ino = f.Ino;
            if (files.IsScript)
            {
                st.Script = 1;
                path.AsSpan().CopyTo(new Span<byte>(st.Path, StagePath));
            }
        }
        Update(_staged, (uint)tid, st);
    }

    /// <summary>The process's current program generation (changes at every exec).</summary>
    internal ulong Generation(int tgid) => Lookup(_procs, (uint)tgid, out ProcState s) ? s.Gen : 0;

    /// <summary>True when the kernel trusts the process's committed exec for production.</summary>
    internal bool Trusted(int tgid) => Lookup(_procs, (uint)tgid, out ProcState s) && s.Trusted != 0;

    /// <summary>Remembers a decision for (process, destination) for the life of its current program.</summary>
    internal void Remember(int tgid, ulong gen, Address16 a, int port, bool allowed) =>
        Update(_decided, new DecidedKey { Tgid = (uint)tgid, Port = (uint)port, Gen = gen, Hi = BinaryPrimitives.ReverseEndianness(a.Hi), Lo = BinaryPrimitives.ReverseEndianness(a.Lo) }, allowed ? (byte)1 : (byte)2);

    /// <summary>Takes the connect parked in gate slot <paramref name="n"/>: false when none is (a
    /// connect to the gate that the kernel did not redirect, or one already taken). The slot is
    /// free for the kernel again once this returns.</summary>
    internal unsafe bool TryTakeSlot(int n, out Slot s)
    {
        s = default;
        if ((uint)n >= SlotCount) return false;
        var p = (Slot*)_slotMemory + n;
        ulong seq;
        var spin = new SpinWait();
        // ~0: the kernel is still filling it in (it finishes before the connect goes on).
        while ((seq = Volatile.Read(ref p->Seq)) == ulong.MaxValue && spin.Count < 100) spin.SpinOnce();
        if (seq == 0 || seq == ulong.MaxValue) return false;
        s = *p;
        s.Seq = seq;
        return Interlocked.CompareExchange(ref p->Seq, 0, seq) == seq;
    }

    private const int SlotCount = 1 << 16;
    private readonly ulong[] _seenInSlot = new ulong[SlotCount];

    /// <summary>Frees slots whose connect never reached the gate (an IPV6_V6ONLY socket cannot
    /// reach the v4-mapped gate; a socket bound to another device neither): a slot still holding
    /// the same connect as at the previous call is taken back. Call every few seconds; a real
    /// connect is taken within milliseconds of its slot being filled.</summary>
    internal unsafe int ReclaimStaleSlots()
    {
        int freed = 0;
        var p = (Slot*)_slotMemory;
        for (int n = 0; n < SlotCount; n++)
        {
            ulong seq = Volatile.Read(ref p[n].Seq);
            if (seq != 0 && seq != ulong.MaxValue && seq == _seenInSlot[n] && Interlocked.CompareExchange(ref p[n].Seq, 0, seq) == seq) freed++;
            _seenInSlot[n] = seq;
        }
        return freed;
    }

    /// <summary>Starts a thread that hands each kernel refusal to <paramref name="onEvent"/>.</summary>
    internal unsafe void StartEvents(Action<Event> onEvent)
    {
        _onEvent = onEvent;
        _self = GCHandle.Alloc(this);
        _ring = ring_buffer__new(_events, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (_ring == 0) throw new InvalidOperationException($"ring_buffer__new: {(Errno)Marshal.GetLastPInvokeError()}");
        var ring = _ring;
        // Woken by the ring (data) or by Dispose (the eventfd), never by a timeout.
        _wake = Interop.Libc.eventfd(0, 0x80000 /* EFD_CLOEXEC */);
        if (_wake < 0) throw new InvalidOperationException($"eventfd: {Interop.LastErrno}");
        _poller = new Thread(() =>
        {
            var fds = stackalloc Tmds.Linux.pollfd[2];
            fds[0] = new Tmds.Linux.pollfd { fd = _events, events = 1 /* POLLIN */ };
            fds[1] = new Tmds.Linux.pollfd { fd = _wake, events = 1 };
            while (!_stopping)
            {
                fds[0].revents = fds[1].revents = 0;
                int n = Interop.Libc.poll(fds, 2, -1);
                if (n < 0 && Interop.LastErrno != Errno.EINTR) break;
                if (ring_buffer__consume(ring) < 0) break;
            }
            ring_buffer__consume(ring); // what the kernel refused last is still recorded
            ring_buffer__free(ring);
            _self.Free();
        }) { IsBackground = true, Name = "bpf-events" };
        _poller.Start();
    }

    private Action<Event>? _onEvent;
    private Thread? _poller;
    private int _wake = -1;
    private volatile bool _stopping;

    [UnmanagedCallersOnly]
    private static unsafe int OnSample(nint ctx, nint data, nuint size)
    {
        try
        {
            if ((int)size >= sizeof(Event) && GCHandle.FromIntPtr(ctx).Target is KernelConnectGuard g)
                g._onEvent?.Invoke(*(Event*)data);
        }
        catch (Exception)
        {
            // The kernel already refused the connect; only its message is lost. Never unwind into libbpf.
        }
        return 0;
    }

    /// <summary>Detaches the programs (the tree's connects are then decided by nobody: call only once the tree is gone).</summary>
    public void Dispose()
    {
        _stopping = true;
        if (_wake >= 0)
        {
            ulong one = 1;
            unsafe { Interop.Libc.write(_wake, (byte*)&one, 8); }
            _poller?.Join(TimeSpan.FromSeconds(1)); // drains and frees the ring
            Interop.Libc.close(_wake);
        }
        foreach (var l in _links)
        {
            if (!KeepPinned) bpf_link__unpin(l);
            bpf_link__destroy(l); // closes our fd; a pinned link stays attached
        }
        if (_pinDir != null && !KeepPinned)
        {
            try { Directory.Delete(_pinDir, recursive: true); }
            catch (IOException) { }
        }
        // The slot memory stays mapped: a gate admission or the reclaim timer still running on
        // another thread must never touch an unmapped page (it goes with the process).
        _links.Clear();
        bpf_object__close(_obj);
    }
}
