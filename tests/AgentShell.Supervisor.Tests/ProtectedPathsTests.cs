namespace AgentShell.Supervisor.Tests;

/// <summary>What a run makes read-only for its tree: agentshell's own directories whole, only its
/// files in a shared or person-chosen directory, nothing twice.</summary>
[TestFixture]
public sealed class ProtectedPathsTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = Directory.CreateTempSubdirectory("as-protect-test-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    [Test]
    public void AnAuditLogInADirectoryNamedForAgentshellIsProtectedWithItsDirectory()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_tmp, "agentshell")).FullName;
        var log = Path.Combine(dir, "audit.jsonl");
        File.WriteAllText(log, "");
        Assert.That(ProtectedPaths.Collect([], [], log, []), Is.EqualTo(new[] { dir }), "the directory: the log cannot be replaced either");
    }

    [Test]
    public void AnAuditLogInADirectoryOfThePersonsIsProtectedAlone()
    {
        // The look-alike: --audit in a directory the agent may need to write in.
        var log = Path.Combine(_tmp, "audit.jsonl");
        File.WriteAllText(log, "");
        Assert.That(ProtectedPaths.Collect([], [], log, []), Is.EqualTo(new[] { log }));
    }

    [Test]
    public void AMissingProfileDirectoryIsCreatedReadableByAllAndPathsInsideOnesAlreadyProtectedAreDropped()
    {
        var cfg = Path.Combine(_tmp, "config", "agentshell");
        var profile = Path.Combine(_tmp, "p.json");
        File.WriteAllText(profile, "{}");
        var paths = ProtectedPaths.Collect([profile], [cfg, Path.Combine(cfg, "inner")], null, []);
        Assert.That(Directory.Exists(cfg), Is.True);
        Assert.That(File.GetUnixFileMode(cfg) & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute), Is.EqualTo(UnixFileMode.OtherRead | UnixFileMode.OtherExecute), "never 0700: other users read the system profiles");
        Assert.That(paths, Is.EquivalentTo(new[] { cfg, profile }));
    }

    [Test]
    public void ASharedBinDirectoryIsNeverProtectedWhole()
    {
        var paths = ProtectedPaths.Collect([], [], null, ["/usr/bin/env"]);
        Assert.That(paths, Is.EqualTo(new[] { "/usr/bin/env" }));
    }
}
