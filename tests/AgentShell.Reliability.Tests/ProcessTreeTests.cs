namespace AgentShell.Reliability.Tests;

/// <summary>A deep and wide tree: every process of it is decided, nothing is lost on the way down.</summary>
[TestFixture]
public sealed class ProcessTreeTests
{
    [SetUp]
    public void SetUp() => Workloads.RequireInterception();

    [Test]
    public void ATreeOf200ProcessesNested100DeepIsDecidedThroughout()
    {
        var audit = Path.Combine(Path.GetTempPath(), $"agentshell-tree-{Guid.NewGuid():N}.jsonl");
        try
        {
            // Each level forks the next (100 deep) and one leaf beside it: 200 processes; every one
            // execs a parsed tool (audited) that fails with ENOENT once allowed.
            var r = AgentShellRunner.Run(["run", "--quiet", "--audit", audit, "--connect-guard", "seccomp", "--", Repo.Python, "-c", """
                import os, sys
                def decide(tag):
                    try: os.execv('/nonexistent/agentshell-tree/curl', ['curl', f'https://api.example.com/tree/{tag}'])
                    except FileNotFoundError: return 'allowed'
                    except PermissionError: return 'refused'
                def level(depth):
                    leaf = os.fork()
                    if leaf == 0:
                        os._exit(0 if decide(f'leaf{depth}') == 'allowed' else 3)
                    ok = decide(f'node{depth}') == 'allowed'
                    if depth < 99:
                        child = os.fork()
                        if child == 0:
                            os._exit(level(depth + 1))
                        ok = os.waitpid(child, 0)[1] == 0 and ok
                    ok = os.waitpid(leaf, 0)[1] == 0 and ok
                    return 0 if ok else 3
                print('tree=' + ('ok' if level(0) == 0 else 'failed'))
                """], TimeSpan.FromMinutes(5));
            Assert.That(r.Stdout, Does.Contain("tree=ok"), r.Stderr);
            var tags = File.ReadLines(audit).Where(l => l.Contains("api.example.com/tree/", StringComparison.Ordinal)).ToList();
            Assert.That(tags, Has.Count.EqualTo(200), "one decision per process of the tree");
        }
        finally
        {
            File.Delete(audit);
        }
    }
}
