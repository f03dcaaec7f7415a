using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests;

/// <summary>One registry shared by several trees (a daemon's sessions): each item is answered on its
/// own tree's listener, requests never join an item of another tree, and "approve for the run"
/// covers only the tree it was given in.</summary>
[TestFixture]
public sealed class PendingRegistryScopeTests
{
    /// <summary>Records answers as a tree's listener would receive them.</summary>
    private sealed class Tree(string id) : INotificationResponder
    {
        public readonly List<(ulong Notif, bool Allow)> Answers = [];
        public readonly HashSet<ulong> Waiting = [];
        public PendingScope Scope => new(id, this);

        public void Answer(ulong notifId, int pid, bool allow, string? message)
        {
            lock (Answers) Answers.Add((notifId, allow));
            Waiting.Remove(notifId);
        }

        public bool IsStillWaiting(ulong notifId) => Waiting.Contains(notifId);
    }

    private static readonly Decision Paused = new() { Action = PolicyAction.Pause, RuleId = "test:pause", Reason = "a person decides" };

    private static PendingItem Hold(PendingRegistry r, Tree t, ulong notif, string joinKey = "curl DELETE", string runKey = "curl DELETE staging")
    {
        t.Waiting.Add(notif);
        return r.Hold(notif, 100, (id, now) => new PendingItem
        {
            Id = id, Created = now, Deadline = now + r.Timeout, Pid = 100, Chain = ["bash(100)"], Argv = ["curl", "-X", "DELETE"],
            Decision = Paused, JoinKey = joinKey, RunKey = runKey,
        }, joinKey, t.Scope);
    }

    [Test]
    public void TheSameRequestInTwoTreesWaitsAsTwoItemsEachAnsweredOnItsOwnTree()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var a = new Tree("aaaa");
        var b = new Tree("bbbb");
        var ia = Hold(registry, a, 1);
        var ib = Hold(registry, b, 2);
        Assert.That(ib.Id, Is.Not.EqualTo(ia.Id), "a request never joins an item of another tree");
        Assert.That((ia.Session, ib.Session), Is.EqualTo(("aaaa", "bbbb")));
        Assert.That(registry.Approve(ia.Id, forRun: false, "alice"), Is.Null);
        Assert.That(a.Answers, Is.EqualTo(new[] { (1UL, true) }));
        Assert.That(b.Answers, Is.Empty, "the other tree's request still waits");
        Assert.That(registry.PendingIn("bbbb").Select(i => i.Id), Is.EqualTo(new[] { ib.Id }));
    }

    [Test]
    public void ARequestOfTheSameTreeJoinsItsWaitingItem()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var a = new Tree("aaaa");
        var first = Hold(registry, a, 1);
        var retry = Hold(registry, a, 2);
        Assert.That(retry, Is.SameAs(first));
        registry.Deny(first.Id, "alice", null);
        Assert.That(a.Answers, Is.EquivalentTo(new[] { (1UL, false), (2UL, false) }));
    }

    [Test]
    public void AnAnswerNamingAnotherRunIsRefusedAndTheItemKeepsWaiting()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var a = new Tree("aaaa");
        var item = Hold(registry, a, 1);
        Assert.That(registry.Approve(item.Id, forRun: false, "alice", session: "bbbb"), Does.Contain("no pending item"));
        Assert.That(a.Answers, Is.Empty);
        Assert.That(registry.Approve(item.Id, forRun: false, "alice", session: "aaaa"), Is.Null);
        Assert.That(a.Answers, Is.EqualTo(new[] { (1UL, true) }));
    }

    [Test]
    public void ApprovalForTheRunCoversOnlyTheTreeItWasGivenIn()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var a = new Tree("aaaa");
        var item = Hold(registry, a, 1);
        registry.Approve(item.Id, forRun: true, "alice");
        Assert.That(registry.IsApprovedForRun("curl DELETE staging", "aaaa"), Is.True);
        Assert.That(registry.IsApprovedForRun("curl DELETE staging", "bbbb"), Is.False);
        Assert.That(registry.IsApprovedForRun("curl DELETE staging"), Is.False, "nor unscoped");
    }

    [Test]
    public void WhenATreeEndsItsItemsEndAsGoneAndItsApprovalsWithIt()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        var a = new Tree("aaaa");
        var b = new Tree("bbbb");
        var approved = Hold(registry, a, 1, joinKey: "k1", runKey: "r1");
        registry.Approve(approved.Id, forRun: true, "alice");
        var left = Hold(registry, a, 2, joinKey: "k2");
        var other = Hold(registry, b, 3, joinKey: "k2");
        var resolved = new List<PendingItem>();
        registry.Resolved += resolved.Add;
        registry.EndSession("aaaa");
        Assert.That(left.Outcome, Is.EqualTo(PendingOutcome.Gone));
        Assert.That(resolved, Is.EqualTo(new[] { left }));
        Assert.That(registry.IsApprovedForRun("r1", "aaaa"), Is.False);
        Assert.That(registry.Pending, Is.EqualTo(new[] { other }));
        Assert.That(other.Outcome, Is.EqualTo(PendingOutcome.Pending));
    }

    [Test]
    public void ASharedRegistryRefusesAnItemWithoutItsTree()
    {
        using var registry = new PendingRegistry(PauseSettings.Default);
        Assert.That(() => registry.Hold(1, 100, (id, now) => throw new AssertionException("not created"), "k"), Throws.InvalidOperationException);
    }
}
