using AgentShell.Supervisor.Daemon;

namespace AgentShell.Supervisor.Tests;

/// <summary>Where `daemon` listens and `shell` connects: --socket, else $AGENTSHELL_DAEMON_SOCKET,
/// else $XDG_RUNTIME_DIR/agentshell/daemon.sock when set, else /run/agentshell/daemon.sock; and
/// only in a directory nobody else can write to.</summary>
[TestFixture]
public sealed class DaemonSocketPathsTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = Directory.CreateTempSubdirectory("agentshell-daemon-paths-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    [TestCase("/x/explicit.sock", "/e/env.sock", "/xdg", "/x/explicit.sock")]
    [TestCase(null, "/e/env.sock", "/xdg", "/e/env.sock")]
    [TestCase(null, null, "/xdg", "/xdg/agentshell/daemon.sock")]
    [TestCase(null, "", "/xdg", "/xdg/agentshell/daemon.sock")]
    [TestCase(null, null, null, "/run/agentshell/daemon.sock")]
    [TestCase(null, null, "", "/run/agentshell/daemon.sock")]
    [TestCase(null, null, "relative/dir", "/run/agentshell/daemon.sock")]
    public void TheSocketIsChosenInOrder(string? explicitPath, string? variable, string? xdg, string expected)
    {
        var env = new Dictionary<string, string?> { [DaemonSocketPaths.Variable] = variable, ["XDG_RUNTIME_DIR"] = xdg };
        Assert.That(DaemonSocketPaths.Resolve(explicitPath, n => env.GetValueOrDefault(n)), Is.EqualTo(expected));
    }

    [Test]
    public void ARelativeSocketIsMadeAbsolute()
    {
        Assert.That(DaemonSocketPaths.Resolve("d.sock", _ => null), Is.EqualTo(Path.Combine(Environment.CurrentDirectory, "d.sock")));
    }

    [Test]
    public void AMissingDirectoryIsCreatedForUsAlone()
    {
        var sock = Path.Combine(_tmp, "run", "daemon.sock");
        DaemonSocketPaths.PrepareDirectory(sock);
        Assert.That(File.GetUnixFileMode(Path.Combine(_tmp, "run")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public void ADirectoryOthersCanWriteToIsRefused()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_tmp, "shared")).FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));
        Assert.That(() => DaemonSocketPaths.PrepareDirectory(Path.Combine(dir, "daemon.sock")),
            Throws.TypeOf<IOException>().With.Message.Contains("writable by others"));
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        Assert.That(() => DaemonSocketPaths.PrepareDirectory(Path.Combine(dir, "daemon.sock")), Throws.Nothing);
    }

    [Test]
    public void ASymlinkedDirectoryIsRefused()
    {
        var real = Directory.CreateDirectory(Path.Combine(_tmp, "real")).FullName;
        var link = Path.Combine(_tmp, "link");
        Directory.CreateSymbolicLink(link, real);
        Assert.That(() => DaemonSocketPaths.PrepareDirectory(Path.Combine(link, "daemon.sock")),
            Throws.TypeOf<IOException>().With.Message.Contains("not a directory"));
    }
}
