using System.Diagnostics;
using System.Net.Sockets;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests;

/// <summary>A socket is replaced only when its owner is provably gone (its lock is free), never
/// while a live owner holds the lock, and never when something else answers on it.</summary>
[TestFixture]
public sealed class SocketLockTests
{
    private string _tmp = null!;
    private string _sock = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = Directory.CreateTempSubdirectory("agentshell-lock-").FullName;
        _sock = Path.Combine(_tmp, "daemon.sock");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    [Test]
    public void ALiveOwnersSocketIsNeverTouched()
    {
        using var owner = SocketLock.TryAcquire(_sock, out _)!;
        owner.ClaimPath();
        int fd = Interop.UnixSockets.Listen(_sock, 4, out _);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        try
        {
            Assert.That(SocketLock.TryAcquire(_sock, out int pid), Is.Null);
            Assert.That(pid, Is.EqualTo(Environment.ProcessId), "the owner's pid, for the message");
            Assert.That(File.Exists(_sock), Is.True);
        }
        finally
        {
            Interop.Libc.close(fd);
        }
    }

    [Test]
    public void TheSocketOfAnOwnerThatDiedIsReplaced()
    {
        // A real owner: python binds the socket under the lock, then is killed without cleaning up.
        var py = Process.Start(new ProcessStartInfo("python3", ["-c",
            "import fcntl,socket,sys,time;f=open(sys.argv[1]+'.lock','w');fcntl.flock(f,fcntl.LOCK_EX);" +
            "s=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET);s.bind(sys.argv[1]);s.listen(1);print('ready',flush=True);time.sleep(60)", _sock])
            { RedirectStandardOutput = true })!;
        Assert.That(py.StandardOutput.ReadLine(), Is.EqualTo("ready"));
        Assert.That(SocketLock.TryAcquire(_sock, out _), Is.Null, "held while the owner lives");
        py.Kill();
        py.WaitForExit();
        using var next = SocketLock.TryAcquire(_sock, out _);
        Assert.That(next, Is.Not.Null);
        Assert.That(File.Exists(_sock), Is.True, "the dead owner's socket is still there");
        next!.ClaimPath();
        Assert.That(File.Exists(_sock), Is.False);
    }

    [Test]
    public void ASocketSomethingElseAnswersOnIsRefused()
    {
        using var other = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(_sock));
        other.Listen(1);
        using var l = SocketLock.TryAcquire(_sock, out _)!;
        Assert.That(() => l.ClaimPath(), Throws.TypeOf<IOException>().With.Message.Contains("in use"));
        Assert.That(File.Exists(_sock), Is.True);
    }

    [Test]
    public void AFileThatIsNoSocketIsRefused()
    {
        File.WriteAllText(_sock, "data");
        using var l = SocketLock.TryAcquire(_sock, out _)!;
        Assert.That(() => l.ClaimPath(), Throws.TypeOf<IOException>().With.Message.Contains("not a socket"));
        Assert.That(File.ReadAllText(_sock), Is.EqualTo("data"));
    }

    [Test]
    public void ReleasingRemovesTheSocketButKeepsTheLockFile()
    {
        var l = SocketLock.TryAcquire(_sock, out _)!;
        l.ClaimPath();
        int fd = Interop.UnixSockets.Listen(_sock, 4, out _);
        Interop.Libc.close(fd);
        l.Dispose();
        Assert.That(File.Exists(_sock), Is.False);
        Assert.That(File.Exists(_sock + ".lock"), Is.True);
        using var again = SocketLock.TryAcquire(_sock, out _);
        Assert.That(again, Is.Not.Null);
    }
}
