using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AgentShell.Core.Policy;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: the maps of the connect programs, read and written as the supervisor's
/// facts change: which tasks are the tree, which addresses are production, which execs were
/// understood, and which (process, destination) decisions were made. The structs below mirror
/// native/bpf/agentshell-connect.h (InteropLayoutTests checks every offset against it).</summary>
internal sealed class BpfMaps
{
    /// <summary>struct addr_key (addr as two big-endian halves).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)] internal struct AddrKey { public uint PrefixLen; public ulong Hi, Lo; }

    /// <summary>struct proc_state.</summary>
    [StructLayout(LayoutKind.Sequential)] internal struct ProcState { public ulong Gen; public uint Trusted, Pad; }

    /// <summary>struct decided_key.</summary>
    [StructLayout(LayoutKind.Sequential)] internal struct DecidedKey { public uint Tgid, Port; public ulong Gen, Hi, Lo; }

    /// <summary>struct config.</summary>
    [StructLayout(LayoutKind.Sequential)] internal struct Config { public uint GatePort, Action, Ready, Wire; }

    /// <summary>struct stage.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Stage
    {
        public uint Trusted, Verify;
        public ulong Dev, Ino;
        public ulong ArgvLen, ArgvHash, EnvLen, EnvHash;
    }

    /// <summary>struct exec_check.</summary>
    [StructLayout(LayoutKind.Sequential)] internal struct ExecCheck { public ulong K0, K1; public uint Supervisor, Pad; }

    /// <summary>struct control_socket: the approval socket's path, <see cref="UnixPath"/> bytes at most.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct ControlSocket
    {
        public uint Len, Flags;
        public fixed byte Path[UnixPath];
    }

    /// <summary>UNIX_PATH: sizeof(sockaddr_un.sun_path).</summary>
    internal const int UnixPath = 108;

    /// <summary>enum action: ACT_ALLOW, ACT_BLOCK, ACT_PAUSE.</summary>
    internal const uint ActionAllow = 0, ActionBlock = 1, ActionPause = 2;

    /// <summary>enum decision: the value of a decided entry.</summary>
    internal const byte DecidedAllow = 1, DecidedDeny = 2;

    private readonly int _prod, _procs, _staged, _decided, _conf, _check, _control;
    private readonly SipHash _hash;
    private readonly Lock _prodLock = new();
    private HashSet<(Address16, int)> _published = [];
    private Config _config;

    /// <summary>The tree map (tid → 1), pinned so a later run can tell whether the tree is gone.</summary>
    internal int Tree { get; }

    /// <summary>The gate's slots (an mmapable array of struct slot).</summary>
    internal int Slots { get; }

    /// <summary>The ring buffer of struct event.</summary>
    internal int Events { get; }

    /// <summary>Finds every map of the loaded programs <paramref name="set"/>; throws when one is missing.</summary>
    internal BpfMaps(BpfProgramSet set)
    {
        int Map(string name) => set.Map(name);
        Tree = Map("tree"); _prod = Map("prod"); _procs = Map("procs"); _staged = Map("staged");
        _decided = Map("decided"); Slots = Map("slots"); _conf = Map("conf"); Events = Map("events"); _check = Map("check");
        _control = Map("control");
        // The kernel copies a map's own key and value sizes to and from the structs below, whatever
        // their sizes: an object built from another header (an install that mixed a binary and an
        // object of two versions) would read past them or cut them short. Refused instead.
        Sized(Tree, "tree", sizeof(uint), sizeof(byte));
        Sized(_prod, "prod", Unsafe.SizeOf<AddrKey>(), sizeof(byte));
        Sized(_procs, "procs", sizeof(uint), Unsafe.SizeOf<ProcState>());
        Sized(_staged, "staged", sizeof(uint), Unsafe.SizeOf<Stage>());
        Sized(_decided, "decided", Unsafe.SizeOf<DecidedKey>(), sizeof(byte));
        Sized(Slots, "slots", sizeof(uint), Unsafe.SizeOf<KernelConnectGuard.Slot>());
        Sized(_conf, "conf", sizeof(uint), Unsafe.SizeOf<Config>());
        Sized(_check, "check", sizeof(uint), Unsafe.SizeOf<ExecCheck>());
        Sized(_control, "control", sizeof(uint), Unsafe.SizeOf<ControlSocket>());
        // The hash key of committed execs: drawn for this run, known to us and the kernel only.
        // PERF: getrandom(2), not RandomNumberGenerator, which loaded OpenSSL (libssl, libcrypto)
        // into every root-mode supervisor: their relocations at start and ~4 MiB resident.
        var key = new byte[16];
        Interop.Random.Fill(key);
        var check = new ExecCheck
        {
            K0 = BinaryPrimitives.ReadUInt64LittleEndian(key), K1 = BinaryPrimitives.ReadUInt64LittleEndian(key.AsSpan(8)),
            Supervisor = (uint)Environment.ProcessId,
        };
        _hash = new SipHash(check.K0, check.K1);
        Update(_check, 0u, check);
    }

