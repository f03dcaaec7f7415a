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
        var psi = new ProcessStartInfo(Repo.AgentShell, ["run", "--", "bash", "-c",
            $"trap 'echo got-{name}; exit 3' {name}; echo ready; while :; do read -t 0.05 < /dev/zero || true; done"])
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var p = Process.Start(psi)!;
        Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("ready"));
        Assert.That(Interop.Process.kill(p.Id, signal), Is.EqualTo(0));
        var rest = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(10_000), Is.True);
        Assert.That(rest.Trim(), Is.EqualTo($"got-{name}"));
        Assert.That(p.ExitCode, Is.EqualTo(3));
    }

    [Test]
    public void BackgroundProcessesLeftByTheAgentAreTornDown()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"agentshell-orphan-{Guid.NewGuid():N}");
        var r = AgentShellRunner.Supervise("bash", "-c", $"setsid sleep 300 < /dev/null > /dev/null 2>&1 & echo $! > {pidFile}; exit 0");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        int orphan = int.Parse(File.ReadAllText(pidFile).Trim());
        File.Delete(pidFile);
        var sw = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{orphan}") && !IsZombie(orphan) && sw.Elapsed.TotalSeconds < 5) Thread.Sleep(50);
        Assert.That(!Directory.Exists($"/proc/{orphan}") || IsZombie(orphan), Is.True, $"pid {orphan} (sleep 300) outlived the run");
    }

    private static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return true; }
    }
}
