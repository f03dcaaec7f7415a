using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

public class JustfileTests
{
    private const string Text = "host := \"db.prod\"\nalias r := reset\n\nbuild:\n    cargo build\n\nreset: build\n    @psql -h {{host}} -c 'DROP TABLE t'\n\ndel id='1':\n    curl -X DELETE https://api/v/{{id}}\n";

    private static List<(string Recipe, string Line, bool Known)> Lines(string text, params string[] args) => Justfile.Parse(text, []).Lines(args);

    [Test]
    public void DependenciesComeFirstAndVariablesAreInterpolated() =>
        Assert.That(Lines(Text, "reset").Select(l => l.Line), Is.EqualTo(new[] { "cargo build", "psql -h db.prod -c 'DROP TABLE t'" }));

    [Test]
    public void TheFirstRecipeIsTheDefaultAndAliasesResolve()
    {
        Assert.That(Lines(Text).Select(l => l.Line), Is.EqualTo(new[] { "cargo build" }));
        Assert.That(Lines(Text, "r").Last().Line, Does.Contain("DROP TABLE t"));
    }

    [Test]
    public void ParametersTakeArgumentsOrTheirDefault()
    {
        Assert.That(Lines(Text, "del", "7").Single().Line, Is.EqualTo("curl -X DELETE https://api/v/7"));
        Assert.That(Lines(Text, "del").Single().Line, Is.EqualTo("curl -X DELETE https://api/v/1"));
    }

    [Test]
    public void SetOverridesAVariable() =>
        Assert.That(Justfile.Parse(Text, [new("host", "db.dev")]).Lines(["reset"]).Last().Line, Does.Contain("-h db.dev"));

    [Test]
    public void ARecipeNotDefinedIsNothingUnlessAnImportMayDefineIt()
    {
        Assert.That(Lines(Text, "nope"), Is.Empty);
        var r = Lines("import 'more.just'\nbuild:\n    cargo build\n", "nope");
        Assert.That(r.Single().Known, Is.False);
    }

    [Test]
    public void AShebangRecipeIsAScriptForAShellAndUnknownForAnotherInterpreter()
    {
        var sh = Lines("x:\n    #!/usr/bin/env bash\n    set -e\n    psql -c 'DROP TABLE t'\n", "x").Single();
        Assert.That((sh.Known, sh.Line), Is.EqualTo((true, "set -e\npsql -c 'DROP TABLE t'")));
        Assert.That(Lines("x:\n    #!/usr/bin/env python3\n    print(1)\n", "x").Single().Known, Is.False);
    }
}
