using System.Runtime.InteropServices;

namespace AgentShell.Supervisor.Diagnostics;

/// <summary>What the kernel offers the supervisor, each asked of the kernel itself rather than
/// inferred from a version number: seccomp user notification with WAIT_KILLABLE_RECV (a real filter
/// with a listener, on a thread of its own), whether a listener already supervises this process,
/// pidfd_getfd, and what the integrity features use (ptrace, user and mount namespaces).</summary>
public static class KernelProbes
{
    /// <summary>The oldest kernel with everything `run` uses (WAIT_KILLABLE_RECV came in 5.19).</summary>
    public static readonly Version Needed = new(5, 19);

    /// <summary>The running kernel's release.</summary>
    public static Probe Kernel()
    {
        string release = Read("/proc/sys/kernel/osrelease") ?? "unknown";
        var m = System.Text.RegularExpressions.Regex.Match(release, @"^(\d+)\.(\d+)");
        if (!m.Success) return new(ProbeStatus.Warn, "kernel", $"Linux {release}: version not understood", $"AgentShell needs Linux {Needed} or later");
        var v = new Version(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        return v >= Needed
            ? new(ProbeStatus.Ok, "kernel", $"Linux {release} ({Needed} or later needed)")
            : new(ProbeStatus.Fail, "kernel", $"Linux {release} is older than {Needed}", $"upgrade to Linux {Needed} or later (seccomp WAIT_KILLABLE_RECV)");
    }

    /// <summary>True when a seccomp listener already supervises this process (a filter with a
    /// listener fails to install with EBUSY). Cheap: without any filter above us, nothing is tried.</summary>
    public static bool AlreadySupervised()
    {
        if (StatusField("Seccomp_filters") is string f && int.TryParse(f, out int n) && n == 0) return false;
        Errno errno = 0;
        var t = new Thread(() =>
        {
            int fd = Interop.Seccomp.InstallProbeFilterOnThisThread(out errno);
            if (fd >= 0) Interop.Libc.close(fd);
        }) { IsBackground = true, Name = "nesting-probe" };
        t.Start();
        t.Join();
        return errno == Errno.EBUSY;
    }

    /// <summary>Installs what the launcher installs, NEW_LISTENER | WAIT_KILLABLE_RECV, as an inert
    /// filter on a thread that then exits, and checks the notification structs' sizes. Returns that
    /// line and the nesting line (EBUSY: another listener already supervises this process).</summary>
    public static (Probe Notification, Probe Nesting) SeccompListener()
    {
        int filters = StatusField("Seccomp_filters") is string f && int.TryParse(f, out int n) ? n : -1;
        int fd = -1;
        Errno errno = 0;
        var t = new Thread(() =>
        {
            fd = Interop.Seccomp.InstallProbeFilterOnThisThread(out errno);
            if (fd >= 0) Interop.Libc.close(fd);
        }) { IsBackground = true, Name = "doctor-seccomp" };
        t.Start();
        t.Join();
        string above = filters switch { < 0 => "", 0 => " (Seccomp_filters: 0)", _ => $" ({filters} seccomp filter(s) above it, none with a listener)" };
        if (fd >= 0)
        {
            var sizes = SupervisedRun.CheckKernel();
            return (sizes == null
                    ? new(ProbeStatus.Ok, "seccomp", "user notification with WAIT_KILLABLE_RECV: a filter with a listener installs")
                    : new(ProbeStatus.Fail, "seccomp", sizes, "rebuild agentshell against this kernel's headers"),
                new(ProbeStatus.Ok, "nesting", $"no seccomp listener supervises this process{above}"));
        }
        if (errno == Errno.EBUSY)
            return (new(ProbeStatus.Note, "seccomp", "not testable here: this process is already supervised"),
                new(ProbeStatus.Fail, "nesting", "a seccomp listener already supervises this process (inside `agentshell run`, a daemon session or another supervisor); a second one cannot be installed (EBUSY)",
                    "run agentshell outside the supervised tree (one listener per process tree)"));
        string fix = errno switch
        {
            Errno.EINVAL => $"this kernel lacks seccomp user notification with WAIT_KILLABLE_RECV: use Linux {Needed} or later",
            Errno.ENOSYS => "this kernel was built without seccomp filters (CONFIG_SECCOMP_FILTER): use a kernel that has them",
            Errno.EACCES or Errno.EPERM => "installing a filter was refused (no_new_privs or CAP_SYS_ADMIN is needed; a container's own seccomp policy may forbid seccomp()): allow the seccomp syscall",
            _ => "see seccomp(2) for this error",
        };
        return (new(ProbeStatus.Fail, "seccomp", $"a filter with a listener does not install: {Marshal.GetPInvokeErrorMessage((int)errno)}", fix),
            new(ProbeStatus.Note, "nesting", $"not testable: no listener could be installed{above}"));
    }

    /// <summary>pidfd_open and pidfd_getfd (the supervisor writes a refusal's reason to the
    /// process's stderr, and makes connects on its behalf, through a dup of its fd).</summary>
    public static Probe PidfdGetfd()
    {
        int pidfd = Interop.Pidfd.Open(Environment.ProcessId, out var e1);
        if (pidfd < 0)
            return new(ProbeStatus.Fail, "pidfd", $"pidfd_open fails: {Marshal.GetPInvokeErrorMessage((int)e1)}", "use Linux 5.6 or later, and allow pidfd_open where a seccomp policy restricts syscalls");
        try
        {
            int dup = Interop.Pidfd.GetFd(pidfd, pidfd, out var e2);
            if (dup < 0)
                return new(ProbeStatus.Fail, "pidfd", $"pidfd_getfd fails: {Marshal.GetPInvokeErrorMessage((int)e2)}", "use Linux 5.6 or later, and allow pidfd_getfd where a seccomp policy restricts syscalls");
            Interop.Libc.close(dup);
            return new(ProbeStatus.Ok, "pidfd", "pidfd_open and pidfd_getfd work");
        }
        finally { Interop.Libc.close(pidfd); }
    }

    /// <summary>ptrace of one's own children, as the integrity checks use it (Yama's ptrace_scope).</summary>
    public static Probe Ptrace()
    {
        string? scope = Read("/proc/sys/kernel/yama/ptrace_scope");
        return scope switch
        {
            null => new(ProbeStatus.Ok, "ptrace", "no Yama restrictions: a process may trace its children"),
            "0" or "1" => new(ProbeStatus.Ok, "ptrace", $"Yama ptrace_scope {scope}: a process may trace its children"),
            "2" => Interop.Process.GetEffectiveUid() == 0
                ? new(ProbeStatus.Ok, "ptrace", "Yama ptrace_scope 2: tracing needs CAP_SYS_PTRACE, which root has")
                : new(ProbeStatus.Warn, "ptrace", "Yama ptrace_scope 2: only CAP_SYS_PTRACE may trace; the integrity checks that trace the tree are unavailable", "sysctl kernel.yama.ptrace_scope=1, or run as root"),
            _ => new(ProbeStatus.Warn, "ptrace", $"Yama ptrace_scope {scope}: ptrace is disabled; the integrity checks that trace the tree are unavailable", "set kernel.yama.ptrace_scope to 1 at boot (3 cannot be lowered at run time)"),
        };
    }

    /// <summary>User and mount namespaces (read-only views of what guards the run).</summary>
    public static Probe Namespaces()
    {
        bool mnt = File.Exists("/proc/self/ns/mnt");
        bool root = Interop.Process.GetEffectiveUid() == 0;
        string? max = Read("/proc/sys/user/max_user_namespaces");
        string? clone = Read("/proc/sys/kernel/unprivileged_userns_clone");
        string? apparmor = Read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
        bool userns = File.Exists("/proc/self/ns/user") && max != "0" && clone != "0" && apparmor != "1";
        if (!mnt) return new(ProbeStatus.Warn, "namespaces", "no mount namespaces (CONFIG_NAMESPACES): guard files cannot be made read-only inside the tree", "use a kernel with mount namespaces");
        if (root) return new(ProbeStatus.Ok, "namespaces", $"mount namespaces available (root); user namespaces {(userns ? "available" : "restricted")}");
        return userns
            ? new(ProbeStatus.Ok, "namespaces", $"user and mount namespaces available to this user (max_user_namespaces {max ?? "?"})")
            : new(ProbeStatus.Warn, "namespaces", "unprivileged user namespaces are restricted: the tree cannot get read-only views of what guards it",
                apparmor == "1" ? "sysctl kernel.apparmor_restrict_unprivileged_userns=0" : clone == "0" ? "sysctl kernel.unprivileged_userns_clone=1" : "sysctl user.max_user_namespaces=15000");
    }

    private static string? StatusField(string name)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return line[(name.Length + 1)..].Trim();
        return null;
    }

    private static string? Read(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
