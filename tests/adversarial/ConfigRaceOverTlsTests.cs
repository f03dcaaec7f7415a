using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A `.curlrc` rewritten between the exec's decision and curl's own read of it: the
/// README says the argv-level decision cannot close that race and that what the tool then sends is
/// still judged at the wire. It was not when the rewritten file also says `http1.0`: curl then
/// offers ALPN "http/1.0" alone, the wire terminated TLS only for http/1.1 (or no ALPN), and
/// passed the connection through on the exec's trust, so the DELETE went out undecided (main
/// 5862d2e: 5 DELETEs in 40 tries, seccomp mode, wire on). Here a tree process flips ~/.curlrc
/// (link + rename) between an empty one and `http1.0 / insecure / request = "DELETE"` while plain
/// `curl https://prod/…` GETs run: each curl that read the DELETE must get the wire's 403.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed partial class ConfigRaceOverTlsTests(string guard) : HttpsProductionFixture
{
    private const string Race = """
        import os, sys, subprocess, threading
        home, url, curl, want, most, evil = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
        rc, good, bad = os.path.join(home, ".curlrc"), os.path.join(home, "good"), os.path.join(home, "bad")
        open(good, "w").write("silent\n")
        open(bad, "w").write(evil)
        stop = False
        def flip():
            i = 0
            while not stop:
                tmp = rc + ".tmp"
                try:
                    os.link(good if i % 2 == 0 else bad, tmp); os.rename(tmp, rc)
                except FileExistsError:
                    os.unlink(tmp)
                i += 1
        t = threading.Thread(target=flip); t.start()
        codes, tries = {}, 0
        # Until curl read the rewritten file `want` times (the wire's 403, or 000: a refused handshake), or `most` tries.
        while tries < most and codes.get("403", 0) + codes.get("000", 0) < want:
            tries += 1
            try:
                r = subprocess.run([curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", url + str(tries)], capture_output=True, text=True)
                code = r.stdout or "rc%d" % r.returncode
            except PermissionError:
                code = "refused"
            codes[code] = codes.get(code, 0) + 1
        stop = True; t.join()
        print("tries", tries, "codes", " ".join(f"{k}={v}" for k, v in sorted(codes.items())), flush=True)
        """;

    [Test]
    public void ACurlrcSwappedAfterTheDecisionToHttp10SendsNoDelete() => RaceSendsNoDelete("http1.0\ninsecure\nrequest = \"DELETE\"\n", ownCa: false);

    /// <summary>The same race where the rewritten file brings its own trust (`cacert = the server's
    /// real CA`): the first curl that reads it fails its handshake with the run CA's leaf, and
    /// DistrustingClients remembers /usr/bin/curl for that server, so later curl connections there
    /// are not decided at the wire. They used to pass on the exec's trust, and the next curl that
    /// read the DELETE sent it undecided (redteam21: 11 of 13). Now such a connection passes on the
    /// exec's trust only while nothing the exec's decision read has changed since (ConfigReads): the
    /// flipping ~/.curlrc has, so it gets an unknown client's decision (supervisor:config-changed:
    /// paused, and refused when the one-second pause times out).</summary>
    [Test]
    public void ACurlrcSwappedAfterTheDecisionToItsOwnCaSendsNoDelete() => RaceSendsNoDelete($"cacert = \"{Ca.PemFile}\"\nrequest = \"DELETE\"\n", ownCa: true);

    private void RaceSendsNoDelete(string evil, bool ownCa)
    {
        Attacks.Require(guard);
        using var home = new TestHome();
        var script = Path.Combine(home.Dir, "race.py");
        File.WriteAllText(script, Race);
        var env = home.Env;
        env["SSL_CERT_FILE"] = Ca.PemFile;
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--audit", home.AuditLog, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--",
            Repo.Python, script, home.Dir, Https.Url("/volumes/"), Repo.Which("curl"), "10", "300", evil], TimeSpan.FromMinutes(5), home.Dir, env);
        Thread.Sleep(100); // a request still in flight
        TestContext.Out.WriteLine($"{guard}: {r.Stdout.Trim()}; production got {string.Join(", ", Https.Requests.GroupBy(q => q.Method).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.That(Https.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, $"a destructive request reached production\n{r.Stdout}\n{r.Stderr}");
        // The attack ran: curls read the rewritten file (the wire's 403 to its DELETE, or a failed
        // handshake where it brought its own CA).
        Assert.That(r.Stdout, Does.Contain("tries "), $"no summary\n{r.Stderr}");
        int read = Codes().Matches(r.Stdout).Sum(m => int.Parse(m.Groups[1].Value));
        Assert.That(read, Is.GreaterThan(0), $"no curl read the rewritten .curlrc: the race was not run\n{r.Stdout}");
        if (!ownCa) Assert.That(Https.Requests, Is.Not.Empty, r.Stderr); // plain GETs got through the wire
        // Once curl is a client that refuses the run CA, its connections are no longer decided at the
        // wire; with ~/.curlrc changing, each is an unknown client's, under the supervisor's rule.
        else Assert.That(File.ReadAllText(home.AuditLog), Does.Contain("supervisor:config-changed"), r.Stderr);
    }

    [GeneratedRegex(@"\b(?:403|000)=(\d+)")]
    private static partial Regex Codes();
}
