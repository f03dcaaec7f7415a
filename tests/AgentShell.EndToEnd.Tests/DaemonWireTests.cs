using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The wire layer in a container's entrypoint: `agentshell daemon`'s own command and the
/// trees `agentshell shell` attaches have their TLS to production terminated with the daemon's CA,
/// as under `run` (WireTests), so what a client sends over HTTPS is decided, not who sends it. The
/// stand-in server is verified against a test CA given to the daemon through SSL_CERT_FILE.</summary>
[TestFixture]
public sealed class DaemonWireTests : HttpsProductionFixture
{
    private string GetThenDelete => WireTests.PyGo + $"\ngo('GET', '{Https.Url("/volumes/1")}')\ngo('DELETE', '{Https.Url("/volumes/1")}')";

    private void GetPassedAndDeleteWasRefusedAtOnce(AgentShellRunner.Result r)
    {
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "GET 200", "DELETE 403 demo.http:delete-on-production" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked http DELETE {Https.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(r.Stderr, Does.Not.Contain("paused"));
        Assert.That(Https.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [Test]
    public void AnAttachedShellsPythonGetPassesAndItsDeleteIsRefusedAtOnce()
    {
        // The shell's own environment names no bundle: its tree's clients get the system's plus the daemon's CA.
        using var d = BackgroundDaemon.Start(["-q", "--profile", Repo.DemoProfile, "--pause-timeout", "30"], ["sleep", "120"], env: CaEnv).Ready();
        GetPassedAndDeleteWasRefusedAtOnce(d.Shell(Repo.Python, "-c", GetThenDelete));
    }

    [Test]
    public void TheDaemonsOwnCommandIsDecidedAtTheWireToo()
    {
        // Its SSL_CERT_FILE (the test CA) is extended with the daemon's CA, as run extends a person's bundle.
        var dir = Directory.CreateTempSubdirectory("agentshell-daemon-").FullName;
        try
        {
            var r = AgentShellRunner.Run(["daemon", "-q", "--socket", Path.Combine(dir, "daemon.sock"),
                "--profile", Repo.DemoProfile, "--pause-timeout", "30", "--", Repo.Python, "-c", GetThenDelete], TimeSpan.FromMinutes(1), env: CaEnv);
            GetPassedAndDeleteWasRefusedAtOnce(r);
        }
        finally { Directory.Delete(dir, true); }
    }
}
