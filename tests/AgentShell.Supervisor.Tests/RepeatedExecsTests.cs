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
    public void ManyThreadsAreRememberedBoundedly()
    {
        var r = new RepeatedExecs(Window);
        for (int pid = 1; pid <= 10_000; pid++) Assert.That(r.IsRepeat(pid, Curl, "rule", "blocked", pid), Is.False);
        Assert.That(r.IsRepeat(10_000, Curl, "rule", "blocked", 10_001), Is.True, "the latest are still known");
    }
}
