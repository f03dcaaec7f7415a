using AgentShell.Supervisor.Audit;

namespace AgentShell.Supervisor.Tests;

/// <summary>The attempts of one exec that a PATH search makes are one audit row; anything that is
/// a decision of its own is not folded into it.</summary>
public class RepeatedExecsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly string[] Curl = ["curl", "-X", "DELETE", "https://prod/x"];

    [Test]
    public void TheSameThreadAskingAgainAtOnceIsARepeat()
    {
        var r = new RepeatedExecs(Window);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", 0), Is.False);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", 10), Is.True);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", 20), Is.True);
    }

    [Test]
    public void AFullPathArgvZeroIsTheSameCommand()
    {
        var r = new RepeatedExecs(Window);
        Assert.That(r.IsRepeat(100, Curl, "rule", "allowed", 0), Is.False);
        Assert.That(r.IsRepeat(100, ["/usr/bin/curl", "-X", "DELETE", "https://prod/x"], "rule", "allowed", 1), Is.True);
    }

    [TestCase(101, "curl -X DELETE https://prod/x", "rule", "blocked")]   // another process
    [TestCase(100, "curl -X DELETE https://prod/y", "rule", "blocked")]   // another target
    [TestCase(100, "curl -X DELETE https://prod/x", "other", "blocked")]  // another rule
    [TestCase(100, "curl -X DELETE https://prod/x", "rule", "allowed")]   // another outcome
    [TestCase(100, "curl -X DELETE https://prod/x -v", "rule", "blocked")] // one argument more
    [TestCase(100, "curl -X DELETE", "rule", "blocked")]                  // one argument less
    [TestCase(100, "wget -X DELETE https://prod/x", "rule", "blocked")]   // another program
    public void ADifferentDecisionIsNotARepeat(int pid, string command, string rule, string outcome)
    {
        var r = new RepeatedExecs(Window);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", 0), Is.False);
        Assert.That(r.IsRepeat(pid, command.Split(' '), rule, outcome, 1), Is.False);
    }

    [Test]
    public void TheSameCommandLaterIsADecisionOfItsOwn()
    {
        var r = new RepeatedExecs(Window);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", 0), Is.False);
        Assert.That(r.IsRepeat(100, Curl, "rule", "blocked", Window.Ticks + 1), Is.False);
    }

    [Test]
    public void CheckingForARepeatAllocatesNothing()
    {
        // Every audited exec asks; a key string built per ask was ~0.5 KB of garbage per decision.
        var r = new RepeatedExecs(Window);
        string[][] argvs = [["curl", "-X", "DELETE", "https://prod/1"], ["/usr/bin/curl", "-X", "DELETE", "https://prod/1"], ["curl", "-X", "DELETE", "https://prod/2"]];
        for (int i = 0; i < 3; i++) r.IsRepeat(100, argvs[i], "rule", "blocked", i); // warm: the pid is known
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++) r.IsRepeat(100, argvs[i % 3], "rule", "blocked", 10 + i);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void ManyThreadsAreRememberedBoundedly()
    {
        var r = new RepeatedExecs(Window);
        for (int pid = 1; pid <= 10_000; pid++) Assert.That(r.IsRepeat(pid, Curl, "rule", "blocked", pid), Is.False);
        Assert.That(r.IsRepeat(10_000, Curl, "rule", "blocked", 10_001), Is.True, "the latest are still known");
    }
}
