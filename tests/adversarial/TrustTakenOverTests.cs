using System.Net;
using System.Net.Sockets;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 15, class 6: a tool trusted with production (its command line was understood)
/// is used by something else: code its environment makes it load, a tracer, or a process that
/// takes its sockets or memory. The profile blocks unknown clients, so a tool that is not trusted
/// gets nowhere on production.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class TrustTakenOverTests(string guard) : TrustAtExecFixture(guard)
{
    private AgentShellRunner.Result Run(params string[] command) =>
        AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Profile, "--", .. command], TimeSpan.FromMinutes(1), Home.Dir, Home.Env);

    [Test]
    public void ATrustedToolReachesProduction()
    {
        // The look-alike: the same curl, nothing else in it.
        var r = Run(Repo.Which("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", Prod.Url("/x"));
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
    }

    [TestCase("LD_PRELOAD", "/lib/x86_64-linux-gnu/libc.so.6")]
    [TestCase("OPENSSL_CONF", "/tmp/evil.cnf")]
    [TestCase("OPENSSL_MODULES", "/tmp/evil")]
    [TestCase("GCONV_PATH", "/tmp/evil")]
    public void AToolStartedWithCodeLoadingConfigurationIsNotTrusted(string variable, string value)
    {
        var r = Run("env", $"{variable}={value}", Repo.Which("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", Prod.Url("/x"));
        Assert.That(r.Stdout, Is.EqualTo("000"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:foreign-code]"));
        // Root mode writes the kernel's refusal just after it: curl may have exited first (README, limits).
        if (Guard == "seccomp") Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void AToolWhoseCodeLoadingVariableIsSetInASecondEntryIsNotTrusted()
    {
        // An environment may name a variable twice. getenv(3) takes the first entry (empty here),
        // ld.so the last one, which preloads a library: python execs curl with both.
        const string Exec = "import os, sys\n" +
            "class Env:\n" +
            "    kv = [('LD_PRELOAD', ''), ('LD_PRELOAD', '/lib/x86_64-linux-gnu/libc.so.6')]\n" +
            "    def keys(self): return [k for k, _ in self.kv]\n" +
            "    def values(self): return [v for _, v in self.kv]\n" +
            "    def __getitem__(self, k): return dict(self.kv)[k]\n" +
            "    def __len__(self): return len(self.kv)\n" +
            "os.execve(sys.argv[1], sys.argv[1:], Env())\n";
        var r = Run("python3", "-c", Exec, Repo.Which("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", Prod.Url("/x"));
        Assert.That(r.Stdout, Is.EqualTo("000"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:foreign-code]"));
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void AToolStartedInAMountNamespaceMadeInsideTheTreeIsNotTrusted()
    {
        // A mount namespace of the tree's making can give curl its own /etc and libraries (unshare
        // without its usual remount: the mount family of calls is refused to a root tree).
        var r = Run("unshare", "-m", "--propagation", "unchanged", Repo.Which("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", Prod.Url("/x"));
        Assert.That(r.Stdout, Is.EqualTo("000"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:other-root]"));
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void AToolStartedInANamespaceThatIsNotAMountNamespaceIsTrusted()
    {
        // The look-alike: a hostname namespace of its own changes nothing curl loads.
        var r = Run("unshare", "-u", Repo.Which("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", Prod.Url("/x"));
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("supervisor:other-root"));
    }

    [Test]
    public void AToolUnderATracerIsNotRun()
    {
        const string strace = "/usr/bin/strace";
        if (!File.Exists(strace)) Assert.Ignore("strace is not installed");
        var r = Run(strace, "-f", "-o", "/dev/null", Repo.Which("curl"), "-s", "-o", "/dev/null", Prod.Url("/x"));
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:exec-unverifiable]"));
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void AToolWhoseTreeCannotBeHeldStillIsNotTrusted()
    {
        // Another process of the tree traced by a third (strace -p): the supervisor cannot hold the
        // tree still while curl's exec commits (issue 11), so curl runs untrusted and the profile
        // blocks it on production. Look-alike: the same curl without the traced sleeper reaches it
        // (ATrustedToolReachesProduction).
        const string strace = "/usr/bin/strace";
        if (!File.Exists(strace)) Assert.Ignore("strace is not installed");
        var script = $"sleep 30 & s=$!; {strace} -o /dev/null -p $s & t=$!; " +
            "for i in $(seq 50); do grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/$s/status && break; sleep 0.1; done; " +
            $"{Repo.Which("curl")} -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/x")}; kill $t $s";
        var r = Run("bash", "-c", script);
        Assert.That(Prod.Requests, Is.Empty, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("runs without production trust").And.Contain("is traced by pid"));
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
    }

    [Test]
    public void ATrustedToolsSocketsAndMemoryCannotBeTaken()
    {
        // A server that accepts and never answers: curl stays connected, holding its socket.
        using var silent = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        silent.Start();
        var held = new List<Socket>();
        _ = Task.Run(async () => { try { while (true) held.Add(await silent.AcceptSocketAsync()); } catch (Exception) { /* stopped: the test is over */ } });
        var url = $"http://127.0.0.2:{((IPEndPoint)silent.LocalEndpoint).Port}/x";
        var r = Run(Repo.Python, Path.Combine(Repo.Root, "tests", "adversarial", "native", "take-over.py"), url);
        Assert.That(r.Stdout, Does.Contain("getfd refused").And.Contain("attach refused").And.Contain("mem refused"), r.Stderr);
        Assert.That(held, Is.Not.Empty, "curl was trusted and connected");
        foreach (var s in held) s.Dispose();
    }

    [Test]
    public void ChrootInTheTreesOwnMountNamespaceIsRefused()
    {
        // A thread that chroots while a sibling execs a trusted tool would give it another root's
        // libraries and /etc (as root here: the tree cannot make a mount namespace of its own).
        var r = Run("bash", "-c", "chroot / /bin/true; echo rc=$?");
        Assert.That(r.Stdout, Does.Contain("rc=125"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:chroot]"));
    }
}
