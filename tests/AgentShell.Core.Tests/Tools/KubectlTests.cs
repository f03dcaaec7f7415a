using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class KubectlTests
{
    private static string Write(string text)
    {
        var p = Path.Combine(CorpusFixture.Root, "kc-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(p, text);
        return p;
    }

    [TestCase("current-context: prod-eu\n", "prod-eu")]
    [TestCase("apiVersion: v1\ncurrent-context: \"prod us\" # comment\n", "prod us")]
    [TestCase("contexts:\n- name: a\n  current-context: nested\n", null)]
    [TestCase("current-context:\n", null)]
    public void CurrentContext(string yaml, string? expected) =>
        Assert.That(Kubectl.CurrentContext(CorpusFixture.Context(), Write(yaml)), Is.EqualTo(expected));

    [Test]
    public void FirstKubeconfigFileWins()
    {
        var a = Write("current-context: first\n");
        var b = Write("current-context: second\n");
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["KUBECONFIG"] = $"{a}:{b}" }, CorpusFixture.Repo);
        var i = Kubectl.Parse(ToolCall.Of(ctx, "delete", "pod", "x"));
        Assert.That(i.Targets.Single().Name, Is.EqualTo("first"));
    }

    [TestCase("delete pod x", Effect.Delete)]
    [TestCase("delete ns x", Effect.Wipe)]
    [TestCase("delete pod x --dry-run=client", Effect.Read)]
    [TestCase("scale deploy x --replicas=0", Effect.Terminate)]
    [TestCase("scale deploy x --replicas=2", Effect.Write)]
    [TestCase("rollout status deploy/x", Effect.Read)]
    [TestCase("exec x -- sh", Effect.Unknown)]
    public void Verbs(string args, Effect expected) =>
        Assert.That(Kubectl.Parse(ToolCall.Of(CorpusFixture.Context(), args.Split(' '))).Effect, Is.EqualTo(expected));
}
