using System.Diagnostics;

namespace AgentShell.EndToEnd.Tests;

/// <summary>agentshell-launch's filter assembler (named jump targets resolved at start-up): the
/// launcher's own source is compiled with a test driver in place of its main, so these are the
/// checks the launcher runs before it installs its filter.</summary>
[TestFixture]
public sealed class LauncherFilterAssemblyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-filter-asm-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>Compiles <paramref name="body"/> as the body of main() after the launcher's filter source and runs it.</summary>
    private (int Code, string Stdout, string Stderr) RunDriver(string body, string includes = "")
    {
        var src = Path.Combine(_dir, "driver.c");
        var exe = Path.Combine(_dir, "driver");
        File.WriteAllText(src, $$"""
            #include "filter.c"
            #include <stdio.h>
            {{includes}}
            int main(void)
            {
            {{body}}
            }
            """);
        var cc = Process.Start(new ProcessStartInfo("gcc", ["-Wall", "-Wno-unused-function", "-Werror", "-I", Path.Combine(Repo.Root, "native", "launcher"), "-o", exe, src, Path.Combine(Repo.Root, "native", "launcher", "die.c")])
            { RedirectStandardError = true })!;
        var ccErr = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0), ccErr);
        using var p = Process.Start(new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    /// <summary>A program that jumps from one instruction to each label in turn, every label naming a
    /// RET whose value is the label's number; with <paramref name="padding"/>, extra instructions
    /// are inserted before every label. The driver checks every jump lands on its label's RET.</summary>
    private static string EveryLabelOnce(int padding) => $$"""
            struct line src[4 * LABEL_COUNT + {{padding}} * LABEL_COUNT];
            size_t n = 0;
            src[n++] = (struct line)LOAD(nr);
            for (int l = NEXT + 1; l < LABEL_COUNT; l++)
                src[n++] = (struct line)JEQ(1000 + l, l);
            src[n++] = (struct line)RET(SECCOMP_RET_ALLOW);
            for (int l = NEXT + 1; l < LABEL_COUNT; l++) {
                for (int i = 0; i < {{padding}}; i++)
                    src[n++] = (struct line)LOAD(nr);
                src[n++] = (struct line)LABEL(l);
                src[n++] = (struct line)RET(l);
            }
            struct sock_filter out[sizeof(src) / sizeof(src[0])];
            unsigned short len = assemble(src, n, out, sizeof(out) / sizeof(out[0]));
            int jumps = 0;
            for (unsigned short pc = 0; pc < len; pc++) {
                if (BPF_CLASS(out[pc].code) != BPF_JMP)
                    continue;
                const struct sock_filter *t = &out[pc + 1 + out[pc].jt];
                if (BPF_CLASS(t->code) != BPF_RET || t->k != out[pc].k - 1000 || out[pc].jf != 0) {
                    printf("instruction %u lands on %u\n", pc, (unsigned)(t - out));
                    return 1;
                }
                jumps++;
            }
            printf("%d jumps, %u instructions\n", jumps, len);
            return 0;
            """;

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(7)]
    public void EveryJumpLandsOnItsLabelWhereverInstructionsAreInserted(int padding)
    {
        var (code, stdout, stderr) = RunDriver(EveryLabelOnce(padding));
        Assert.That(code, Is.EqualTo(0), stdout + stderr);
        Assert.That(stdout, Does.Match(@"^\d+ jumps, \d+ instructions"));
        int jumps = int.Parse(stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(jumps, Is.GreaterThanOrEqualTo(11), "one jump per label of the launcher's filter");
    }

    [TestCase("LOAD(nr), JEQ(1, NOTIFY), RET(0)", "instruction 1 jumps to NOTIFY, which labels no instruction")]
    [TestCase("LOAD(nr), JEQ(1, ALLOW), LABEL(ALLOW), LABEL(ALLOW), RET(0)", "label ALLOW is defined twice")]
    [TestCase("LABEL(ALLOW), LOAD(nr), JEQ(1, ALLOW), RET(0)", "instruction 1 jumps back to ALLOW (classic BPF only jumps forward)")]
    [TestCase("LOAD(nr), JEQ(1, ALLOW), RET(1), LABEL(ALLOW), RET(0)", "label NATIVE is never jumped to")]
    [TestCase("LOAD(nr), { BPF_STMT(BPF_RET | BPF_K, 0), ALLOW, NEXT, NEXT }, LABEL(ALLOW), RET(0)", "instruction 1 does not jump but names a target")]
    [TestCase("LOAD(nr), { BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 0), ALLOW, REFUSE, NEXT }, LABEL(ALLOW), RET(0), LABEL(REFUSE), RET(0)", "instruction 1 is an unconditional jump with two targets")]
    public void AWrongJumpTargetStopsTheLauncherBeforeAnythingIsInstalled(string program, string message)
    {
        var (code, stdout, stderr) = RunDriver($$"""
                const struct line src[] = { {{program}} };
                struct sock_filter out[64];
                assemble(src, sizeof(src) / sizeof(src[0]), out, 64);
                puts("assembled");
                return 0;
            """);
        Assert.That(code, Is.EqualTo(125), stdout + stderr);
        Assert.That(stderr, Is.EqualTo($"agentshell-launch: filter: {message}\n"));
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public void AJumpBeyondTheReachOfItsFieldStopsTheLauncher()
    {
        // Conditional targets are 8-bit offsets: 256 instructions on cannot be reached.
        var (code, _, stderr) = RunDriver("""
                static struct line src[300];
                size_t n = 0;
                src[n++] = (struct line)LOAD(nr);
                src[n++] = (struct line)JEQ(1, ALLOW);
                for (int i = 0; i < 256; i++)
                    src[n++] = (struct line)LOAD(nr);
                src[n++] = (struct line)LABEL(ALLOW);
                src[n++] = (struct line)RET(0);
                struct sock_filter out[300];
                assemble(src, n, out, 300);
                return 0;
            """);
        Assert.That(code, Is.EqualTo(125));
        Assert.That(stderr, Is.EqualTo("agentshell-launch: filter: instruction 1 cannot reach ALLOW, 256 instructions on\n"));
    }

    /// <summary>The filter as installed, on the real kernel: which connects come to the listener. Root
    /// mode leaves inet-sized connects to the kernel's programs; with Unix connects in the kernel too
    /// (cgroup/connect_unix guards the approval socket) none comes; otherwise every one does.</summary>
    [TestCase(0, 0, "path notified, abstract notified, inet notified")]
    [TestCase(1, 0, "path notified, abstract notified, inet kernel")]
    [TestCase(1, 1, "path kernel, abstract kernel, inet kernel")]
    public void ConnectsReachTheListenerOnlyWhereTheKernelDoesNotDecideThem(int kernelConnect, int kernelUnix, string expected)
    {
        KernelSetUp.RequireInterception();
        var (code, stdout, stderr) = RunDriver($$"""
                setvbuf(stdout, NULL, _IONBF, 0);
                pid_t child = fork();
                if (child == 0) {
                    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("prctl"); _exit(2); }
                    struct filter_opts o = {.sup = getppid(), .sup_pgrp = getpgid(getppid()), .kernel_connect = {{kernelConnect}}, .kernel_unix = {{kernelUnix}}};
                    int l = install_filter(&o);
                    const char *names[] = {"path", "abstract", "inet"};
                    for (int kind = 0; kind < 3; kind++) {
                        pid_t g = fork();
                        if (g == 0) {
                            struct sockaddr_un un = {.sun_family = AF_UNIX};
                            struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0x7f000001)};
                            int s = socket(kind == 2 ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
                            if (kind == 0) strcpy(un.sun_path, "/nonexistent/agentshell-filter-test.sock");
                            else if (kind == 1) memcpy(un.sun_path, "\0agentshell-filter-test", 23);
                            if (kind == 2) connect(s, (struct sockaddr *)&in, sizeof(in));
                            else connect(s, (struct sockaddr *)&un, kind == 0 ? sizeof(un) : offsetof(struct sockaddr_un, sun_path) + 23);
                            _exit(0);
                        }
                        struct pollfd p = {.fd = l, .events = POLLIN};
                        int r = poll(&p, 1, 1000);
                        printf("%s%s %s", kind ? ", " : "", names[kind], r == 1 ? "notified" : "kernel");
                        if (r == 1) {
                            struct seccomp_notif n;
                            memset(&n, 0, sizeof(n));
                            if (ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) { perror("recv"); _exit(3); }
                            struct seccomp_notif_resp resp = {.id = n.id, .error = -EPERM};
                            if (ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) { perror("send"); _exit(4); }
                        }
                        waitpid(g, NULL, 0);
                    }
                    _exit(0);
                }
                int st;
                waitpid(child, &st, 0);
                return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
            """, "#include <sys/prctl.h>\n#include <sys/ioctl.h>\n#include <sys/wait.h>\n#include <sys/un.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n#include <poll.h>\n#include <string.h>");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Is.EqualTo(expected), stderr);
    }
}
