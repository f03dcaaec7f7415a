using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor.Tests;

/// <summary>The struct layouts and constants the C# interop assumes, checked by the C compiler
/// against the kernel headers (as Tmds.LibC's StructTests do), and against the running kernel.</summary>
[TestFixture]
public sealed class InteropLayoutTests
{
    [Test]
    public void LayoutsAndConstantsMatchTheKernelHeaders()
    {
        var asserts = new (string Expr, long Value)[]
        {
            ("sizeof(struct seccomp_notif)", Unsafe.SizeOf<seccomp_notif>()),
            ("sizeof(struct seccomp_notif_resp)", Unsafe.SizeOf<seccomp_notif_resp>()),
            ("sizeof(struct seccomp_data)", Unsafe.SizeOf<seccomp_data>()),
            ("offsetof(struct seccomp_notif, id)", Marshal.OffsetOf<seccomp_notif>("id")),
            ("offsetof(struct seccomp_notif, pid)", Marshal.OffsetOf<seccomp_notif>("pid")),
            ("offsetof(struct seccomp_notif, flags)", Marshal.OffsetOf<seccomp_notif>("flags")),
            ("offsetof(struct seccomp_notif, data)", Marshal.OffsetOf<seccomp_notif>("data")),
            ("offsetof(struct seccomp_data, nr)", Marshal.OffsetOf<seccomp_data>("nr")),
            ("offsetof(struct seccomp_data, arch)", Marshal.OffsetOf<seccomp_data>("arch")),
            ("offsetof(struct seccomp_data, args)", Marshal.OffsetOf<seccomp_data>("args")),
            ("offsetof(struct seccomp_notif_resp, id)", Marshal.OffsetOf<seccomp_notif_resp>("id")),
            ("offsetof(struct seccomp_notif_resp, val)", Marshal.OffsetOf<seccomp_notif_resp>("val")),
            ("offsetof(struct seccomp_notif_resp, error)", Marshal.OffsetOf<seccomp_notif_resp>("error")),
            ("offsetof(struct seccomp_notif_resp, flags)", Marshal.OffsetOf<seccomp_notif_resp>("flags")),
            ("SECCOMP_IOCTL_NOTIF_RECV", SECCOMP_IOCTL_NOTIF_RECV),
            ("SECCOMP_IOCTL_NOTIF_SEND", SECCOMP_IOCTL_NOTIF_SEND),
            ("SECCOMP_IOCTL_NOTIF_ID_VALID", SECCOMP_IOCTL_NOTIF_ID_VALID),
            ("SECCOMP_USER_NOTIF_FLAG_CONTINUE", SECCOMP_USER_NOTIF_FLAG_CONTINUE),
            ("SECCOMP_GET_NOTIF_SIZES", SECCOMP_GET_NOTIF_SIZES),
            ("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64),
            ("__NR_execve", NR_execve),
            ("__NR_execveat", NR_execveat),
            ("__NR_connect", NR_connect),
            ("__NR_seccomp", NR_seccomp),
            ("__NR_pidfd_open", 434),
            ("__NR_pidfd_getfd", 438),
            ("PR_SET_CHILD_SUBREAPER", Interop.Libc.PR_SET_CHILD_SUBREAPER),
            ("PR_SET_DUMPABLE", Interop.Libc.PR_SET_DUMPABLE),
        };
        var src = "#include <stddef.h>\n#include <linux/seccomp.h>\n#include <linux/audit.h>\n#include <sys/ioctl.h>\n#include <sys/prctl.h>\n#include <sys/syscall.h>\n" +
            string.Concat(asserts.Select(a => $"_Static_assert((long long)({a.Expr}) == {a.Value}LL, \"{a.Expr} != {a.Value}\");\n"));
        var file = Path.Combine(Path.GetTempPath(), $"agentshell-layout-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, src);
        var psi = new ProcessStartInfo("gcc", ["-fsyntax-only", "-Wall", "-Werror", file]) { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        File.Delete(file);
        Assert.That(p.ExitCode, Is.EqualTo(0), err);
        Assert.That(asserts, Has.Length.EqualTo(28));
    }

    [Test]
    public void TheRunningKernelReportsTheSizesWeAssume()
    {
        Assert.That(SupervisedRun.CheckKernel(), Is.Null);
    }
}
