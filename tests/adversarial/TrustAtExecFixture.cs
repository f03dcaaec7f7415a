using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>What the attacks on the trust given at an exec share: a production stand-in on 127.0.0.2
/// and a profile that blocks unknown clients there, with the wire off (with it on, every client's
/// HTTP to production is decided per request at the wire, and what these tests prove is the trust
/// given at the exec).</summary>
public abstract class TrustAtExecFixture(string guard) : ProductionFixture(guard)
{
    private protected TestHome Home = null!;
    private protected string Profile = null!;

    [SetUp]
    public void WriteProfile()
    {
        Home = new TestHome();
        Profile = Path.Combine(Home.Dir, "block.json");
        File.WriteAllText(Profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
    }

    [TearDown]
    public void RemoveHome() => Home.Dispose();

    /// <summary>`agentshell run … -- bash -c SCRIPT` in a private mount namespace of the test's own
    /// (as root), after <paramref name="mounts"/> (sh, given <paramref name="args"/> as $1…, which it
    /// shifts away) has run there: what it mounts is the run's and no one else's on the machine.</summary>
    private protected AgentShellRunner.Result RunInOwnMounts(string mounts, string[] args, string script)
    {
        var psi = new ProcessStartInfo(Repo.Setsid) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Home.Dir };
        foreach (var a in (string[])["--wait", "unshare", "-m", "--propagation", "private", "--", "sh", "-c", mounts + " && exec \"$@\"", "sh", .. args,
            Repo.AgentShell, "run", "--connect-guard", Guard, "--profile", Profile, "--audit", Home.AuditLog, "--", "bash", "-c", script])
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in Home.Env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"the run did not finish in time; stderr so far: {se.Result}");
        }
        p.WaitForExit();
        return new AgentShellRunner.Result(p.ExitCode, so.Result, se.Result);
    }
}
