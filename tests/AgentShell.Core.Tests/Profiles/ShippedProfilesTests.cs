using AgentShell.Core.Profiles;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>Every shipped profile loads on top of default.json and passes its own rule cases.</summary>
public class ShippedProfilesTests
{
    private static IEnumerable<string> Shipped() =>
        Directory.GetFiles(TempProfiles.ShippedDir, "*.json").Select(Path.GetFileName).Where(n => n != "schema.json").Order(StringComparer.Ordinal)!;

    private static string PathOf(string name) => Path.Combine(TempProfiles.ShippedDir, name);

    private static List<string> Layers(string name) =>
        name == "default.json" ? [PathOf("default.json")] : [PathOf("default.json"), PathOf(name)];

    [TestCaseSource(nameof(Shipped))]
    public void LoadsAndPassesItsOwnRuleCases(string name)
    {
        var policy = PolicyT.Load(Layers(name));
        var own = policy.Rules.Where(r => r.Source == PathOf(name)).ToList();
        Assert.That(own, Is.Not.Empty, "a shipped profile defines rules");
        Assert.That(own.Select(r => r.Id), Is.All.StartWith(name[..^".json".Length] + "."), "rule ids start with the profile name");
    }

    [TestCaseSource(nameof(Shipped))]
    public void StartsWithADescription(string name)
    {
        string text = File.ReadAllText(PathOf(name)).TrimStart();
        Assert.That(text, Does.Match("^\\{\\s*(\"\\$schema\"\\s*:\\s*\"[^\"]*\"\\s*,\\s*)?\"Description\"\\s*:\\s*\"[^\"]{20,}"));
    }

    [TestCaseSource(nameof(Shipped))]
    public void EveryRuleHasMatchAndNoMatchCasesAndText(string name)
    {
        var policy = PolicyT.Load(Layers(name));
        foreach (var rule in policy.Rules.Where(r => r.Source == PathOf(name)))
        {
            Assert.That(rule.Tests.Match, Is.Not.Empty, rule.Id);
            Assert.That(rule.Tests.NoMatch, Is.Not.Empty, rule.Id);
            Assert.That(rule.Reason, Is.Not.Empty, rule.Id);
            Assert.That(rule.Explanation, Is.Not.Null.And.Not.Empty, rule.Id);
        }
    }

    // The Reason is the last thing on the agent's stderr line: default.json's headline rule once
    // ended in "ask a person to", which reads as a cut-off message.
    [TestCaseSource(nameof(Shipped))]
    public void EveryReasonEndsAsACompletePhrase(string name)
    {
        string[] dangling = ["to", "a", "an", "the", "and", "or", "of", "with", "for", "it,"];
        foreach (var rule in PolicyT.Load(Layers(name)).Rules.Where(r => r.Source == PathOf(name)))
        {
            string last = rule.Reason.TrimEnd().Split(' ')[^1];
            Assert.That(dangling, Does.Not.Contain(last), $"{rule.Id}: '{rule.Reason}'");
        }
    }

    [Test]
    public void AllShippedProfilesLoadTogether()
    {
        var files = new[] { "default.json" }.Concat(Shipped().Where(n => n != "default.json")).Select(PathOf).ToList();
        var policy = PolicyT.Load(files);
        Assert.That(policy.Files, Has.Count.EqualTo(files.Count));
        Assert.That(policy.Rules.Select(r => r.Id), Is.Unique);
    }

    [Test]
    public void DefaultPolicyIsAsDocumented()
    {
        var policy = PolicyT.Load([PathOf("default.json")]);
        Assert.That(policy.Rules.Select(r => (r.Id, r.Action.ToString())), Is.EqualTo(new[]
        {
            ("default.any:destructive-on-production", "Block"),
            ("default.sql:server-program-on-production", "Block"),
            ("default.sql:server-program-elsewhere", "Pause"),
            ("default.cloud:access-grant-on-production", "Pause"),
            ("default.sql:server-admin-on-production", "Pause"),
            ("default.git:force-push-default-branch", "Pause"),
            ("default.any:destructive-on-unknown", "Pause"),
            ("default.any:unknown-effect-on-production", "Pause"),
            ("default.git:history-destruction", "Pause"),
            ("default.git:discard-uncommitted-work", "Allow"),
            ("default.local:block-device-wipe", "Block"),
            ("default.local:selective-delete-in-root-home-or-history", "Block"),
            ("default.local:catastrophic-wipe", "Block"),
            ("default.local:server-data-and-cron", "Pause"),
            ("default.local:recursive-delete-may-be-root-or-home", "Pause"),
            ("default.local:unread-scheduled-job", "Pause"),
            ("default.local:unread-tmux-commands", "Pause"),
            ("default.local:system-accounts-and-boot", "Pause"),
            ("default.local:credential-stores", "Pause"),
        }));
    }

    [TestCaseSource(nameof(Shipped))]
    [Category("NeedsParsers")]
    public void EveryRuleCaseCanBeChecked(string name)
    {
        var policy = PolicyT.Load(Layers(name));
        var unchecked_ = policy.Warnings.Where(w => w.StartsWith(PathOf(name) + ":", StringComparison.Ordinal)).ToList();
        if (unchecked_.Count > 0)
            Assert.Ignore($"{unchecked_.Count} case(s) name tools this branch has no parser for yet (they pass or fail for real once the parse branch is merged):\n" + string.Join("\n", unchecked_));
        Assert.That(unchecked_, Is.Empty);
    }
}