    private static void Sized(int fd, string name, int keySize, int valueSize)
    {
        var info = BpfPoolEntry.MapInfoOf(fd);
        if (info.KeySize != keySize || info.ValueSize != valueSize)
            throw new InvalidOperationException($"the BPF object's map '{name}' holds {info.KeySize}-byte keys and {info.ValueSize}-byte values, this agentshell {keySize} and {valueSize}: the object is not this version's (reinstall both)");
    }

    /// <summary>Tells the Unix connect program the approval socket's path (its bytes, no NUL): a
    /// connect of the tree naming it is refused in the kernel. False when the path does not fit.</summary>
    /// <paramref name="unseen"/>: also refuse Unix connects of 16 or 28 bytes (CONTROL_UNIX_INET_LENGTHS),
    /// which the seccomp filter lets through unchecked in root mode.
    internal unsafe bool GuardControlSocket(ReadOnlySpan<byte> path, bool unseen = false)
    {
        if (path.Length == 0 || path.Length >= UnixPath) return false;
        var c = new ControlSocket { Len = (uint)path.Length, Flags = unseen ? 1u : 0u };
        path.CopyTo(new Span<byte>(c.Path, UnixPath));
        Update(_control, 0u, c);
        return true;
    }

    /// <summary>Makes <paramref name="pid"/> the first task of the tree; its descendants join as they are forked.</summary>
    internal void AddTreeRoot(int pid)
    {
        Update(Tree, (uint)pid, (byte)1);
        // A generation the kernel's counter (from 1 up) never hands out.
        Update(_procs, (uint)pid, new ProcState { Gen = (1UL << 63) | (uint)pid });
    }

    /// <summary>True when <paramref name="tid"/> is in the tree map.</summary>
    internal bool InTree(int tid) => Lookup(Tree, (uint)tid, out byte _);

    /// <summary>Every task in the tree map.</summary>
    internal List<int> TreeTasks() => TasksOf(Tree);

    /// <summary>Every key of a tree map (ours, or a pinned one of an earlier run).</summary>
    internal static unsafe List<int> TasksOf(int treeFd)
    {
        var tasks = new List<int>();
        uint key, next;
        uint* prev = null;
        while (bpf_map_get_next_key(treeFd, prev, &next) == 0)
        {
            tasks.Add((int)next);
            key = next;
            prev = &key;
        }
        return tasks;
    }

    /// <summary>Writes the gate's port, the action for unknown clients, and whether the wire layer
    /// takes production TCP connects.</summary>
    internal void Configure(int gatePort, PolicyAction unknownClientAction, bool wire)
    {
        _config = new Config
        {
            GatePort = (uint)gatePort, Wire = wire ? 1u : 0u,
            Action = unknownClientAction switch { PolicyAction.Allow => ActionAllow, PolicyAction.Block => ActionBlock, _ => ActionPause },
        };
        Update(_conf, 0u, _config);
    }

    /// <summary>Writes whether the production prefixes are complete.</summary>
    internal void SetReady(bool ready)
    {
        _config.Ready = ready ? 1u : 0u;
        Update(_conf, 0u, _config);
    }

