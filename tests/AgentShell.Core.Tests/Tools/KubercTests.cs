using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>kubectl's preferences file (kuberc) folded into the command as kubectl reads it: an
/// alias's command and arguments, a command's option defaults; a file that cannot be accounted for
/// makes the effect unknown, never a read.</summary>
public class KubercTests
{
    private const string Aliases = """
        apiVersion: kubectl.config.k8s.io/v1beta1
        kind: Preference
        # kubectl 1.33+
        defaults:
          - command: delete
            options:
              - name: interactive
                default: "false"
          - command: apply
            options:
              - name: prune
                default: "true"
              - name: all
                default: "true"
        aliases:
          - name: nuke
            command: delete
            prependArgs: [namespace]
            appendArgs:
              - --wait=false
          - name: pods
            command: get
            prependArgs:
            - pods
            options:
            - name: output
              default: wide
          - name: delete
            command: get
        """;

    private static CommandIntent Parse(string kuberc, params string[] args)
    {
        var file = Path.Combine(CorpusFixture.Root, "kuberc-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, kuberc);
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["KUBERC"] = file }, CorpusFixture.Repo);
        return Kubectl.Parse(ToolCall.Of(ctx, args));
    }

    [TestCase(new[] { "nuke", "shop" }, Effect.Wipe, "an alias of delete namespace")]
    [TestCase(new[] { "pods" }, Effect.Read, "an alias of get")]
    [TestCase(new[] { "delete", "pod", "x" }, Effect.Delete, "an alias named like a built-in command is ignored")]
    [TestCase(new[] { "apply", "-f", "k8s/" }, Effect.Delete, "apply's default --prune")]
    [TestCase(new[] { "apply", "-f", "k8s/", "--prune=false" }, Effect.Write, "an option on the command line wins over the default")]
    [TestCase(new[] { "--context", "prod-eu", "nuke", "shop" }, Effect.Wipe, "options before the alias")]
    public void AliasesAndDefaultsAreFolded(string[] args, Effect effect, string why) =>
        Assert.That(Parse(Aliases, args).Effect, Is.EqualTo(effect), why);

    [TestCase("{\"kind\": \"Preference\", \"aliases\": [{\"name\": \"x\", \"command\": \"delete\"}]}", "JSON")]
    [TestCase("kind: Preference\naliases:\n  - name: x\n    command: delete\n    flags: [--all]\n", "a key this reader does not know")]
    [TestCase("kind: Preference\naliases:\n  - name: x\n    command: |\n      delete\n", "a multi-line string")]
    [TestCase("kind: Preference\naliases:\n\t- name: x\n", "a tab")]
    [TestCase("kind: Config\n", "another kind")]
    public void AFileNotInTheFormReadMakesTheEffectUnknown(string kuberc, string why)
    {
        var i = Parse(kuberc, "get", "pods");
        Assert.That(i.Effect, Is.EqualTo(Effect.Unknown), why);
        Assert.That(i.Evidence.Select(e => e.Fact), Has.Some.Contains("kubectl preferences"));
    }

    [Test]
    public void AFileTooLargeToReadMakesTheEffectUnknown() =>
        Assert.That(Parse("kind: Preference\n#" + new string('x', 300 * 1024) + "\n", "get", "pods").Effect, Is.EqualTo(Effect.Unknown));

    [Test]
    public void KubercOffAndTheFeatureGateTurnItOff()
    {
        var file = Path.Combine(CorpusFixture.Root, "kuberc-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, Aliases);
        var off = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["KUBERC"] = "off" }, CorpusFixture.Repo);
        Assert.That(Kubectl.Parse(ToolCall.Of(off, "nuke", "shop")).Effect, Is.EqualTo(Effect.Unknown), "an unknown verb without the alias");
        var gate = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["KUBERC"] = file, ["KUBECTL_KUBERC"] = "false" }, CorpusFixture.Repo);
        Assert.That(Kubectl.Parse(ToolCall.Of(gate, "apply", "-f", "k8s/")).Effect, Is.EqualTo(Effect.Write));
        var flag = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = CorpusFixture.Home, ["KUBERC"] = "off" }, CorpusFixture.Repo);
        Assert.That(Kubectl.Parse(ToolCall.Of(flag, "--kuberc", file, "nuke", "shop")).Effect, Is.EqualTo(Effect.Wipe), "--kuberc wins over KUBERC");
    }
}
