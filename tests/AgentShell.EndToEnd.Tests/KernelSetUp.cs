using AgentShell.EndToEnd.Tests.Infrastructure;

// In the root test namespace: NUnit applies a SetUpFixture only to its namespace and below.
namespace AgentShell.EndToEnd.Tests;

/// <summary>Checks once that the tool is built and that this machine lets us install a seccomp
/// listener (it does not inside another `agentshell run`: only one listener per tree).</summary>
[SetUpFixture]
public sealed class KernelSetUp
{
    internal static string? CannotIntercept { get; private set; }

    [OneTimeSetUp]
    public void Probe()
    {
        if (!File.Exists(Repo.AgentShell) || !File.Exists(Repo.Launcher))
            Assert.Fail($"{Repo.AgentShell} or {Repo.Launcher} missing: run `make` first (make test does)");
        var r = AgentShellRunner.Run(["run", "--", "/bin/true"], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0)
        {
            if (r.Stderr.Contains("another seccomp listener", StringComparison.Ordinal))
                CannotIntercept = "this test process is already supervised by a seccomp listener (inside another agentshell run?)";
            else if (r.Stderr.Contains("seccomp user notification", StringComparison.Ordinal))
                CannotIntercept = "this kernel lacks seccomp user notification: " + r.Stderr.Trim();
            else
                Assert.Fail($"agentshell run -- /bin/true failed ({r.ExitCode}): {r.Stderr}");
        }
    }

    /// <summary>Call first in every test that needs the real filter.</summary>
    internal static void RequireInterception()
    {
        if (CannotIntercept != null) Assert.Ignore(CannotIntercept);
    }

    private static readonly Lazy<string?> s_noKernelGuard = new(() =>
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", "kernel", "--", "/bin/true"], TimeSpan.FromSeconds(30));
        if (r.ExitCode == 0) return null;
        // Only a machine that cannot run the programs is a reason to skip; anything else is a failure.
        if (Interop.Process.GetEffectiveUid() != 0) return "root mode needs root: " + r.Stderr.Trim();
        // What the platform lacks (not what setup forgot): a container's pid namespace, no cgroup
        // v2, a kernel that refuses the programs.
        foreach (var lack in new[] { "nested pid namespace", "no cgroup v2 hierarchy", "the kernel refused the connect programs", "cannot attach" })
            if (r.Stderr.Contains(lack, StringComparison.Ordinal)) return "this machine cannot run root mode: " + r.Stderr.Trim();
        Assert.Fail($"agentshell run --connect-guard kernel failed as root ({r.ExitCode}): {r.Stderr}");
        return null;
    });

    /// <summary>Call first in every test of root mode (connects decided by the kernel's eBPF programs).</summary>
    internal static void RequireKernelConnectGuard()
    {
        RequireInterception();
        if (s_noKernelGuard.Value is string why) Assert.Ignore(why);
    }
}
