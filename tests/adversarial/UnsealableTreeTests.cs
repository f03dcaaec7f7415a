using System.Net;
using System.Net.Sockets;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11: a tool trusted with production is sealed (made unreachable to the rest of the
/// tree) before it runs. A daemon run by an ordinary user can seal only in a tree that has a user
/// namespace of its own (it holds CAP_SYS_PTRACE there); where it cannot, the tool must not be
/// trusted, or any process of the tree takes its production connection (pidfd_getfd), attaches to
/// it or writes its memory.</summary>
[TestFixture]
public sealed class UnsealableTreeTests
{
    private TcpListener _silent = null!;
    private readonly List<Socket> _held = [];
    private string _dir = null!, _profile = null!, _takeOver = null!, _url = null!;

    [SetUp]
    public void SetUp()
    {
        Attacks.Require("seccomp");
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("needs root to run the daemon as another user (setpriv)");
        // Production that accepts and never answers: a trusted curl stays connected, holding its socket.
        _silent = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        _silent.Start();
        _ = Task.Run(async () => { try { while (true) { var s = await _silent.AcceptSocketAsync(); lock (_held) _held.Add(s); } } catch (Exception) { /* stopped: the test is over */ } });
        _url = $"http://127.0.0.2:{((IPEndPoint)_silent.LocalEndpoint).Port}/x";
        _dir = Directory.CreateTempSubdirectory("agentshell-unsealable-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ff); // nobody's HOME and runtime directory
        _profile = Path.Combine(_dir, "block.json");
        File.WriteAllText(_profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
        _takeOver = Path.Combine(_dir, "take-over.py");
        File.Copy(Path.Combine(Repo.Root, "tests", "adversarial", "native", "take-over.py"), _takeOver);
        File.SetUnixFileMode(_profile, (UnixFileMode)0x1a4); // 644
        File.SetUnixFileMode(_takeOver, (UnixFileMode)0x1a4);
    }

    [TearDown]
    public void TearDown()
    {
        if (_silent == null) return;
        _silent.Stop();
        _silent.Dispose();
        lock (_held)
        {
            foreach (var s in _held) s.Dispose();
            _held.Clear(); // one fixture instance serves every test
        }
        Directory.Delete(_dir, true);
    }

    [Test]
    public void ATrustedToolOfAnUnprotectedDaemonRunByAnOrdinaryUserCannotBeTakenOver()
    {
        // unshare(2) refused, as in a restricted container: the daemon's tree gets no user namespace
        // of its own, so the daemon has no CAP_SYS_PTRACE over it and cannot seal curl. curl's exec
        // was understood (a GET), but it runs untrusted, and the profile blocks unknown clients on
        // production, so it never holds a connection there for the tree to take.
        var nobody = OtherUser.Nobody(_dir);
        var gate = Attacks.Program("unshare-gate", "bench");
        File.Copy(gate, Path.Combine(_dir, "unshare-gate"));
        var r = nobody.Run(null, Path.Combine(_dir, "unshare-gate"), "--deny", nobody.AgentShell(), "daemon", "-q", "--profile", _profile, "--", Repo.Python, _takeOver, _url);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:unprotected-files]"), r.Stdout);
        Assert.That(r.Stderr, Does.Contain("runs without production trust").And.Contain("cannot be made unreachable"), r.Stdout);
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(r.Stdout, Does.Not.Contain("getfd ok"));
        lock (_held) Assert.That(_held, Is.Empty, "curl connected to production while the tree could take it over");
    }

    [Test]
    public void ATrustedToolOfAProtectedDaemonRunByAnOrdinaryUserIsSealedAndConnects()
    {
        // The look-alike: the same daemon where user namespaces work gives its tree one of its own,
        // over which it holds every capability: curl is sealed, stays trusted and connects.
        var nobody = OtherUser.Nobody(_dir);
        var r = nobody.Run(null, nobody.AgentShell(), "daemon", "-q", "--profile", _profile, "--", Repo.Python, _takeOver, _url);
        Assert.That(r.Stdout, Does.Contain("getfd refused").And.Contain("attach refused").And.Contain("mem refused"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("runs without production trust"));
        lock (_held) Assert.That(_held, Is.Not.Empty, "curl was trusted and connected");
    }

    [Test]
    public void ATrustedToolOfADaemonRunByRootIsSealedAndConnects()
    {
        // The look-alike: the same daemon as root seals curl, which stays trusted and connects.
        var env = new Dictionary<string, string> { ["HOME"] = _dir, ["XDG_RUNTIME_DIR"] = Path.Combine(_dir, "root-run"), ["XDG_STATE_HOME"] = _dir, ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "root-config") };
        var r = AgentShellRunner.Run(["daemon", "-q", "--profile", _profile, "--", Repo.Python, _takeOver, _url], TimeSpan.FromMinutes(1), _dir, env);
        Assert.That(r.Stdout, Does.Contain("getfd refused").And.Contain("attach refused").And.Contain("mem refused"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("runs without production trust"));
        lock (_held) Assert.That(_held, Is.Not.Empty, "curl was trusted and connected");
    }
}
