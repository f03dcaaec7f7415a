using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Signals to `agentshell run` reach the agent, and nothing of the tree outlives the run.</summary>
[TestFixture]
public sealed class LifecycleTests
{
    [SetUp]
    public void SetUp() => KernelSetUp.RequireInterception();

    [TestCase("TERM", 15)]
    [TestCase("INT", 2)]
    [TestCase("HUP", 1)]
    public void ASignalToTheSupervisorReachesTheAgent(string name, int signal)
    {
        // Without a terminal nothing else delivers it: the supervisor forwards it and stays up
        // until the agent has gone, then exits with the agent's status.
        string script = $"trap 'echo got-{name}; exit 3' {name}; echo ready; while :; do read -t 0.05 < /dev/zero || true; done";
        var psi = new ProcessStartInfo(Repo.AgentShell, ["run", "--", "bash", "-c", script])
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var p = Process.Start(psi)!;
        try
        {
            Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("ready"));
            Assert.That(Interop.Process.kill(p.Id, signal), Is.EqualTo(0));
            // Bounded: a signal that never arrives (e.g. inherited as ignored) fails in 10 s, not at
            // the test host's timeout.
            var rest = p.StandardOutput.ReadToEndAsync();
            Assert.That(p.WaitForExit(10_000), Is.True, "the run did not end after the signal");
            Assert.That(rest.Wait(5_000) ? rest.Result.Trim() : "(output still open)", Is.EqualTo($"got-{name}"));
            Assert.That(p.ExitCode, Is.EqualTo(3));
        }
        finally
        {
            // A failed case must not leave the agent's loop spinning: the tree outlives a killed run.
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            LiveProcesses.Kill(script);
        }
    }

    [Test]
    public void BackgroundProcessesLeftByTheAgentAreTornDown()
    {
        // The orphan is found by a unique argument: in the tree's own pid namespace $! is not the pid
        // the host sees.
        string mark = $"300.{Random.Shared.Next(100_000, 999_999)}";
        var started = Path.Combine(Path.GetTempPath(), $"agentshell-orphan-{Guid.NewGuid():N}");
        var r = AgentShellRunner.Supervise("bash", "-c", $"setsid sleep {mark} < /dev/null > /dev/null 2>&1 & echo $! > {started}; exit 0");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(File.Exists(started), Is.True, "the orphan was started");
        File.Delete(started);
        var sw = Stopwatch.StartNew();
        int[] left;
        while ((left = LiveProcesses.WithArgument(mark)).Length > 0 && sw.Elapsed.TotalSeconds < 5) Thread.Sleep(50);
        Assert.That(left, Is.Empty, $"sleep {mark} outlived the run");
    }

    [TestCase("exit 7", 7)]
    [TestCase("kill -KILL $$", 137)]
    public void WhenTheRunReturnsNoProcessOfTheTreeIsLeftAndTheStatusIsTheAgents(string end, int code)
    {
        // The run returns once the launcher reports that the tree's init was reaped, before the
        // launcher's own exit tears the namespaces down (issue 16): by then the kernel has killed and
        // reaped every process of the tree, a detached one and one that ignores SIGTERM alike. Checked
        // the moment the run's process has exited, with no grace period.
        string mark = $"301.{Random.Shared.Next(100_000, 999_999)}";
        var psi = new ProcessStartInfo(Repo.AgentShell, ["run", "--quiet", "--profile", Repo.DemoProfile, "--", "bash", "-c",
            $"setsid sleep {mark} < /dev/null > /dev/null 2>&1 & (trap '' TERM HUP; exec sleep {mark}) < /dev/null > /dev/null 2>&1 & " +
            $"while [ $(pgrep -cf \"^sleep {mark}\") -lt 2 ]; do sleep 0.01; done; {end}"]);
        using var p = Process.Start(psi)!;
        Assert.That(p.WaitForExit(60_000), Is.True, "the run did not end");
        int[] left = LiveProcesses.WithArgument(mark);
        Assert.That(p.ExitCode, Is.EqualTo(code));
        Assert.That(left, Is.Empty, $"sleep {mark} was alive when the run returned");
    }
}
