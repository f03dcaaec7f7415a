using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: loads the connect programs (native/bpf/agentshell-connect.bpf.c), attaches
/// them at the root of the cgroup v2 hierarchy and pins them, so they outlive this process; a
/// normal end unpins them, and a later run removes those of a dead supervisor whose tree is gone.
/// The programs are this run's own load or a pool entry it claimed (<see cref="BpfPool"/>).</summary>
internal sealed class BpfInstaller : IDisposable
{
    /// <summary>Where runs pin their programs (a bpf filesystem).</summary>
    internal const string PinRoot = "/sys/fs/bpf/agentshell";

    private readonly List<(int Fd, string? Pin)> _links = [];
    private readonly string _cgroupRoot;
    private string? _pinDir;

    /// <summary>The loaded programs and their maps.</summary>
    internal BpfProgramSet Set { get; }

    /// <summary>The libbpf object of a load of this process, or 0 for programs claimed from the pool.</summary>
    internal nint Object => Set.Object;

    /// <summary>Set when tasks of the tree outlive the run: the programs stay pinned, guarding them,
    /// until a later run finds the tree gone.</summary>
    internal bool KeepPinned { get; set; }

    private BpfInstaller(BpfProgramSet set, string cgroupRoot)
    {
        Set = set;
        _cgroupRoot = cgroupRoot;
    }

    /// <summary>Why this machine or user cannot use root mode at all (null when it can), and the
    /// cgroup v2 root the programs attach to.</summary>
    internal static string? Unavailable(string objectPath, out string cgroupRoot)
    {
        cgroupRoot = "";
        if (Interop.Process.GetEffectiveUid() != 0) return "not running as root";
        if (!File.Exists(objectPath)) return $"{objectPath} not found (run make)";
        if (CgroupV2Root() is not string root) return "no cgroup v2 hierarchy is mounted";
        cgroupRoot = root;
        // The programs see the kernel's global pids; the supervisor sees its namespace's.
        if (InNestedPidNamespace()) return "running in a nested pid namespace (a container): the kernel's pids are not ours";
        return null;
    }

    /// <summary>Programs claimed from the pool, to attach like loaded ones.</summary>
    internal static BpfInstaller OfClaimed(BpfProgramSet set, string cgroupRoot) => new(set, cgroupRoot);

    /// <summary>Opens and loads the programs, not yet attached; null (and why) when this machine or
    /// user cannot: not root, no cgroup v2, no libbpf, or the kernel refuses a program.</summary>
    internal static BpfInstaller? TryLoad(string objectPath, out string reason)
    {
        if (Unavailable(objectPath, out string cgroupRoot) is string why) { reason = why; return null; }
        nint obj;
        try
        {
            libbpf_set_print(0); // the reason below is enough; libbpf's own log goes nowhere
            obj = bpf_object__open_file(objectPath, 0);
        }
        catch (DllNotFoundException) { reason = "libbpf.so.1 is not installed"; return null; }
        if (obj == 0) { reason = $"cannot open {objectPath}: {Interop.LastErrno}"; return null; }
        Prepare(obj, unixConnect: true);
        if (bpf_object__load(obj) != 0)
        {
            reason = $"the kernel refused the connect programs: {Interop.LastErrno}";
            bpf_object__close(obj);
            // A kernel without the Unix connect hook (before 6.7) still gets the others; its tree's
            // Unix connects stay trapped by seccomp (KernelConnectGuard.GuardsUnixConnects is false).
            obj = bpf_object__open_file(objectPath, 0);
            if (obj == 0) return null;
            Prepare(obj, unixConnect: false);
            if (bpf_object__load(obj) != 0) { bpf_object__close(obj); return null; }
        }
        reason = "";
        return new BpfInstaller(BpfProgramSet.OfLoadedObject(obj), cgroupRoot);
    }

    /// <summary>The Unix connect program (native/bpf/agentshell-connect.bpf.c: connect_unix).</summary>
    internal const string UnixConnectProgram = "connect_unix";

    /// <summary>BPF_CGROUP_UNIX_CONNECT (Linux 6.7), which libbpf 1.1's section names do not know.</summary>
    private const int BPF_CGROUP_UNIX_CONNECT = 49;

    /// <summary>What the object file cannot say to libbpf 1.1, set on an opened object before its
    /// load (and before its shape is read, so a pool entry matches it): the Unix connect program's
    /// attach type, or, with <paramref name="unixConnect"/> false, that it is not loaded at all.</summary>
    internal static void Prepare(nint obj, bool unixConnect)
    {
        nint p = bpf_object__find_program_by_name(obj, UnixConnectProgram);
        if (p == 0) return;
        if (unixConnect) bpf_program__set_expected_attach_type(p, BPF_CGROUP_UNIX_CONNECT);
        else bpf_program__set_autoload(p, false);
    }

