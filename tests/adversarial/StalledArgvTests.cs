namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A root tree opens /dev/userfaultfd (0600 root) and execs curl with an argument in a page
/// it registered and never fills: the supervisor's read of that argv waits for a fault handler that
/// never answers. On main 4d7a276 two such execs held both receiving threads (this machine has two
/// CPUs): every later exec and connect of the tree waited for ever, and the run with them (fail
/// closed, but the guard was stalled at will). The filter now refuses userfaultfd(2) and the
/// device's USERFAULTFD_IOC_NEW (EPERM); an ordinary user has neither (vm.unprivileged_userfaultfd
/// and the device's mode), and a user-mode-only descriptor does not take the kernel's faults.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class StalledArgvTests(string guard) : TrustAtExecFixture(guard)
{
    [Test]
    public void AnArgumentInAPageNobodyFillsDoesNotStallTheSupervisor()
    {
        if (!File.Exists("/dev/userfaultfd")) Assert.Ignore("this kernel has no /dev/userfaultfd");
        string uffd = Attacks.Program("uffd-argv");
        string script = $"for i in 1 2 3 4; do {uffd} devnode & done; sleep 1; " +
            $"for i in 1 2 3 4; do {uffd} syscall & done; sleep 1; " +
            $"curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/after")}; echo; wait; " +
            // The look-alike: any other ioctl still works.
            $"{Repo.Python} -c 'import fcntl, os, struct, termios; r, w = os.pipe(); os.write(w, b\"abc\"); print(struct.unpack(\"i\", fcntl.ioctl(r, termios.FIONREAD, bytes(4)))[0])'";
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Profile, "--", "bash", "-c", script], TimeSpan.FromSeconds(30), Home.Dir, Home.Env);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "200", "3" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("uffd-argv: userfaultfd: Operation not permitted"));
        Assert.That(Prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/after" }));
    }
}
