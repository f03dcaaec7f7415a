using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The filter's own refusals: ways out that the supervisor would not see.</summary>
[TestFixture]
public sealed class FilterTests
{
    [SetUp]
    public void SetUp() => KernelSetUp.RequireInterception();

    [Test]
    public void IoUringSetupIsRefused()
    {
        var r = AgentShellRunner.Supervise(Repo.Python, "-c",
            "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nbuf = ctypes.create_string_buffer(120)\nprint(libc.syscall(425, 4, buf), ctypes.get_errno())");
        Assert.That(r.Stdout.Trim(), Is.EqualTo("-1 1"));
    }

    [Test]
    public void IoUringWorksUnsupervised()
    {
        // The look-alike: the same call outside the tree succeeds, so the refusal is the filter's.
        var psi = new ProcessStartInfo(Repo.Python) { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nbuf = ctypes.create_string_buffer(120)\nfd = libc.syscall(425, 4, buf)\nprint(fd >= 0 or ctypes.get_errno() != 1)");
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(o.Trim(), Is.EqualTo("True"));
    }

    // clock_settime(CLOCK_REALTIME, NULL): outside the filter the kernel reads the time first and
    // answers EFAULT (14), root or not; inside, the filter refuses the call itself (EPERM, 1).
    private const string SetClock = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.syscall(227, 0, None), ctypes.get_errno())";

    [Test]
    public void SettingTheClockIsRefused()
    {
        var r = AgentShellRunner.Supervise(Repo.Python, "-c", SetClock);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("-1 1"), r.Stderr);
        var adj = AgentShellRunner.Supervise(Repo.Python, "-c", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.syscall(159, None), ctypes.get_errno())");
        Assert.That(adj.Stdout.Trim(), Is.EqualTo("-1 1"), adj.Stderr);
    }

    [Test]
    public void SettingTheClockReachesTheKernelUnsupervised()
    {
        // The look-alike: the same call outside the tree gets the kernel's own answer.
        var psi = new ProcessStartInfo(Repo.Python) { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(SetClock);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(o.Trim(), Is.EqualTo("-1 14"));
    }

    [Test]
    public void PlainUdpSendtoStillWorks()
    {
        var r = AgentShellRunner.Supervise(Repo.Python, "-c",
            "import socket\nr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(('127.0.0.1', 0))\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'hi', r.getsockname())\nprint(r.recv(10).decode())");
        Assert.That(r.Stdout.Trim(), Is.EqualTo("hi"), r.Stderr);
    }

    [TestCase("i386", 159)]
    [TestCase("x32", 159)]
    [TestCase("native", 0)]
    public void ForeignSyscallAbisAreKilled(string abi, int expected)
    {
        // A 32-bit (int 0x80) or x32 call would reach execve/connect under other numbers: SIGSYS.
        var dir = Directory.CreateTempSubdirectory("agentshell-abi-").FullName;
        var src = Path.Combine(dir, "abi.c");
        File.WriteAllText(src, """
            #include <string.h>
            #include <unistd.h>
            #include <sys/syscall.h>
            int main(int argc, char **argv) {
                long r = 0;
                if (argc > 1 && strcmp(argv[1], "i386") == 0) {
                    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
                } else if (argc > 1 && strcmp(argv[1], "x32") == 0) {
                    r = syscall(0x40000000L | SYS_getpid);
                } else {
                    r = syscall(SYS_getpid);
                }
                return r > 0 ? 0 : 1;
            }
            """);
        var exe = Path.Combine(dir, "abi");
        var cc = Process.Start("gcc", ["-O0", "-o", exe, src])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0), "gcc");
        var bare = Process.Start(exe, [abi])!;
        bare.WaitForExit();
        if (abi == "i386" && bare.ExitCode != 0)
        {
            Directory.Delete(dir, true);
            Assert.Ignore($"this machine does not run i386 syscalls (int $0x80 unsupervised exits {bare.ExitCode}): the case cannot arise here");
        }
        var r = AgentShellRunner.Supervise(exe, abi);
        Directory.Delete(dir, true);
        Assert.That(r.ExitCode, Is.EqualTo(expected), r.Stderr);
    }
}
