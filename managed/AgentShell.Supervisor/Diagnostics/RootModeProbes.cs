using System.Runtime.InteropServices;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>Root mode's prerequisites: cgroup v2, and whether the connect programs load — the
/// connect guard's own loader, run dry (loaded into the kernel and closed again; nothing is
/// attached or pinned).</summary>
public static class RootModeProbes
{
    /// <summary>Where cgroup v2 is mounted.</summary>
    public static Probe CgroupV2() => KernelConnectGuard.CgroupV2Root() is string root
        ? new(ProbeStatus.Ok, "cgroup v2", $"mounted at {root}")
        : new(ProbeStatus.Warn, "cgroup v2", "not mounted: connects cannot be decided in the kernel (root mode)", "mount -t cgroup2 none /sys/fs/cgroup/unified (or boot with systemd.unified_cgroup_hierarchy=1)");

    /// <summary>Loads the connect programs `run` would load (the object beside
    /// <paramref name="launcherPath"/>) and closes them; the line names each program that loaded.
    /// <paramref name="loads"/>: whether `run` could use them.</summary>
    public static Probe BpfPrograms(string launcherPath, out bool loads)
    {
        loads = false;
        string objectPath = KernelConnectGuard.DefaultObjectPath(launcherPath);
        if (Interop.Process.GetEffectiveUid() != 0)
            return new(ProbeStatus.Note, "bpf", "not checked: BPF programs load only as root (unprivileged BPF is off); as a user connects are decided by seccomp notification");
        if (BpfInstaller.TryLoad(objectPath, out string reason) is not { } installer)
            return new(ProbeStatus.Warn, "bpf", $"the connect programs do not load: {reason}", FixFor(reason));
        using (installer)
        {
            // By attach point, each with its programs' names: two programs share cgroup/connect4
            // (IP and Unix connects), which listed by section alone read as a repeated line.
            var programs = new List<(string Section, string Name)>();
            for (nint p = bpf_object__next_program(installer.Object, 0); p != 0; p = bpf_object__next_program(installer.Object, p))
                programs.Add((Marshal.PtrToStringUTF8(bpf_program__section_name(p)) ?? "?", Marshal.PtrToStringUTF8(bpf_program__name(p)) ?? "?"));
            loads = true;
            var bySection = programs.GroupBy(x => x.Section).Select(g => $"{g.Key} ({string.Join(", ", g.Select(x => x.Name))})");
            return new(ProbeStatus.Ok, "bpf", $"the connect programs load: {string.Join(", ", bySection)}");
        }
    }

    /// <summary>Which connect guard `run --connect-guard auto` would use here.</summary>
    public static Probe ConnectGuard(bool bpfLoads) => bpfLoads
        ? new(ProbeStatus.Note, "connect guard", "run would decide connects in the kernel (eBPF cgroup programs; --connect-guard auto)")
        : new(ProbeStatus.Note, "connect guard", "run would decide connects by seccomp notification (each connect stops in the supervisor)");

    private static string FixFor(string reason) =>
        reason.Contains("libbpf", StringComparison.Ordinal) ? "install libbpf (Debian: apt-get install libbpf1)"
        : reason.Contains("not found", StringComparison.Ordinal) ? "reinstall agentshell (make install) so the BPF object is beside the launcher"
        : reason.Contains("pid namespace", StringComparison.Ordinal) ? "run in the host's pid namespace for root mode; seccomp mode works here"
        : reason.Contains("cgroup v2", StringComparison.Ordinal) ? "mount cgroup v2"
        : "connects are decided by seccomp notification instead; use --connect-guard seccomp to say so";
}
