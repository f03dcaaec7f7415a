using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A library replaced for the tree alone: in a mount namespace of its own (nobody's user
/// namespace in seccomp mode, root's in root mode) the tree bind-mounts a library from before the
/// run (evil-libcurl.c, whose constructor sends a DELETE) over the system's libcurl, then runs a
/// trusted `curl -X GET`. /proc/PID/maps names the system path, where the supervisor, in its own
/// namespace, finds another file than the one mapped. On main 31aec79 nothing was delivered: seccomp mode makes the namespace and
/// gives curl no trust in it (supervisor:other-root); root mode refuses the namespace's mounts.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class BindMountedLibraryTests(string guard)
{
    [Test]
    public void ALibraryBindMountedInANamespaceOfTheTreesGetsNoTrust()
    {
        Attacks.Require(guard);
        if (Environment.UserName != "root") Assert.Ignore("runs as nobody (seccomp) or as root (kernel): needs root");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        string dir = Directory.CreateTempSubdirectory("agentshell-adv-bind-").FullName;
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ed);
            string evil = Path.Combine(dir, "evil.so");
            File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl")), evil);
            File.SetUnixFileMode(evil, (UnixFileMode)0x1a4);
            string lib = new FileInfo("/usr/lib/x86_64-linux-gnu/libcurl.so.4").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/usr/lib/x86_64-linux-gnu/libcurl.so.4";
            if (!File.Exists(lib)) Assert.Ignore("no system libcurl.so.4 at the Debian path");
            string profile = Path.Combine(dir, "block.json");
            File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
            var user = guard == "seccomp" ? OtherUser.Nobody(dir) : new OtherUser(dir);
            // Made before the run, so that the run's own state and sockets change nothing on the way to
            // the curlrc the untouched curl looks for (else: supervisor:config-changed).
            string[] made = [Path.Combine(dir, "config"), Path.Combine(dir, "agentshell")];
            foreach (var d in made) Directory.CreateDirectory(d);
            File.SetUnixFileMode(made[1], (UnixFileMode)0x1c0); // 0700: the run's sockets
            if (guard == "seccomp") Process.Start("chown", ["65534:65534", dir, .. made])!.WaitForExit(); // its home; evil.so stays root's
            string ns = guard == "seccomp" ? "unshare -Urm" : "unshare -m --propagation private";
            Thread.Sleep(200); // evil.so and the directories are older than the run
            var r = user.Run(new Dictionary<string, string> { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" }, user.AgentShell(), "run", "--connect-guard", guard, "--profile", profile, "--", "bash", "-c",
                $"curl -s -o /dev/null -w '%{{http_code}} ' {prod.Url("/before")}; {ns} sh -c 'mount --bind {evil} {lib} && curl -s -X GET {prod.Url("/volumes/1")}'; echo \" rc=$?\"");
            Thread.Sleep(100); // a request still in flight
            TestContext.Out.WriteLine($"{guard}: {r.Stdout.Trim()} | {r.Stderr}");
            Assert.That(prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stdout + r.Stderr);
            // Not asserted: the untouched curl's GET, which a file made in /tmp by anything else on the
            // machine between its decision and its connect turns into supervisor:config-changed (its
            // curlrc lookup passes /tmp).
            // Seccomp mode: the namespace is made and curl is refused trust in it; root mode refuses the namespace.
            Assert.That(r.Stderr, Does.Contain(guard == "seccomp" ? "[rule supervisor:other-root]" : "cannot change root filesystem propagation"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
