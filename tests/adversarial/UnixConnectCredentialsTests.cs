using System.Net.Sockets;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11: while a listed command server outside the tree exists, the supervisor makes each
/// Unix connect of the tree itself (UnixOnBehalf, against the sockaddr race). The kernel checks a Unix
/// connect's path (search on each directory, write on the socket) with the connecting task's
/// credentials, and the server's SO_PEERCRED names them: made by a root supervisor for a tree process
/// that had dropped to another user (`agentshell run -- setpriv --reuid …`, `runuser`, `sudo -u`), it
/// passed root's checks. On main 905dab8, uid 65534 read a root-only (0600) socket's reply, in both
/// modes, and the server was told uid 0. Each case below is what the kernel answers the same client
/// with no agentshell: the refused ones are refused (EACCES), the reachable ones reached with the
/// client's own uid.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class UnixConnectCredentialsTests(string guard) : OutsideTmuxFixture(guard)
{
    private string _sockets = "";
    private readonly List<(Socket Listener, Thread Server)> _servers = [];

    [SetUp]
    public void RequireRoot()
    {
        if (Mono.Unix.Native.Syscall.geteuid() != 0) Assert.Ignore("the credentials a tree drops to need a root run (setpriv --reuid)");
        if (!File.Exists("/usr/bin/setpriv")) Assert.Ignore("setpriv (util-linux) is not installed here");
        // The system's python: another user cannot run one under root's home (pyenv's shims).
        if (!File.Exists("/usr/bin/python3")) Assert.Ignore("/usr/bin/python3 is not installed here");
        _sockets = Directory.CreateTempSubdirectory("agentshell-adv-creds-").FullName;
        File.SetUnixFileMode(_sockets, (UnixFileMode)0b111_101_101); // 0755: searchable by everyone
    }

    [TearDown]
    public void StopServers()
    {
        foreach (var (listener, server) in _servers)
        {
            listener.Dispose();
            server.Join(TimeSpan.FromSeconds(5));
        }
        if (Directory.Exists(_sockets)) Directory.Delete(_sockets, true);
    }

    /// <summary>A server on <paramref name="name"/> (under a directory of mode <paramref name="dirMode"/>)
    /// with file mode <paramref name="mode"/> and owner <paramref name="owner"/>: it answers each client
    /// with "uid N", N from SO_PEERCRED, and counts what it answered.</summary>
    private string Serve(string name, int mode, int owner = 0, int dirMode = 0b111_101_101)
    {
        string dir = Path.Combine(_sockets, name + ".d");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "s.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(8);
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        if (owner != 0) Assert.That(Mono.Unix.Native.Syscall.chown(path, (uint)owner, (uint)owner), Is.Zero, "chown");
        File.SetUnixFileMode(dir, (UnixFileMode)dirMode);
        var server = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using var c = listener.Accept();
                    var cred = new byte[12];
                    c.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, cred);
                    c.Send(System.Text.Encoding.ASCII.GetBytes($"uid {BitConverter.ToInt32(cred, 4)}\n"));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }) { IsBackground = true };
        server.Start();
        _servers.Add((listener, server));
        return path;
    }

    private const string Client = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(sys.argv[1]); print("reached", s.recv(64).decode().strip())
        except OSError as e:
            print("refused", e.errno)
        """;

    private static readonly string[] Nobody = ["/usr/bin/setpriv", .. OtherUser.NobodyIds];

    /// <summary>What the kernel says to <paramref name="who"/> connecting to <paramref name="path"/>,
    /// unsupervised, and then under agentshell: the two must be the same.</summary>
    private (string Bare, string Supervised, string Stderr) Both(string[] who, string path)
    {
        using var home = new TestHome();
        string[] command = [.. who, "/usr/bin/python3", "-c", Client, path];
        var bare = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true })!;
        string bareOut = bare.StandardOutput.ReadToEnd().Trim();
        bare.WaitForExit();
        var r = home.Run(Guard, command);
        return (bareOut, r.Stdout.Trim(), r.Stderr);
    }

    [Test]
    public void ADroppedUserIsRefusedARootOnlySocket()
    {
        string path = Serve("root-only", 0b110_000_000); // 0600 root
        var (bare, supervised, stderr) = Both(Nobody, path);
        Assert.That(bare, Is.EqualTo("refused 13"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }

    [Test]
    public void ADroppedUserIsRefusedASocketInADirectoryItCannotSearch()
    {
        string path = Serve("closed-dir", 0b110_110_110, dirMode: 0b111_000_000); // 0666 socket, 0700 root dir
        var (bare, supervised, stderr) = Both(Nobody, path);
        Assert.That(bare, Is.EqualTo("refused 13"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }

    [Test]
    public void RootWithoutDacOverrideIsRefusedAnotherUsersSocket()
    {
        string path = Serve("other-user", 0b110_000_000, owner: 4242); // 0600 uid 4242
        string[] noOverride = ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"];
        var (bare, supervised, stderr) = Both(noOverride, path);
        Assert.That(bare, Is.EqualTo("refused 13"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }

    /// <summary>Root in a user namespace of its own (uid 0 mapped to 0): its capabilities hold only over
    /// files whose owner the namespace maps, so the kernel refuses it uid 4242's socket. The ids the
    /// supervisor read were its own, and so were the capabilities' bits: the connect was made as root.</summary>
    [Test]
    public void RootInAUserNamespaceIsRefusedAnotherUsersSocket()
    {
        if (!File.Exists("/usr/bin/unshare")) Assert.Ignore("unshare (util-linux) is not installed here");
        string path = Serve("userns", 0b110_000_000, owner: 4242); // 0600 uid 4242
        var (bare, supervised, stderr) = Both(["/usr/bin/unshare", "-Ur"], path);
        Assert.That(bare, Is.EqualTo("refused 13"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }

    /// <summary>The look-alike: a socket every user may use is reached by the dropped user, and its
    /// server is told that user's uid, not the supervisor's.</summary>
    [Test]
    public void ADroppedUserReachesAnOpenSocketAsItself()
    {
        string path = Serve("open", 0b110_110_110);
        var (bare, supervised, stderr) = Both(Nobody, path);
        Assert.That(bare, Is.EqualTo("reached uid 65534"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }

    /// <summary>The look-alike: a tree with the supervisor's own credentials reaches the root-only socket.</summary>
    [Test]
    public void TheSupervisorsOwnUserStillReachesARootOnlySocket()
    {
        string path = Serve("same-user", 0b110_000_000);
        var (bare, supervised, stderr) = Both([], path);
        Assert.That(bare, Is.EqualTo("reached uid 0"), "the kernel's own answer");
        Assert.That(supervised, Is.EqualTo(bare), stderr);
    }
}
