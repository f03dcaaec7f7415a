using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Tools;

/// <summary>corpus22: eb's environment when the command line names none, and what <c>eb terminate --all</c>
/// removes, read from a real project's <c>.elasticbeanstalk/config.yml</c> and git HEAD; the profile's
/// Apps name the application and environments.</summary>
public class ElasticBeanstalkTests
{
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;
    private TempTree _tree = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("apps.json", """
            { "Environments": { "production": { "Apps": ["shop", "shop-live"] }, "staging": { "Apps": ["shopdev", "shopdev-*"] } } }
            """)]);
        _tree = new TempTree();
        _tree.Write("app/.git/HEAD", "ref: refs/heads/main\n");
        _tree.Write("app/src/x.txt", "");
    }

    [TearDown]
    public void TearDown()
    {
        _tmp.Dispose();
        _tree.Dispose();
    }

    private string Decide(string shell, string dir = "app")
    {
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _tree.Root, ["PATH"] = "/usr/bin:/bin" }, Path.Combine(_tree.Root, dir));
        var intents = new CommandClassifier().ClassifyShell(shell, ctx);
        return PolicyVerdict.Of(_policy, intents, ctx, t => t.Kind == TargetKind.Environment);
    }

    private void Config(string app, params string[] branchEnvironments)
    {
        var text = "branch-defaults:\n";
        for (int i = 0; i + 1 < branchEnvironments.Length; i += 2) text += $"  {branchEnvironments[i]}:\n    environment: {branchEnvironments[i + 1]}\n    group_suffix: null\n";
        text += $"global:\n  application_name: {app}\n  default_region: us-east-1\n  profile: null\n";
        _tree.Write("app/.elasticbeanstalk/config.yml", text);
    }

    [TestCase("shop", "main", "shop-blue", "block:production", TestName = "--all of a production application")]
    [TestCase("shopdev", "main", "shopdev-blue", "allow:staging", TestName = "--all of a staging application (look-alike)")]
    [TestCase("shopdev", "main", "shop-prod", "block:production", TestName = "--all of an application with a production environment")]
    [TestCase("billing", "main", "billing-blue", "pause:unknown", TestName = "--all of an application no profile names")]
    public void TerminateAllTakesTheApplicationAndItsEnvironments(string app, string branch, string env, string expected)
    {
        Config(app, branch, env);
        Assert.That(Decide("eb terminate --all --force"), Is.EqualTo(expected));
    }

    [Test]
    public void TheBranchsDefaultEnvironmentIsTheTarget()
    {
        Config("shopdev", "main", "shop-prod", "release", "shopdev-green");
        Assert.That(Decide("eb terminate --force"), Is.EqualTo("block:production"));
        _tree.Write("app/.git/HEAD", "ref: refs/heads/release\n");
        Assert.That(Decide("eb terminate --force"), Is.EqualTo("allow:staging"));
        _tree.Write("app/.git/HEAD", "ref: refs/heads/other\n");
        Assert.That(Decide("eb terminate --force"), Is.EqualTo("pause:unknown")); // no default for the branch
        Assert.That(Decide("eb deploy", "app/src"), Is.EqualTo("allow:unknown"));  // a write, from a subdirectory
        Assert.That(Decide("eb status"), Is.EqualTo("allow:unknown"));
    }

    [Test]
    public void ANameWithoutAnEnvironmentWordIsJudgedAsAnApp()
    {
        Assert.That(Decide("eb terminate shop --force"), Is.EqualTo("block:production"));
        Assert.That(Decide("eb terminate -e shopdev-a --force"), Is.EqualTo("allow:staging"));
        Assert.That(Decide("eb terminate billing-blue --force"), Is.EqualTo("pause:unknown"));
    }

    [Test]
    public void AMissingOrUnreadableConfigPauses()
    {
        Assert.That(Decide("eb terminate --all --force"), Is.EqualTo("pause:unknown"));
        Assert.That(Decide("eb terminate --force"), Is.EqualTo("pause:unknown"));
        _tree.Write("app/.elasticbeanstalk/config.yml", "global:\n  application_name: shopdev\n" + new string('#', AgentShell.Core.Config.ConfigFile.MaxBytes + 10));
        Assert.That(Decide("eb terminate --all --force"), Is.EqualTo("pause:unknown"));
    }
}
