using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class ProfileToolTests
{
    private static readonly ProfileTool Tool = new(new ProfileToolDefinition
    {
        Name = "mycli",
        Destructive = ["db drop", "nuke *", "delete-*"],
        TargetFlags = new Dictionary<string, string> { ["--env"] = "environment", ["--host"] = "host", ["--ctx"] = "context" },
    });

    [TestCase("db drop", Effect.Delete)]
    [TestCase("db drop users --force", Effect.Delete)]
    [TestCase("--env prod db drop", Effect.Delete)]
    [TestCase("nuke all", Effect.Delete)]
    [TestCase("nuke", Effect.Write)]
    [TestCase("delete-volume v1", Effect.Delete)]
    [TestCase("db status", Effect.Write)]
    [TestCase("db", Effect.Write)]
    [TestCase("db drop --help", Effect.Read)]
    public void Destructive_patterns(string args, Effect expected) =>
        Assert.That(Tool.Parse(ToolCall.Of(CorpusFixture.Context(), args.Split(' '))).Effect, Is.EqualTo(expected));

    [TestCase("--env production db drop", "environment production")]
    [TestCase("--env=staging db drop", "environment staging")]
    [TestCase("--host db.prod.example.com:5432 db drop", "db.prod.example.com:5432")]
    [TestCase("--ctx prod-eu db drop", "kube context prod-eu")]
    public void Target_flags(string args, string target) =>
        Assert.That(Tool.Parse(ToolCall.Of(CorpusFixture.Context(), args.Split(' '))).Targets.Select(t => t.ToString()), Has.Some.Contains(target));

    [TestCase("a*", "abc", true)]
    [TestCase("*c", "abc", true)]
    [TestCase("a*c", "abbbc", true)]
    [TestCase("a*c", "abd", false)]
    [TestCase("*", "", true)]
    [TestCase("abc", "abd", false)]
    public void Glob(string pattern, string text, bool match) => Assert.That(ProfileTool.Glob(pattern, text), Is.EqualTo(match));
}
