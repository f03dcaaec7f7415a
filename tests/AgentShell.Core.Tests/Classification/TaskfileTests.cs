using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

public class TaskfileTests
{
    private const string Text = "version: '3'\nvars:\n  HOST: db.prod\n  DYN:\n    sh: cat host\ntasks:\n  build:\n    cmds:\n      - go build ./...\n  db:reset:\n    deps: [build]\n    cmds:\n      - psql -h {{.HOST}} -c 'DROP TABLE t'\n      - task: notify\n  notify: echo done\n  multi:\n    cmds:\n      - cmd: |\n          echo a\n          echo b\n  dyn:\n    cmd: psql -h {{.DYN}}\n";

    private static List<string> Lines(string text, params string[] names) => Taskfile.Parse(text, []).Lines(names).Select(l => l.Line).ToList();

    [Test]
    public void DepsCallsAndVariablesAreRead() =>
        Assert.That(Lines(Text, "db:reset"), Is.EqualTo(new[] { "go build ./...", "psql -h db.prod -c 'DROP TABLE t'", "echo done" }));

    [Test]
    public void BlocksAreOneScript() => Assert.That(Lines(Text, "multi").Single(), Is.EqualTo("echo a\necho b\n"));

    [Test]
    public void AVariableFromShStaysAsText() => Assert.That(Lines(Text, "dyn").Single(), Is.EqualTo("psql -h {{.DYN}}"));

    [Test]
    public void CommandLineVariablesWin() =>
        Assert.That(Taskfile.Parse(Text, [new("HOST", "db.dev")]).Lines(["db:reset"])[1].Line, Does.Contain("db.dev"));

    [Test]
    public void AMissingTaskIsNothingUnlessAnIncludeMayDefineIt()
    {
        Assert.That(Lines(Text, "nope"), Is.Empty);
        var r = Taskfile.Parse("version: '3'\nincludes:\n  db: ./db\ntasks:\n  build: go build\n", []).Lines(["db:reset"]);
        Assert.That(r.Single().Known, Is.False);
    }
}