    /// <summary>Publishes the production prefixes; removes those no longer listed. New ones are
    /// added before old ones go, so no address is unguarded in between.</summary>
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

    /// <summary>Stages what <paramref name="tid"/>'s next exec is trusted with, if what runs is
    /// <paramref name="files"/>; with <paramref name="verify"/>, the kernel kills it at its commit
    /// unless its argv, environment and file are those. A script is never trusted (its
    /// interpreter runs code from files the tree can write: TrustLedger.TrustedEnvironments gives
    /// it none); should one come here with trust all the same, it is staged without.</summary>
    internal void StageExec(int tid, bool trustedForProduction, ExecFiles files, CommittedExec? verify)
    {
        var st = new Stage();
        if ((files.IsScript ? files.Interpreter : files.File) is { } f)
        {
            st.Dev = ExecFiles.KernelDev(f.Dev);
            st.Ino = f.Ino;
            if (trustedForProduction && !files.IsScript) st.Trusted = 1;
        }
        if (verify is { Hashable: true })
        {
            st.Verify = 1;
            st.ArgvLen = (ulong)verify.Argv.Length;
            st.ArgvHash = _hash.Hash(verify.Argv);
            st.EnvLen = (ulong)verify.Environment.Length;
            st.EnvHash = _hash.Hash(verify.Environment);
            // The program checked for is the one the expectation names (the file, or a script's interpreter).
            if (verify.Program is { } p) { st.Dev = ExecFiles.KernelDev(p.Dev); st.Ino = p.Ino; }
        }
        // PERF: a stage that trusts and checks nothing does what no stage does (on_exec trusts an
        // exec only by a stage that says so), so it is written only over one of ours that may still
        // wait for this tid (a trusted or checked exec that then failed: the kernel consumes a stage
        // only at a commit). Most execs (every failing one, every program no parser knows) then
        // cost no bpf(2) call.
        bool empty = st.Trusted == 0 && st.Verify == 0;
        lock (_stagedTids)
        {
            if (empty && !_stagedTidsOverflowed && !_stagedTids.Contains(tid)) return;
        }
        Update(_staged, (uint)tid, st);
        // Only once the kernel has it: a tid forgotten before its empty stage is written would let
        // the old stage stand.
        lock (_stagedTids)
        {
            if (empty) _stagedTids.Remove(tid);
            else if (_stagedTids.Count < MaxStagedTids) _stagedTids.Add(tid);
            else _stagedTidsOverflowed = true; // from now on every stage is written, as before
        }
    }

    // The tids given a stage that trusts or checks something, not yet overwritten by an empty one.
    private const int MaxStagedTids = 1 << 16;
    private readonly HashSet<int> _stagedTids = [];
    private bool _stagedTidsOverflowed;

    /// <summary>Ends the trust of the process's current program.</summary>
    internal void Untrust(int tgid)
    {
        if (!Lookup(_procs, (uint)tgid, out ProcState s) || s.Trusted == 0) return;
        s.Trusted = 0;
        Update(_procs, (uint)tgid, s);
    }

    /// <summary>The process's current program generation, or 0 when it has none.</summary>
    internal ulong Generation(int tgid) => Lookup(_procs, (uint)tgid, out ProcState s) ? s.Gen : 0;

    /// <summary>True when the process's committed exec is trusted for production.</summary>
    internal bool Trusted(int tgid) => Lookup(_procs, (uint)tgid, out ProcState s) && s.Trusted != 0;

    /// <summary>Writes a decision for (process, program generation, destination).</summary>
    internal void Remember(int tgid, ulong gen, Address16 a, int port, bool allowed) =>
        Update(_decided, new DecidedKey { Tgid = (uint)tgid, Port = (uint)port, Gen = gen, Hi = BinaryPrimitives.ReverseEndianness(a.Hi), Lo = BinaryPrimitives.ReverseEndianness(a.Lo) },
            allowed ? DecidedAllow : DecidedDeny);
}
