using System.Net.Sockets;

namespace AgentShell.Supervisor.Tests;

/// <summary>ListedSockets: the listed command-server sockets found by identity, kept per directory
/// and rescanned when that directory changed (inotify, or stats where it cannot be had): a socket made after the first question, in a
/// directory that did not exist then, is found; one beside them that no pattern names is not.
/// Real sockets bound in a temporary directory.</summary>
[TestFixture]
public sealed class ListedSocketsTests
{
    private string _dir = "";
    private readonly List<Socket> _bound = [];

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-listed-").FullName;

    [TearDown]
    public void TearDown()
    {
        foreach (var s in _bound) s.Dispose();
        Directory.Delete(_dir, true);
    }

    private (ulong, ulong) Bind(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        _bound.Add(s);
        Assert.That(Interop.Files.TryStat(path, out var st) && st.IsSocket, Is.True, path);
        return st.Identity;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ListedSocketsAreFoundAsTheyAppearAndOthersAreNot(bool watch)
    {
        string tmux = Path.Combine(_dir, "tmux-1"), later = Path.Combine(_dir, "not-yet", "deeper");
        Directory.CreateDirectory(tmux);
        var first = Bind(Path.Combine(tmux, "default"));
        using var listed = new ListedSockets([Path.Combine(_dir, "docker.sock")], [(tmux, "*"), (later, "*.sock")], watch);
        var app = Bind(Path.Combine(_dir, "app.sock"));
        Assert.That(listed.Of(first), Is.EqualTo(Path.Combine(tmux, "default")));
        Assert.That(listed.Of(app), Is.Null, "the look-alike: an unlisted socket beside them");

        // Made after the sets were built: each directory's change brings its rescan.
        var second = Bind(Path.Combine(tmux, "work"));
        var docker = Bind(Path.Combine(_dir, "docker.sock"));
        Directory.CreateDirectory(later);
        var deep = Bind(Path.Combine(later, "x.sock"));
        var plain = Bind(Path.Combine(later, "x.other"));
        Assert.That(listed.Of(second), Is.EqualTo(Path.Combine(tmux, "work")));
        Assert.That(listed.Of(docker), Is.EqualTo(Path.Combine(_dir, "docker.sock")));
        Assert.That(listed.Of(deep), Is.EqualTo(Path.Combine(later, "x.sock")), "a directory made since is watched through its parent");
        Assert.That(listed.Of(plain), Is.Null, "the glob's look-alike: another name in the same directory");
        Assert.That(listed.Of(app), Is.Null);

        // Moved out of its directory (its owner may): still the server it was.
        File.Move(Path.Combine(tmux, "default"), Path.Combine(_dir, "moved"));
        Assert.That(listed.Of(first), Is.EqualTo(Path.Combine(tmux, "default")));
        var replaced = Bind(Path.Combine(tmux, "default"));
        Assert.That(listed.Of(replaced), Is.EqualTo(Path.Combine(tmux, "default")));
    }

    /// <summary>The sets are made when the list is, before the tree runs anything: a socket moved
    /// out before the first question is still known.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void ASocketMovedOutBeforeTheFirstQuestionIsStillListed(bool watch)
    {
        string tmux = Path.Combine(_dir, "tmux-1");
        Directory.CreateDirectory(tmux);
        var server = Bind(Path.Combine(tmux, "default"));
        using var listed = new ListedSockets([], [(tmux, "*")], watch);
        File.Move(Path.Combine(tmux, "default"), Path.Combine(_dir, "elsewhere.sock"));
        Assert.That(listed.Of(server), Is.EqualTo(Path.Combine(tmux, "default")));
        Assert.That(listed.Of(Bind(Path.Combine(_dir, "other.sock"))), Is.Null, "the look-alike: a socket bound there since");
    }

    /// <summary>Refresh, the question asked before every Unix connect while servers are listed
    /// (CommandServers.AnyOutside), sees a listed socket the moment it is bound, with no question
    /// about it first: the count grows, and All names it; an unlisted one changes nothing.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void RefreshCountsAListedSocketAsSoonAsItIsBound(bool watch)
    {
        string tmux = Path.Combine(_dir, "tmux-1");
        using var listed = new ListedSockets([], [(tmux, "*")], watch);
        Assert.That(listed.Refresh(), Is.Zero);
        Bind(Path.Combine(_dir, "app.sock"));
        Assert.That(listed.Refresh(), Is.Zero, "the look-alike: an unlisted socket");
        Directory.CreateDirectory(tmux);
        var server = Bind(Path.Combine(tmux, "default"));
        Assert.That(listed.Refresh(), Is.EqualTo(1));
        Assert.That(listed.All(), Is.EqualTo(new[] { (server, Path.Combine(tmux, "default")) }));
    }
}
