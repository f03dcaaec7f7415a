using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>git: which forced pushes rewrite the remote's default branch (as the repository records
/// it), and the commands that discard uncommitted work.</summary>
public class GitTests
{
    private string _repo = null!;

    [SetUp]
    public void SetUp()
    {
        _repo = Directory.CreateTempSubdirectory("agentshell-git-").FullName;
        Write(".git/HEAD", "ref: refs/heads/feature/login\n");
        Write(".git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/app.git\n");
        Write(".git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/develop\n");
    }

    [TearDown] public void TearDown() => Directory.Delete(_repo, recursive: true);

    private void Write(string rel, string text)
    {
        var p = Path.Combine(_repo, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
    }

    private CommandIntent? Parse(params string[] args) =>
        Git.Parse(ToolCall.Of(new LocalExecContext(new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" }, _repo), args));

    [TestCase(new[] { "push", "--force", "origin", "develop" }, Effect.ForcePush)]
    [TestCase(new[] { "push", "-f", "origin", "main" }, Effect.Write)]
    [TestCase(new[] { "push", "origin", "+develop" }, Effect.ForcePush)]
    [TestCase(new[] { "push", "origin", "+HEAD:refs/heads/develop" }, Effect.ForcePush)]
    [TestCase(new[] { "push", "--force-with-lease" }, Effect.Write)]
    [TestCase(new[] { "push", "--force", "--all" }, Effect.ForcePush)]
    [TestCase(new[] { "push", "--mirror" }, Effect.ForcePush)]
    [TestCase(new[] { "push", "origin", "develop" }, Effect.Write)]
    public void TheRecordedRemoteHeadIsTheDefaultBranch(string[] args, Effect effect) =>
        Assert.That(Parse(args)!.Effect, Is.EqualTo(effect));

    [Test]
    public void WithoutARecordedHeadMainAndMasterAreTheDefault()
    {
        File.Delete(Path.Combine(_repo, ".git/refs/remotes/origin/HEAD"));
        Assert.That(Parse("push", "-f", "origin", "main")!.Effect, Is.EqualTo(Effect.ForcePush));
        Assert.That(Parse("push", "-f", "origin", "master")!.Effect, Is.EqualTo(Effect.ForcePush));
        Assert.That(Parse("push", "-f", "origin", "develop")!.Effect, Is.EqualTo(Effect.Write));
    }

    [Test]
    public void APushWithoutRefspecPushesTheCurrentBranchOrEveryOneWhenMatching()
    {
        Write(".git/HEAD", "ref: refs/heads/develop\n");
        Assert.That(Parse("push", "-f")!.Effect, Is.EqualTo(Effect.ForcePush));
        Write(".git/HEAD", "ref: refs/heads/feature/login\n");
        Assert.That(Parse("push", "-f")!.Effect, Is.EqualTo(Effect.Write));
        Write(".git/config", "[push]\n\tdefault = matching\n[remote \"origin\"]\n\turl = git@github.com:acme/app.git\n");
        Assert.That(Parse("push", "-f")!.Effect, Is.EqualTo(Effect.ForcePush));
    }

    [Test]
    public void ALinkedWorkTreeFindsTheRemoteHeadInTheCommonDirectory()
    {
        var main = _repo;
        var wt = Directory.CreateTempSubdirectory("agentshell-gitwt-").FullName;
        try
        {
            Write(".git/worktrees/wt/HEAD", "ref: refs/heads/develop\n");
            Write(".git/worktrees/wt/commondir", "../..\n");
            File.WriteAllText(Path.Combine(wt, ".git"), $"gitdir: {Path.Combine(main, ".git/worktrees/wt")}\n");
            var i = Git.Parse(ToolCall.Of(new LocalExecContext(new Dictionary<string, string>(), wt), "push", "--force"));
            Assert.That((i!.Effect, i.Targets.Single().Host), Is.EqualTo((Effect.ForcePush, "github.com")));
        }
        finally { Directory.Delete(wt, true); }
    }

    [TestCase(new[] { "reset", "--hard" }, Effect.Delete)]
    [TestCase(new[] { "reset", "--hard", "origin/main" }, Effect.Delete)]
    [TestCase(new[] { "clean", "-fdx" }, Effect.Delete)]
    [TestCase(new[] { "clean", "-f", "--", "build" }, Effect.Delete)]
    [TestCase(new[] { "clean", "-ndx" }, Effect.Read)]
    [TestCase(new[] { "clean", "--dry-run", "-f" }, Effect.Read)]
    public void DiscardingUncommittedWorkIsADelete(string[] args, Effect effect) =>
        Assert.That(Parse(args)!.Effect, Is.EqualTo(effect));

    [TestCase("reset", "--soft", "HEAD~1")]
    [TestCase("reset", "HEAD", "file.txt")]
    [TestCase("status")]
    public void OtherCommandsAreNotClassified(params string[] args) =>
        Assert.That(Parse(args), Is.Null);

    [Test]
    public void TheWorkTreeOfCleanIsItsTarget()
    {
        Assert.That(Parse("clean", "-fdx")!.Targets.Single().Path, Is.EqualTo(_repo));
        Assert.That(Parse("--work-tree=/", "clean", "-fdx")!.Targets.Single().Path, Is.EqualTo("/"));
        Assert.That(Parse("-C", "/srv", "clean", "-fd")!.Targets.Single().Path, Is.EqualTo("/srv"));
    }
}
