using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>An untrusted program makes /proc/PID/exe name a profile's named client before it
/// connects: prctl(PR_SET_MM, PR_SET_MM_MAP) with an exe_fd needs only CAP_SYS_ADMIN (or
/// CAP_CHECKPOINT_RESTORE) in the caller's user namespace, so a root tree can do it, and so can any
/// tree after `unshare -U -r`; the program first moves its code to anonymous memory, since the kernel
/// swaps the link only once no mapping of the old file is left (native/forge-exe.c). A profile's
/// <c>Network.Clients</c> and a pause's text are read from that link at connect time. On main
/// 8a88507, seccomp mode: with /usr/bin/curl named a production client, the forged program's
/// DELETE arrived, as root and after unshare -U (kernel mode refused it: the kernel decided the
/// profile's block itself, naming the program "curl"). Now the filter refuses PR_SET_MM (EPERM).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ForgedExeTests(string guard) : ProductionFixture(guard)
{
    private TestHome _home = null!;
    private string _profile = null!;

    [SetUp]
    public void WriteProfile()
    {
        _home = new TestHome();
        _profile = Path.Combine(_home.Dir, "clients.json");
        File.WriteAllText(_profile, $$"""{ "Description": "test: 127.0.0.2 is production, curl its named client; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block", "Clients": { "production": ["{{Repo.Which("curl")}}"] } } }""");
    }

    [TearDown]
    public void RemoveHome() => _home.Dispose();

    private AgentShellRunner.Result Run(string script) =>
        AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", _profile, "--audit", _home.AuditLog, "--", "bash", "-c", script], TimeSpan.FromMinutes(1), _home.Dir, _home.Env);

    [Test]
    public void TheNamedClientReachesProduction()
    {
        var r = Run($"curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/volumes/1")}");
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
    }

    [TestCase("")]
    [TestCase("unshare -U -r ")]
    public void AProgramThatRenamesItsExeIsNotTheNamedClient(string prefix)
    {
        string forge = Attacks.Program("forge-exe");
        var r = Run($"{prefix}{forge} {Repo.Which("curl")} {Prod.Url("/volumes/1")}");
        Thread.Sleep(100);
        Assert.That(Prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stdout + r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("prctl 001"), "PR_SET_MM is refused with EPERM\n" + r.Stderr);
    }
}