    /// <summary>Attaches every program (tracing programs to their tracepoints, the others at the
    /// cgroup v2 root: moving to another cgroup does not escape them), then pins the links and the
    /// tree map <paramref name="treeMap"/>. Returns why it could not, or null.</summary>
    internal string? AttachAndPin(int treeMap)
    {
        int cg = Interop.Files.Open(_cgroupRoot, Interop.Files.O_RDONLY | Interop.Files.O_DIRECTORY | Interop.Files.O_CLOEXEC, out var openError);
        if (cg < 0) return $"cannot open {_cgroupRoot}: {openError}";
        try
        {
            foreach (var p in Set.Programs)
            {
                // As libbpf attaches them: a tracing program through its raw tracepoint, the
                // others by a cgroup link of their expected attach type.
                int link = p.Type == BPF_PROG_TYPE_TRACING ? bpf_raw_tracepoint_open(0, p.Fd) : bpf_link_create(p.Fd, cg, p.AttachType, 0);
                if (link < 0)
                    return $"cannot attach {p.Name}: {Interop.LastErrno}";
                _links.Add((link, null));
            }
        }
        finally { Interop.Libc.close(cg); }
        return Pin(treeMap);
    }

    /// <summary>Pins the links (and the tree map) under <see cref="PinRoot"/>, so the programs outlive
    /// this process: if the supervisor dies, the tree's connects stay guarded (fail closed: an
    /// unknown client's production connect finds no gate and is refused) instead of becoming free.</summary>
    private string? Pin(int treeMap)
    {
        if (EnsureBpfFs() is string error) return error;
        CollectStale();
        string dir = Path.Combine(PinRoot, $"{Environment.ProcessId}-{ProcessInfo.StartTime(Environment.ProcessId)}");
        Directory.CreateDirectory(dir);
        _pinDir = dir;
        for (int i = 0; i < _links.Count; i++)
        {
            string pin = Path.Combine(dir, $"link{i}");
            if (bpf_obj_pin(_links[i].Fd, pin) != 0)
                return $"cannot pin the connect programs in {dir}: {Interop.LastErrno}";
            _links[i] = (_links[i].Fd, pin);
        }
        return bpf_obj_pin(treeMap, Path.Combine(dir, "tree")) == 0 ? null : $"cannot pin the tree map in {dir}: {Interop.LastErrno}";
    }

    /// <summary>Mounts a bpf filesystem on /sys/fs/bpf (mode 0700) unless one is there; why not, or null.</summary>
    internal static string? EnsureBpfFs()
    {
        if (IsBpfFs("/sys/fs/bpf")) return null;
        Directory.CreateDirectory("/sys/fs/bpf");
        return Interop.Libc.mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") == 0 ? null : $"cannot mount a bpf filesystem on /sys/fs/bpf: {Interop.LastErrno}";
    }

    /// <summary>Removes the pins of runs whose supervisor is dead and whose tree has no live task.</summary>
    private static void CollectStale()
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
                live = BpfMaps.TasksOf(tree).Any(t => Directory.Exists($"/proc/{t}"));
                Interop.Libc.close(tree);
            }
            if (live) continue; // still guarding what is left of a crashed run
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { } // a later run tries again; the pins only keep guarding a gone tree
        }
    }

    /// <summary>True unless we are in the kernel's initial pid namespace, whose inode number is
    /// fixed (PROC_PID_INIT_INO). NSpid cannot tell: a remounted /proc shows only the inner pid.</summary>
    internal static bool InNestedPidNamespace()
    {
        try { return new FileInfo("/proc/self/ns/pid").LinkTarget != "pid:[4026531836]"; }
        catch (IOException) { return true; } // unknown: assume the worst
    }

    /// <summary>Mount point of the cgroup v2 hierarchy's root (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems).</summary>
    internal static string? CgroupV2Root() =>
        Mounts().Where(m => m.FsType == "cgroup2" && m.Root == "/").Select(m => m.MountPoint).FirstOrDefault();

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

    /// <summary>Detaches the programs unless <see cref="KeepPinned"/> (the tree's connects are then
    /// decided by nobody: call only once the tree is gone), and closes the object.</summary>
    public void Dispose()
    {
        foreach (var (fd, pin) in _links)
        {
            if (!KeepPinned && pin != null) Interop.Libc.unlink(pin);
            Interop.Libc.close(fd); // a pinned link stays attached
        }
        if (_pinDir != null && !KeepPinned)
        {
            try { Directory.Delete(_pinDir, recursive: true); }
            catch (IOException) { } // what is left is collected by a later run once this tree is gone
        }
        _links.Clear();
        Set.Dispose();
    }
}
