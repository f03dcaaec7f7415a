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

    // A context's cluster server in a kubeconfig too large (or unreadable) to be read is not known:
    // padding the file that points "dev" at production must not leave "dev" alone as the target.
    [Test]
    public void AServerInAKubeconfigThatCannotBeReadIsUnknown()
    {
        var big = Write(DevOnProd + "#" + new string('x', 300 * 1024) + "\n");
        var i = Kubectl.Parse(ToolCall.Of(CorpusFixture.Context(), "--context", "dev", "--kubeconfig", big, "delete", "ns", "shop"));
        Assert.That(i.Targets.Any(t => t.Kind == TargetKind.KubeContext && t.Name == null), Is.True, Names(i));
        var h = Helm.Parse(ToolCall.Of(CorpusFixture.Context(), "--kube-context", "dev", "--kubeconfig", big, "uninstall", "api"));
        Assert.That(h.Targets.Any(t => t.Kind == TargetKind.KubeContext && t.Name == null), Is.True, Names(h));
    }

    // kubectl reads a JSON kubeconfig (YAML's superset) as well: one that points "dev" at production is
    // not read by line, so its server is unknown, not "dev" alone (a profile naming dev staging allowed it).
    [Test]
    public void AServerInAKubeconfigNotInTheFormReadIsUnknown()
    {
        var json = Write("{\"clusters\":[{\"name\":\"main\",\"cluster\":{\"server\":\"https://k8s.prod.example.com\"}}],\"contexts\":[{\"name\":\"dev\",\"context\":{\"cluster\":\"main\"}}]}\n");
        var i = Kubectl.Parse(ToolCall.Of(CorpusFixture.Context(), "--context", "dev", "--kubeconfig", json, "delete", "ns", "shop"));
        Assert.That(i.Targets.Any(t => t.Kind == TargetKind.KubeContext && t.Name == null), Is.True, Names(i));
    }

    // Look-alike: tls-server-name and a proxy beside the server are not servers: the file is read.
    [Test]
    public void AKubeconfigWithTlsServerNameIsRead()
    {
        var f = Write("clusters:\n- cluster:\n    server: https://k8s.prod.example.com\n    tls-server-name: api.internal\n  name: main\ncontexts:\n- context:\n    cluster: main\n  name: dev\n");
        var i = Kubectl.Parse(ToolCall.Of(CorpusFixture.Context(), "--context", "dev", "--kubeconfig", f, "delete", "ns", "shop"));
        Assert.That(Names(i), Is.EqualTo("dev, k8s.prod.example.com"));
    }

    // Look-alike: a file that settles the context and its server comes first; an unreadable one after it
    // is never consulted (kubectl's first definition wins), and a missing file is skipped as kubectl does.
    [Test]
    public void AServerSettledBeforeAnUnreadableFileIsKnown()
    {
        var first = Write(DevOnProd);
        var big = Write("#" + new string('x', 300 * 1024) + "\n");
        var missing = Path.Combine(CorpusFixture.Root, "kc-missing-" + Guid.NewGuid().ToString("N"));
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["KUBECONFIG"] = $"{missing}:{first}:{big}" }, CorpusFixture.Repo);
        var i = Kubectl.Parse(ToolCall.Of(ctx, "--context", "dev", "delete", "ns", "shop"));
        Assert.That(Names(i), Is.EqualTo("dev, k8s.prod.example.com"));
    }

    private static string Names(CommandIntent i) => string.Join(", ", i.Targets.Select(t => t.Name ?? t.Host ?? "(unknown)"));

    private const string DevOnProd = "clusters:\n- cluster:\n    server: https://k8s.prod.example.com:6443\n  name: main\ncontexts:\n- context:\n    cluster: main\n  name: dev\n";

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
