using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests;

/// <summary>A listed socket that a killed server left behind (refused, bound long ago) does not keep
/// every Unix connect of the tree on the supervisor's side (CommandServers.AnyOutside), and comes back
/// as outside once something listens on that same file. Real sockets in a temporary directory; this
/// process stands for a server outside the tree (no tree: nothing is the tree's).</summary>
[TestFixture]
public sealed class DeadListedSocketsTests
{
    private string _dir = "";
    private readonly List<int> _fds = [];
    private long _deadAfter;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-dead-").FullName;
        _deadAfter = UnixOnBehalf.DeadAfterNs;
    }

    [TearDown]
    public void TearDown()
    {
        UnixOnBehalf.DeadAfterNs = _deadAfter;
        foreach (int fd in _fds) Interop.Libc.close(fd);
        Directory.Delete(_dir, true);
    }

    // Raw fds: a .NET Socket unlinks its file when disposed, and a killed server's stays.
    private int Bind(string path, bool listen)
    {
        int fd = Interop.UnixSockets.BindStream(path, out var e);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"bind {path}: {e}");
        if (listen) Assert.That(Interop.UnixSockets.StartListening(fd, 4), Is.EqualTo((Errno)0));
        _fds.Add(fd);
        return fd;
    }

    /// <summary>A socket file whose socket is closed: what a killed server leaves.</summary>
    private void Stale(string path)
    {
        int fd = Bind(path, listen: false);
        _fds.Remove(fd);
        Interop.Libc.close(fd);
        Assert.That(File.Exists(path) || Interop.Files.TryStat(path, out _), Is.True, "the file stays");
    }

    private static (ulong, ulong) IdentityOf(string path)
    {
        Assert.That(Interop.Files.TryStat(path, out var st) && st.IsSocket, Is.True, path);
        return st.Identity;
    }

    private CommandServers Servers() =>
        CommandServers.Create(new NetworkSettings { CommandServers = [Path.Combine(_dir, "*")] }, tree: null)!;

    [Test]
    public void ARefusedSocketIsDeadOnlyOnceItWasBoundLongAgo()
    {
        string stale = Path.Combine(_dir, "stale"), live = Path.Combine(_dir, "live");
        Stale(stale);
        Bind(live, listen: true);
        Assert.That(UnixOnBehalf.ListenerPid(stale, IdentityOf(stale), out bool dead), Is.EqualTo(-1));
        Assert.That(dead, Is.False, "bound just now: a server may be about to listen");
        UnixOnBehalf.DeadAfterNs = 0;
        Assert.That(UnixOnBehalf.ListenerPid(stale, IdentityOf(stale), out dead), Is.EqualTo(-1));
        Assert.That(dead, Is.True);
        Assert.That(UnixOnBehalf.ListenerPid(live, IdentityOf(live), out dead), Is.EqualTo(Environment.ProcessId));
        Assert.That(dead, Is.False, "the look-alike: a listening socket");
    }

    [Test]
    public void OnlyDeadListedSocketsLeaveConnectsToTheKernel()
    {
        UnixOnBehalf.DeadAfterNs = 0;
        Stale(Path.Combine(_dir, "stale"));
        using var servers = Servers();
        Assert.That(servers.AnyOutside(), Is.False, "a dead socket reaches nothing");
        Bind(Path.Combine(_dir, "default"), listen: true);
        Assert.That(servers.AnyOutside(), Is.True, "the look-alike: a live server outside the tree");
    }

    [Test]
    public void AFreshlyRefusingSocketCountsAsOutside()
    {
        Bind(Path.Combine(_dir, "starting"), listen: false); // bound, its listen still to come
        using var servers = Servers();
        Assert.That(servers.AnyOutside(), Is.True);
    }

    [Test]
    public void ADeadSocketThatStartsListeningIsOutsideWithinASecond()
    {
        UnixOnBehalf.DeadAfterNs = 0;
        var late = Bind(Path.Combine(_dir, "late"), listen: false);
        using var servers = Servers();
        Assert.That(servers.AnyOutside(), Is.False);
        Assert.That(Interop.UnixSockets.StartListening(late, 4), Is.EqualTo((Errno)0)); // the same file, now listened on: no inotify event says so
        var sw = System.Diagnostics.Stopwatch.StartNew();
        bool outside;
        while (!(outside = servers.AnyOutside()) && sw.Elapsed.TotalSeconds < 5) Thread.Sleep(50);
        Assert.That(outside, Is.True, "asked again within a second");
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(3));
    }
}
