using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary><see cref="Rule"/>'s compiled form: Compile records which of Tools, Hosts and Paths a
/// rule has, so Matches skips the empty ones; one that has entries still filters, and a rule that
/// was never compiled reads them all (never a match it would have refused).</summary>
public class RuleCompileTests
{
    private static readonly EnvironmentTable Environments = new();

    private static CommandIntent Intent(string tool) => new() { Tool = tool, Effect = Effect.Delete };

    private static Target Url(string host, string path) => new() { Kind = TargetKind.Url, Scheme = "https", Host = host, Path = path };

    private static Rule Restricted() => new()
    {
        Id = "t:restricted", Action = PolicyAction.Block,
        Tools = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "git" },
        Hosts = [Host("*.prod.example.com")],
        Paths = [Path("/volumes/**")],
    };

    private static HostPattern Host(string text) => HostPattern.TryParse(text, out var p, out var error) ? p : throw new ArgumentException(error);

    private static GlobPattern Path(string text) => GlobPattern.TryParsePath(text, out var g, out var error) ? g : throw new ArgumentException(error);

    [TestCase(true)]
    [TestCase(false)]
    public void ToolsHostsAndPathsStillFilterCompiledOrNot(bool compiled)
    {
        var rule = Restricted();
        if (compiled) rule.Compile(Environments);
        var target = Url("db.prod.example.com", "/volumes/1");
        Assert.Multiple(() =>
        {
            Assert.That(rule.Matches(Intent("git"), EnvironmentTable.Unknown, target, null), Is.True, "the listed tool, host and path");
            Assert.That(rule.Matches(Intent("curl"), EnvironmentTable.Unknown, target, null), Is.False, "another tool");
            Assert.That(rule.Matches(Intent("git"), EnvironmentTable.Unknown, Url("db.staging.example.com", "/volumes/1"), null), Is.False, "another host");
            Assert.That(rule.Matches(Intent("git"), EnvironmentTable.Unknown, Url("db.prod.example.com", "/users/1"), null), Is.False, "another path");
        });
    }

    [Test]
    public void ARuleWithoutToolsHostsOrPathsMatchesAnyOnceCompiled()
    {
        var rule = new Rule { Id = "t:any", Action = PolicyAction.Pause };
        rule.Compile(Environments);
        Assert.Multiple(() =>
        {
            Assert.That(rule.Matches(Intent("curl"), EnvironmentTable.Unknown, Url("example.org", "/x"), null), Is.True);
            Assert.That(rule.Matches(Intent("rm"), EnvironmentTable.Local, null, null), Is.True);
        });
    }
}
