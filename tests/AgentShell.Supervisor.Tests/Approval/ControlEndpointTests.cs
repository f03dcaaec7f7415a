using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests.Approval;

/// <summary>A run's control socket is stale only when its supervisor's lock is free: a client never
/// removes a live one (issue 11: `agentshell pending` inside the tree deleted it).</summary>
[TestFixture]
public sealed class ControlEndpointTests
{
    private string _tmp = null!;
    private string _sock = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = Directory.CreateTempSubdirectory("agentshell-endpoint-").FullName;
        _sock = Path.Combine(_tmp, "run.sock");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    [Test]
    public void ALiveEndpointIsNeverStaleAndItsSocketGoesWithIt()
    {
        var endpoint = ControlEndpoint.Bind(_sock);
        Assert.That(SocketPaths.IsStale(_sock), Is.False);
        Assert.That(() => ControlEndpoint.Bind(_sock), Throws.InstanceOf<IOException>().With.Message.Contains("live agentshell process"));
        Assert.That(File.Exists(_sock), Is.True, "a second bind leaves the live socket alone");
        endpoint.Dispose();
        Assert.That(File.Exists(_sock), Is.False);
    }

    [Test]
    public void ASocketIsStaleOnlyWhenItsLockExistsAndIsFree()
    {
        // A socket file nobody listens on, without a lock: not provably stale, left alone.
        int fd = Interop.UnixSockets.Listen(_sock, 1, out _);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Interop.Libc.close(fd);
        Assert.That(SocketPaths.IsStale(_sock), Is.False);
        // Its lock, held by nobody (its owner died): stale.
        File.WriteAllText(_sock + ".lock", "");
        Assert.That(SocketPaths.IsStale(_sock), Is.True);
    }
}
