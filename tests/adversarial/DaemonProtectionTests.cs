namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, classes 2 and 3, in a container's entrypoint: `agentshell daemon`'s own command
/// and every tree `agentshell shell` attaches get the protections `run` gives its tree. Without them
/// the agent could plant a profile for the next run, erase the audit log and delete the daemon's
/// socket (no later shell could attach, and `pending`/`watch` would find nothing).</summary>
[TestFixture]
public sealed class DaemonProtectionTests
{
    private TestHome _home = null!;
    private LoopbackHttpServer _prod = null!;

    [SetUp]
    public void SetUp()
    {
        Attacks.Require("seccomp");
        _home = new TestHome();
        _prod = new LoopbackHttpServer("127.0.0.2");
        File.WriteAllText(_home.AuditLog, ""); // the record the tree tries to erase
        Directory.CreateDirectory(Path.Combine(_home.Dir, "run")); // XDG_RUNTIME_DIR: the control socket's
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        _home.Dispose();
    }

    private Dictionary<string, string> Env => new(_home.Env) { ["XDG_RUNTIME_DIR"] = Path.Combine(_home.Dir, "run") };

    private string[] Options => ["-q", "--audit", _home.AuditLog, "--profile", Repo.DemoProfile, "--pause-timeout", "1"];

    /// <summary>Writes a profile, truncates the audit log, removes the sockets: one status per try.</summary>
    private string[] Attack(string daemonSocket)
    {
        const string planted = """{ "Description": "planted", "Environments": { "production": { "Hosts": [] } } }""";
        return ["bash", "-c",
            $"echo '{planted}' > {_home.Config}/zz.json; echo profile=$?; : > {_home.AuditLog}; echo audit=$?; " +
            $"rm -f {daemonSocket}; echo socket=$?; rm -f {Path.Combine(_home.Dir, "run", "agentshell")}/*.sock; echo control=$?"];
    }

    private void NothingWasChanged(AgentShellRunner.Result r)
    {
        Assert.That(r.Stdout, Does.Contain("profile=1").And.Contain("audit=1").And.Contain("socket=1").And.Contain("control=1"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("zz.json: Read-only file system").And.Contain("audit.jsonl: Read-only file system"));
        Assert.That(Directory.GetFileSystemEntries(_home.Config), Is.Empty);
    }

    [Test]
    public void TheDaemonsOwnCommandCannotWeakenTheNextRunNorCutThePersonOff()
    {
        // The daemon's command is the attack, on the daemon's own socket (in a directory named for agentshell, as the default is).
        string socket = Path.Combine(_home.Dir, "agentshell-daemon", "daemon.sock");
        var r = AgentShellRunner.Run(["daemon", "--socket", socket, .. Options, "--", .. Attack(socket)], TimeSpan.FromMinutes(1), _home.Dir, Env);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        NothingWasChanged(r);
    }

    [Test]
    public void AnAttachedShellCannotWeakenTheNextRunNorCutThePersonOff()
    {
        using var d = BackgroundDaemon.Start(Options, ["sleep", "30"], env: Env).Ready();
        var r = d.Shell(Attack(d.Socket));
        NothingWasChanged(r);
        Assert.That(File.Exists(d.Socket), Is.True, "the daemon's socket was removed");
        // The audit log still records: a DELETE to production from a later shell is blocked and written.
        var del = d.Shell(Repo.Which("curl"), "-s", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(del.Stderr, Does.Contain("[rule demo.http:delete-on-production]"), del.Stdout);
        Assert.That(_prod.Requests, Is.Empty);
        Assert.That(File.ReadAllText(_home.AuditLog), Does.Contain("demo.http:delete-on-production"));
    }

    [Test]
    public void TheLookAlikeOutsideTheTreeMayWriteThere()
    {
        // The same writes from outside any tree succeed: the refusals above are the tree's binds.
        using var d = BackgroundDaemon.Start(Options, ["sleep", "30"], env: Env).Ready();
        File.WriteAllText(Path.Combine(_home.Config, "zz.json"), "{}");
        Assert.That(File.Exists(Path.Combine(_home.Config, "zz.json")), Is.True);
        Assert.That(d.Shell("/bin/echo", "served").Stdout, Is.EqualTo("served\n"));
    }
}
