using System.Diagnostics;

namespace AgentShell.Supervisor.Tests;

/// <summary>The refusal line reaches fd 2 of a live process, and a process that has ended is
/// reported as not told (so a kernel refusal's line goes to the person's terminal instead).</summary>
[TestFixture]
public sealed class BlockNotifierTests
{
    [Test]
    public void ALiveProcessIsToldOnItsStderr()
    {
        var psi = new ProcessStartInfo("/bin/sleep", "5") { RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        try
        {
            Assert.That(new BlockNotifier().Write(p.Id, "agentshell: blocked test"), Is.True);
            p.Kill();
            Assert.That(p.StandardError.ReadToEnd(), Does.Contain("agentshell: blocked test"));
        }
        finally { if (!p.HasExited) p.Kill(); }
    }

    [Test]
    public void AProcessThatHasEndedIsNotToldAndSaysSo()
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/true"))!;
        p.WaitForExit();
        Assert.That(new BlockNotifier().Write(p.Id, "agentshell: blocked test"), Is.False);
    }
}
