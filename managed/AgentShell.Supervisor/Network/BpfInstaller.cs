using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode: loads the connect programs (native/bpf/agentshell-connect.bpf.c), attaches
/// them at the root of the cgroup v2 hierarchy and pins them, so they outlive this process; a
/// normal end unpins them, and a later run removes those of a dead supervisor whose tree is gone.</summary>
internal sealed class BpfInstaller : IDisposable
{
    /// <summary>Where runs pin their programs (a bpf filesystem).</summary>
    internal const string PinRoot = "/sys/fs/bpf/agentshell";

    private readonly List<nint> _links = [];
    private readonly string _cgroupRoot;
    private string? _pinDir;

    /// <summary>The loaded object (libbpf's struct bpf_object).</summary>
    internal nint Object { get; }

    /// <summary>Set when tasks of the tree outlive the run: the programs stay pinned, guarding them,
    /// until a later run finds the tree gone.</summary>
    internal bool KeepPinned { get; set; }

    private BpfInstaller(nint obj, string cgroupRoot)
    {
        Object = obj;
        _cgroupRoot = cgroupRoot;
    }

    /// <summary>Opens and loads the programs, not yet attached; null (and why) when this machine or
    /// user cannot: not root, no cgroup v2, no libbpf, or the kernel refuses a program.</summary>
    internal static BpfInstaller? TryLoad(string objectPath, out string reason)
    {
        if (Interop.Process.GetEffectiveUid() != 0) { reason = "not running as root"; return null; }
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
        if (obj == 0) { reason = $"cannot open {objectPath}: {Interop.LastErrno}"; return null; }
        if (bpf_object__load(obj) != 0) { reason = $"the kernel refused the connect programs: {Interop.LastErrno}"; bpf_object__close(obj); return null; }
        reason = "";
        return new BpfInstaller(obj, cgroupRoot);
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
            for (nint p = bpf_object__next_program(Object, 0); p != 0; p = bpf_object__next_program(Object, p))
            {
                nint link = bpf_program__type(p) == BPF_PROG_TYPE_TRACING ? bpf_program__attach(p) : bpf_program__attach_cgroup(p, cg);
                if (link == 0)
                    return $"cannot attach {Marshal.PtrToStringUTF8(bpf_program__name(p))}: {Interop.LastErrno}";
                _links.Add(link);
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
                return $"cannot pin the connect programs in {dir}: {Interop.LastErrno}";
        }
        return bpf_obj_pin(treeMap, Path.Combine(dir, "tree")) == 0 ? null : $"cannot pin the tree map in {dir}: {Interop.LastErrno}";
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
        foreach (var l in _links)
        {
            if (!KeepPinned) bpf_link__unpin(l);
            bpf_link__destroy(l); // closes our fd; a pinned link stays attached
        }
        if (_pinDir != null && !KeepPinned)
        {
            try { Directory.Delete(_pinDir, recursive: true); }
            catch (IOException) { } // what is left is collected by a later run once this tree is gone
        }
        _links.Clear();
        bpf_object__close(Object);
    }
}
