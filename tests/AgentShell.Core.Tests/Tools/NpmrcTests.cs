using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Tools;

/// <summary>npm unpublish aims at the registry npm's configuration names: the project's and the
/// user's <c>.npmrc</c> (a scope's registry first), or <c>--registry</c> before the command. A file
/// that cannot be accounted for leaves the registry unknown (a paused delete), never npmjs.org.</summary>
public class NpmrcTests
{
    private static readonly CommandClassifier Classifier = new();
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-npmrc-").FullName;
        Directory.CreateDirectory(Path.Combine(_dir, "home"));
        Directory.CreateDirectory(Path.Combine(_dir, "app", "src"));
        File.WriteAllText(Path.Combine(_dir, "app", "package.json"), "{}");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private CommandIntent Unpublish(string cwd, Dictionary<string, string>? env = null, params string[] argv)
    {
        var vars = new Dictionary<string, string> { ["HOME"] = Path.Combine(_dir, "home") };
        foreach (var (k, v) in env ?? []) vars[k] = v;
        return Classifier.Classify(argv.Length > 0 ? argv : ["npm", "unpublish", "pkg@1.0.0"], new LocalExecContext(vars, Path.Combine(_dir, cwd))).Single();
    }

    private static string Hosts(CommandIntent i) => string.Join(",", i.Targets.Select(t => t.Host ?? "?"));

    [Test]
    public void TheProjectsNpmrcComesBeforeTheUsers()
    {
        File.WriteAllText(Path.Combine(_dir, "home", ".npmrc"), "registry=https://npm.user.example.net/\n");
        Assert.That(Hosts(Unpublish("app/src")), Is.EqualTo("npm.user.example.net"));
        File.WriteAllText(Path.Combine(_dir, "app", ".npmrc"), "registry = https://npm.prod.example.net/\n");
        var i = Unpublish("app/src");
        Assert.That((i.Effect, Hosts(i)), Is.EqualTo((Effect.Delete, "npm.prod.example.net")));
    }

    [Test]
    public void AScopesRegistryAndAVariableInTheValue()
    {
        File.WriteAllText(Path.Combine(_dir, "app", ".npmrc"), "registry=https://npm.example.net/\n@acme:registry=https://${ACME_HOST}/\n");
        Assert.That(Hosts(Unpublish("app", new() { ["ACME_HOST"] = "npm-acme.prod.example.net" }, "npm", "unpublish", "@acme/lib@1.0.0")), Is.EqualTo("npm-acme.prod.example.net"));
        Assert.That(Hosts(Unpublish("app", null, "npm", "unpublish", "other@1.0.0")), Is.EqualTo("npm.example.net"));
        var unset = Unpublish("app", null, "npm", "unpublish", "@acme/lib@1.0.0");
        Assert.That((unset.Effect, Hosts(unset)), Is.EqualTo((Effect.Delete, "?")), "an unset variable: the registry is not known");
    }

    [Test]
    public void AnNpmrcThatCannotBeReadLeavesTheRegistryUnknown()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "app", ".npmrc"));
        File.WriteAllText(Path.Combine(_dir, "home", ".npmrc"), "#" + new string('x', 300 * 1024) + "\nregistry=https://npm.example.net/\n");
        var i = Unpublish("app");
        Assert.That((i.Effect, Hosts(i)), Is.EqualTo((Effect.Delete, "?")), string.Join("; ", i.Evidence));
    }

    [Test]
    public void OptionsBeforeTheCommandAndUserconfig()
    {
        var user = Path.Combine(_dir, "other-npmrc");
        File.WriteAllText(user, "registry=https://npm.other.example.net/\n");
        Assert.That(Hosts(Unpublish("app", null, "npm", "--registry", "https://npm.prod.example.net/", "unpublish", "pkg@1.0.0")), Is.EqualTo("npm.prod.example.net"));
        var i = Unpublish("home", null, "npm", "--userconfig", user, "unpublish", "pkg@1.0.0");
        Assert.That((Hosts(i), i.Summary), Is.EqualTo(("npm.other.example.net", "unpublish pkg@1.0.0")), "the file is no package");
        Assert.That(Classifier.Classify(["npm", "--registry", "https://npm.prod.example.net/", "view", "pkg"], new LocalExecContext(new Dictionary<string, string>(), _dir)), Is.Empty);
    }
}
