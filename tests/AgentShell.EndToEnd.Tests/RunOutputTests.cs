using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>What `run` prints before the agent starts: the profiles by default, nothing with -q
/// (errors still), the connect guard and protections with -v.</summary>
[TestFixture]
public sealed class RunOutputTests
{
    [SetUp]
    public void SetUp() => KernelSetUp.RequireInterception();

    [Test]
    public void ByDefaultARunSaysWhichProfilesItLoaded()
    {
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--connect-guard", "seccomp", "--", "/bin/true"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: profiles: ").And.Contain("demo.json"));
    }

    [Test]
    public void QuietPrintsNoStartUpLines()
    {
        var r = AgentShellRunner.Run(["run", "-q", "--profile", Repo.PauseProfile, "--connect-guard", "seccomp", "--", "/bin/true"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stderr, Is.Empty);
    }

    [Test]
    public void QuietStillReportsErrors()
    {
        var r = AgentShellRunner.Run(["run", "-q", "--connect-guard", "seccomp", "--", "/nonexistent/agent"]);
        Assert.That(r.ExitCode, Is.EqualTo(127));
        Assert.That(r.Stderr, Does.Contain("cannot run '/nonexistent/agent'"));
    }

    [Test]
    public void VerboseSaysTheConnectGuardAndWhyAndTheProtections()
    {
        var r = AgentShellRunner.Run(["run", "-v", "--connect-guard", "seccomp", "--", "/bin/true"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: connect guard: seccomp (the kernel guard is not used: --connect-guard seccomp)"));
        Assert.That(r.Stderr, Does.Contain("agentshell: protection: every execve/execveat of the tree stops in the supervisor"));
        Assert.That(r.Stderr, Does.Contain("agentshell: protection: every connect stops in the supervisor"));
        // It named 3 of the filter's refusals; the clock, userfaultfd, PR_SET_MM, SCTP and clone3 too.
        Assert.That(r.Stderr, Does.Contain("agentshell: protection: io_uring_setup, bpf, foreign syscall ABIs, setting the clock, userfaultfd, prctl(PR_SET_MM) and SCTP sockets refused; clone3 answered ENOSYS"));
        Assert.That(r.Stderr, Does.Match(@"agentshell: run [0-9a-f]{8}, control socket /\S+\.sock"));
    }

    [Test]
    public void VerboseAsRootSaysTheKernelGuardIsUsed()
    {
        KernelSetUp.RequireKernelConnectGuard();
        var r = AgentShellRunner.Run(["run", "-v", "--", "/bin/true"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: connect guard: kernel (eBPF cgroup programs)"));
        Assert.That(r.Stderr, Does.Contain("decided in the kernel by eBPF cgroup programs"));
    }
}
