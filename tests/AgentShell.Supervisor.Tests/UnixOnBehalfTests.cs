using System.Net.Sockets;
using System.Text;

namespace AgentShell.Supervisor.Tests;

/// <summary>UnixOnBehalf's two kernel facts, on real sockets: a connect to /proc/self/fd/N of an
/// O_PATH fd (SocketFileLookup.Open's) reaches the socket that fd was opened on after its path names
/// another; and the listener probe asks the listed socket by identity, not whatever now sits at its
/// path.</summary>
[TestFixture]
public sealed class UnixOnBehalfTests
{
    private string _dir = "";
    private readonly List<Socket> _sockets = [];

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-onbehalf-").FullName;

    [TearDown]
    public void TearDown()
    {
        foreach (var s in _sockets) s.Dispose();
        Directory.Delete(_dir, true);
    }

    private Socket Listen(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        s.Listen(4);
        _sockets.Add(s);
        return s;
    }

    private static (ulong, ulong) IdentityOf(string path)
    {
        Assert.That(Interop.Files.TryStat(path, out var st) && st.IsSocket, Is.True, path);
        return st.Identity;
    }

    [Test]
    public void TheJudgedFileIsReachedAfterItsPathNamesAnother()
    {
        string path = Path.Combine(_dir, "app.sock");
        var judged = Listen(path);
        using var root = HeldRoot.OfThisProcess();
        Assert.That(SocketFileLookup.Open(Environment.ProcessId, Encoding.UTF8.GetBytes(path), root, out var st, out int fd), Is.EqualTo(TargetFiles.Lookup.Found));
        try
        {
            Assert.That(st.Identity, Is.EqualTo(IdentityOf(path)));
            // The swap: the path now names another listener.
            File.Move(path, Path.Combine(_dir, "away.sock"));
            var other = Listen(path);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint($"/proc/self/fd/{fd}"));
            judged.Blocking = other.Blocking = false;
            Assert.That(() => judged.Accept().Dispose(), Throws.Nothing, "the judged socket got the connection");
            Assert.That(() => other.Accept(), Throws.InstanceOf<SocketException>(), "the look-alike at the path got nothing");
        }
        finally { Interop.Libc.close(fd); }
    }

    [Test]
    public void TheListenerIsAskedByIdentity()
    {
        string path = Path.Combine(_dir, "server");
        Listen(path);
        var listed = IdentityOf(path);
        Assert.That(UnixOnBehalf.ListenerPid(path, listed), Is.EqualTo(Environment.ProcessId));
        // Moved away, and another socket bound at the listed path: it does not answer for the listed one.
        File.Move(path, Path.Combine(_dir, "moved"));
        Listen(path);
        Assert.That(UnixOnBehalf.ListenerPid(path, listed), Is.EqualTo(-1));
        Assert.That(UnixOnBehalf.ListenerPid(path, IdentityOf(path)), Is.EqualTo(Environment.ProcessId), "the look-alike: the socket at the path, asked as itself");
    }
}
