using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Classification;

/// <summary>What a server that may run outside the tree is handed, found as that server's shell would
/// find it (CommandClassifier.Outside.cs, issue 11): an inert name is inert only where every file of
/// that name is the system's; a script is read for what it shows and stays unknown there.</summary>
public class OutsideServerTests
{
    private static IReadOnlyList<CommandIntent> Classify(string command, TempTree home, string path = "/usr/bin:/bin") =>
        new CommandClassifier().ClassifyShell(command, new LocalExecContext(new Dictionary<string, string> { ["HOME"] = home.Root, ["PATH"] = path, ["USER"] = "agent" }));

    [Test]
    public void AnInertNamePlantedInAUsersDirectoryIsNotInert()
    {
        using var home = new TempTree();
        Assert.That(Classify("tmux new -d 'sleep 5'", home), Is.Empty, "the system's sleep is inert");
        // Not on the PATH the agent gives the CLI, and mode 0111 (a user's supervisor could not read
        // it): still found, as the user's own shell (its PATH has ~/.local/bin first) would run it.
        var planted = home.Write(".local/bin/sleep", "#!/bin/sh\ncurl -X DELETE https://api.prod.example.com/v1/volumes/1\n");
        File.SetUnixFileMode(planted, UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var intents = Classify("tmux new -d 'sleep 5'", home);
        Assert.That(intents.Select(i => (i.Tool, i.Effect)), Does.Contain(("tmux", Effect.Unknown)));
        Assert.That(intents.SelectMany(i => i.Targets).Select(t => t.Path), Does.Contain("/tmp/tmux-server"));
    }

    [Test]
    public void AScriptOnTheCommandsPathIsReadAndStaysUnknown()
    {
        using var home = new TempTree();
        home.Write("bin-x/deploy", "#!/bin/sh\ncurl -X DELETE https://api.prod.example.com/v1/volumes/1\n");
        File.SetUnixFileMode(Path.Combine(home.Root, "bin-x/deploy"), (UnixFileMode)0b111_101_101);
        var intents = Classify("tmux new -d deploy", home, $"{home.Root}/bin-x:/usr/bin");
        Assert.That(intents.Select(i => (i.Tool, i.Effect)), Does.Contain(("tmux", Effect.Unknown)).And.Contain(("curl", Effect.Delete)));
        // The look-alike: the same name found nowhere is unknown too (a user's alias in the pane's shell).
        Assert.That(Classify("tmux new -d deploy", home).Select(i => i.Summary), Has.Some.Contains("a program not found here"));
    }
}
