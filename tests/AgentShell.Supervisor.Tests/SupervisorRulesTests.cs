using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests;

/// <summary>The supervisor's own rules are data: one table, each with an id, an action, a reason
/// for the agent and an explanation for a person.</summary>
[TestFixture]
public sealed class SupervisorRulesTests
{
    [Test]
    public void EveryRuleHasAUniqueIdAReasonAndAnExplanation()
    {
        Assert.That(SupervisorRules.All.Select(r => r.Id), Is.Unique);
        foreach (var r in SupervisorRules.All)
        {
            Assert.That(r.Id, Does.Match("^(supervisor|network):[a-z-]+$"), r.Id);
            Assert.That(r.Reason, Is.Not.Empty.And.Not.Contain("\n"), r.Id);
            Assert.That(r.Explanation, Is.Not.Empty, r.Id);
        }
    }

    [Test]
    public void ARuleDecidesWithItsIdAndReason()
    {
        var d = SupervisorRules.SelfApproval.Decision;
        Assert.That((d.Action, d.RuleId, d.Reason), Is.EqualTo((PolicyAction.Block, "supervisor:self-approval", SupervisorRules.SelfApproval.Reason)));
        Assert.That(SupervisorRules.ProtectSelf.Refusal("a signal"),
            Is.EqualTo("agentshell: refused a signal: it is aimed at the supervisor [rule supervisor:protect-self]"));
    }

    [Test]
    public void ADecisionAboutACaseNamesWhatWasFoundAfterTheRulesReason()
    {
        var rule = SupervisorRules.LibraryChanged;
        var d = rule.About(null, detail: "reaches libcurl.so.4 through /home/u/.local/lib/libcurl.so.4, made or changed in the run");
        Assert.That(d.RuleId, Is.EqualTo("supervisor:library-changed"));
        Assert.That(d.Reason, Is.EqualTo(rule.Reason + ": reaches libcurl.so.4 through /home/u/.local/lib/libcurl.so.4, made or changed in the run"));
        // The look-alike: without a detail, the rule's own reason alone.
        Assert.That(rule.About(null).Reason, Is.EqualTo(rule.Reason));
    }

    [Test]
    public void TheUnknownClientRulesActionIsTheProfiles()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-rules-").FullName;
        try
        {
            var profile = Path.Combine(dir, "block.json");
            File.WriteAllText(profile, """{ "Description": "test", "Network": { "UnknownClientToProduction": "block" } }""");
            var rule = SupervisorRules.UnknownClientToProduction;
            Assert.That(rule.ActionIn(Policy.Load([profile])), Is.EqualTo(PolicyAction.Block));
            // The look-alike: without the setting, the built-in default.
            Assert.That(rule.ActionIn(Policy.Load([])), Is.EqualTo(PolicyAction.Pause));
            // A trusted tool whose code changed is decided as an unknown client, under its own id.
            Assert.That(SupervisorRules.LibraryChanged.ActionIn(Policy.Load([profile])), Is.EqualTo(PolicyAction.Block));
            Assert.That(SupervisorRules.LibraryChanged.ActionIn(Policy.Load([])), Is.EqualTo(PolicyAction.Pause));
            // A rule without a setting keeps its own action whatever the profile says.
            Assert.That(SupervisorRules.NestedExec.ActionIn(Policy.Load([profile])), Is.EqualTo(PolicyAction.Allow));
        }
        finally { Directory.Delete(dir, true); }
    }
}
