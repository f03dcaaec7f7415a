using System.Net.Sockets;
using System.Text;

namespace AgentShell.Supervisor.Tests;

/// <summary>SocketFileLookup: the file a Unix connect's path names for the process, as bytes. A
/// name that is not UTF-8 is found (not refused as unprovable, the failure that reverted the first
/// merge); a missing one is proven missing; a path through /proc/self is unprovable by the walk and
/// found through our /proc for the process's pid. Run against this process (its root is the tree's here).</summary>
[TestFixture]
public sealed class SocketFileLookupTests
{
    private string _dir = "";
    private TreeRootDirectory _root = null!;
    private Socket _socket = null!;
    private byte[] _path = [];

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-socket-lookup-").FullName;
        _root = HeldRoot.OfThisProcess();
        // A name that is not UTF-8, bound through a link with a plain name in the same directory.
        _path = [.. Encoding.UTF8.GetBytes(_dir + "/own"), 0xff, .. ".sock"u8];
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(_dir, "plain.sock")));
        Assert.That(Rename(Path.Combine(_dir, "plain.sock"), _path), Is.EqualTo(0));
    }

    [TearDown]
    public void TearDown()
    {
        _socket.Dispose();
        _root.Dispose();
        System.Diagnostics.Process.Start("rm", ["-rf", _dir])!.WaitForExit(); // a name .NET cannot enumerate
    }

    private static int Rename(string from, byte[] to)
    {
        var p = System.Diagnostics.Process.Start("python3", ["-c", "import os,sys; os.rename(sys.argv[1], bytes.fromhex(sys.argv[2]))", from, Convert.ToHexString(to)])!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private (ulong, ulong) Expected()
    {
        Assert.That(Interop.Files.TryStat([.. _path, 0], out var st) && st.IsSocket, Is.True);
        return st.Identity;
    }

    [Test]
    public void ANameThatIsNotUtf8IsFoundAsBytes()
    {
        Assert.That(SocketFileLookup.Of(Environment.ProcessId, _path, _root, out var st), Is.EqualTo(TargetFiles.Lookup.Found));
        Assert.That(st.Identity, Is.EqualTo(Expected()));
        // The look-alike: the same name decoded to a string is another (missing) file.
        var lossy = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(_path));
        Assert.That(SocketFileLookup.Of(Environment.ProcessId, lossy, _root, out _), Is.EqualTo(TargetFiles.Lookup.Missing));
    }

    [Test]
    public void AMissingSocketIsProvenMissing() =>
        Assert.That(SocketFileLookup.Of(Environment.ProcessId, Encoding.UTF8.GetBytes(_dir + "/nothing/here.sock"), _root, out _), Is.EqualTo(TargetFiles.Lookup.Missing));

    /// <summary>OfContinued (no listed server outside the tree): found as Of finds it, a link to it
    /// too; a missing one is Missing without the dir-by-dir proof; /proc goes the whole way.</summary>
    [Test]
    public void AContinuedConnectIsLookedUpAsOf()
    {
        Assert.That(SocketFileLookup.OfContinued(Environment.ProcessId, _path, _root, out var st), Is.EqualTo(TargetFiles.Lookup.Found));
        Assert.That(st.Identity, Is.EqualTo(Expected()));
        Assert.That(SocketFileLookup.OfContinued(Environment.ProcessId, Encoding.UTF8.GetBytes(_dir + "/nothing/here.sock"), _root, out _), Is.EqualTo(TargetFiles.Lookup.Missing));
        File.CreateSymbolicLink(Path.Combine(_dir, "link.sock"), Encoding.UTF8.GetString(_path[..(_path.Length - 6)]) + "x");
        Assert.That(SocketFileLookup.OfContinued(Environment.ProcessId, Encoding.UTF8.GetBytes(_dir + "/link.sock"), _root, out _), Is.EqualTo(TargetFiles.Lookup.Missing), "a dangling link");
        byte[] viaRoot = [.. "/proc/self/root"u8, .. _path];
        Assert.That(SocketFileLookup.OfContinued(Environment.ProcessId, viaRoot, _root, out _), Is.EqualTo(TargetFiles.Lookup.Unprovable), "procfs: as Of");
    }

    [Test]
    public void APathThroughProcSelfIsLookedUpThroughTheProcessesPid()
    {
        byte[] viaRoot = [.. "/proc/self/root"u8, .. _path];
        Assert.That(SocketFileLookup.Of(Environment.ProcessId, viaRoot, _root, out _), Is.EqualTo(TargetFiles.Lookup.Unprovable), "procfs on the way: the walk cannot prove it");
        Assert.That(SocketFileLookup.ThroughProcOf(Environment.ProcessId, viaRoot, out var st), Is.True);
        Assert.That(st.Identity, Is.EqualTo(Expected()));
        int fd = Interop.Files.Open([.. _path, 0], Interop.Files.O_PATH | 0x80000, out var errno);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), errno.ToString());
        try
        {
            Assert.That(SocketFileLookup.ThroughProcOf(Environment.ProcessId, Encoding.UTF8.GetBytes($"/proc/thread-self/fd/{fd}"), out st), Is.True);
            Assert.That(st.Identity, Is.EqualTo(Expected()));
        }
        finally { Interop.Libc.close(fd); }
        // Not a path through /proc/self: left to the other looks.
        Assert.That(SocketFileLookup.ThroughProcOf(Environment.ProcessId, _path, out _), Is.False);
    }
}
