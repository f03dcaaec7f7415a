using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary><see cref="ConfigLookupTests"/>'s first attack (`HOME=/proc/self/cwd` and a .curlrc
/// saying DELETE in the cwd, behind a plain `curl https://prod/…`) in the other trees: a run by an
/// ordinary user (nobody, seccomp mode, its own user and pid namespaces) and the command of an
/// `agentshell daemon` (root). On main 5862d2e both delivered the DELETE (nobody: tried by hand).</summary>
[TestFixture]
public sealed class ConfigLookupOtherTreesTests
{
    private LoopbackHttpServer _prod = null!;
    private string _dir = null!, _profile = null!, _evil = null!;

    [SetUp]
    public void SetUp()
    {
        Attacks.Require("seccomp");
        _prod = new LoopbackHttpServer("127.0.0.2");
        _dir = Directory.CreateTempSubdirectory("agentshell-adv-cfg-").FullName;
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1ff); // 777: nobody's HOME
        _evil = Path.Combine(_dir, "evil");
        Directory.CreateDirectory(_evil);
        File.WriteAllText(Path.Combine(_evil, ".curlrc"), "request = \"DELETE\"\n");
        File.SetUnixFileMode(_evil, (UnixFileMode)0x1ed);
        _profile = Path.Combine(_dir, "block.json");
        File.WriteAllText(_profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
        File.SetUnixFileMode(_profile, (UnixFileMode)0x1a4);
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        Directory.Delete(_dir, true);
    }

    private string Attack => $"cd {_evil}; HOME=/proc/self/cwd {Repo.Which("curl")} -sS {_prod.Url("/volumes/1")}";
    private string Control => $"HOME=/ XDG_CONFIG_HOME=/ {Repo.Which("curl")} -sS {_prod.Url("/control")}";

    private void NothingDestructiveAndTheControlGot(AgentShellRunner.Result r, AgentShellRunner.Result control)
    {
        Thread.Sleep(100); // a request still in flight
        Assert.That(_prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty,
            $"a destructive request reached production\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        Assert.That(_prod.Requests.Select(q => q.Path), Does.Contain("/control"), control.Stderr);
    }

    [Test]
    public void AnOrdinaryUsersRunDoesNotTakeAConfigThroughProcSelfForEmpty()
    {
        var nobody = OtherUser.Nobody(_dir);
        string[] run = [nobody.AgentShell(), "run", "--connect-guard", "seccomp", "--profile", _profile, "--pause-timeout", "1", "--", "bash", "-c"];
        var r = nobody.Run(null, [.. run, Attack]);
        var control = nobody.Run(null, [.. run, Control]);
        NothingDestructiveAndTheControlGot(r, control);
    }

    [Test]
    public void ADaemonsCommandDoesNotTakeAConfigThroughProcSelfForEmpty()
    {
        var env = new Dictionary<string, string> { ["HOME"] = _dir, ["XDG_RUNTIME_DIR"] = Path.Combine(_dir, "run"), ["XDG_STATE_HOME"] = _dir, ["XDG_CONFIG_HOME"] = Path.Combine(_dir, "config") };
        string[] daemon = ["daemon", "-q", "--profile", _profile, "--pause-timeout", "1", "--", "bash", "-c"];
        var r = AgentShellRunner.Run([.. daemon, Attack], TimeSpan.FromMinutes(1), _dir, env);
        var control = AgentShellRunner.Run([.. daemon, Control], TimeSpan.FromMinutes(1), _dir, env);
        NothingDestructiveAndTheControlGot(r, control);
    }
}
