using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests;

/// <summary>How the registry hands an item's answer to each of its held notifications: a request that
/// joins an item just denied is told why, as the item's own was; and a responder that fails on one
/// notification does not keep the others from their answer.</summary>
[TestFixture]
public sealed class PendingRegistryAnswerTests
{
    /// <summary>Records answers as a tree's listener would receive them; throws for <see cref="Failing"/>.</summary>
    private sealed class Tree : INotificationResponder
    {
        public readonly List<(ulong Notif, bool Allow, string? Message)> Answers = [];
        public ulong Failing = ulong.MaxValue;

        public void Answer(ulong notifId, int pid, bool allow, string? message)
        {
            if (notifId == Failing) throw new IOException("injected: this answer fails");
            lock (Answers) Answers.Add((notifId, allow, message));
        }

        public bool IsStillWaiting(ulong notifId) => true;
    }

    private static readonly Decision Paused = new() { Action = PolicyAction.Pause, RuleId = "test:pause", Reason = "a person decides" };

    private static PendingItem Hold(PendingRegistry r, Tree t, ulong notif) =>
        r.Hold(notif, 100, (id, now) => new PendingItem
        {
            Id = id, Created = now, Deadline = now + r.Timeout, Pid = 100, Chain = ["bash(100)"], Argv = ["curl", "-X", "DELETE"],
            Decision = Paused, JoinKey = "100 curl DELETE", RunKey = "curl DELETE staging",
        }, "100 curl DELETE", new PendingScope("aaaa", t));

    [Test]
    public void ARequestJoiningAnItemJustDeniedIsToldWhy()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var t = new Tree();
        var item = Hold(registry, t, 1);
        Assert.That(registry.Deny(item.Id, "alice", "not now"), Is.Null);
        Assert.That(Hold(registry, t, 2), Is.SameAs(item), "the retry joins the answered item");
        Assert.That(t.Answers.Select(a => (a.Notif, a.Allow)), Is.EqualTo(new[] { (1UL, false), (2UL, false) }));
        Assert.That(t.Answers[1].Message, Does.StartWith("agentshell: denied by alice").And.EndWith("— not now"), "the joining request's reason line");
        Assert.That(t.Answers[1].Message, Is.EqualTo(t.Answers[0].Message));
    }

    [Test]
    public void ARequestJoiningAnItemJustApprovedIsGivenNoRefusalLine()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var t = new Tree();
        var item = Hold(registry, t, 1);
        Assert.That(registry.Approve(item.Id, forRun: false, "alice"), Is.Null);
        Hold(registry, t, 2);
        Assert.That(t.Answers, Is.EqualTo(new[] { (1UL, true, (string?)null), (2UL, true, (string?)null) }));
    }

    [Test]
    public void AnAnswerThatThrowsLeavesTheItemsOtherNotificationsAnswered()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var t = new Tree { Failing = 1 };
        var item = Hold(registry, t, 1);
        Hold(registry, t, 2); // joins while it waits
        Assert.That(registry.Deny(item.Id, "alice", null), Is.Null, "the deny itself goes through");
        Assert.That(t.Answers.Select(a => (a.Notif, a.Allow)), Is.EqualTo(new[] { (2UL, false) }));
        Assert.That(registry.PendingIn("aaaa"), Is.Empty);
    }
}
