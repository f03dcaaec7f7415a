namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A library that leaves no file in the maps by the time of the connect. `curl --engine
/// PATH` dlopens PATH (OpenSSL's ENGINE_by_id loads an id that is a path), a plain option to the
/// command's decision; the library written in the run (vanishing-engine.c) copies a routine into
/// an anonymous executable page, which unmaps every mapping of the library and then connects and
/// sends a DELETE from the trusted curl. The mapping check passes over anonymous mappings, so it
/// saw only curl's own files, older than the run: on main 31aec79 the DELETE was delivered (both
/// guards). Now a path given to --engine makes curl's effect unknown (Curl.Parse), so the exec
/// itself is paused (and, unanswered, refused) before any code of the library is loaded.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class VanishingLibraryTests(string guard) : TrustAtExecFixture(guard)
{
    private AgentShellRunner.Result Run(string script) =>
        AgentShellRunner.Run(["run", "-q", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--pause-timeout", "1", "--", "bash", "-c", script],
            TimeSpan.FromMinutes(2), Home.Dir, Home.Env);

    [Test]
    public void ACurlThatLoadsAnEngineByPathIsNotLetThrough()
    {
        string engine = Path.Combine(Home.Dir, "engine.so");
        var r = Run($"cp {Attacks.Plugin("vanishing-engine")} {engine}; curl -s -o /dev/null {Prod.Url("/before")}; curl -s --engine {engine} {Prod.Url("/volumes/1")}");
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stdout + r.Stderr);
        // The look-alike (an engine by name stays a read) is a corpus row; the untouched curl's GET is not
        // asserted: a file made in /tmp by anything else between its decision and its connect turns it
        // into supervisor:config-changed (its curlrc lookup passes /tmp).
        Assert.That(r.Stderr, Does.Contain("[rule default.any:unknown-effect-on-production]"));
        Assert.That(r.Stdout, Is.Empty, "the library's routine ran and printed a status");
    }
}
