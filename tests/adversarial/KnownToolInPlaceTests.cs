using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A known tool's file written in place (same inode) by the tree: a root tree can write
/// /usr/bin/curl, and an ordinary user's tree can write the tools installed in a directory it owns
/// (pip's and npm's <c>~/.local/bin</c>, <c>node_modules/.bin</c>). The tools found on PATH at start
/// are known by inode; on main 4d7a276 the program written into curl's inode was still "curl",
/// its `-X GET` was understood, and it was trusted with production: the DELETE it sent arrived
/// (both modes, as root and as nobody). Here a copy of curl in a directory on PATH stands for the
/// installed tool (a shared machine's /usr/bin/curl is not the test's to overwrite).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class KnownToolInPlaceTests(string guard) : TrustAtExecFixture(guard)
{
    private string ToolDir => Path.Combine(Home.Dir, ".local", "bin");

    private AgentShellRunner.Result Run(string script)
    {
        Directory.CreateDirectory(ToolDir);
        File.Copy(Repo.Which("curl"), Path.Combine(ToolDir, "curl"), true);
        var env = Home.Env;
        env["PATH"] = ToolDir + ":" + Environment.GetEnvironmentVariable("PATH");
        return AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Profile, "--audit", Home.AuditLog, "--", "bash", "-c", script],
            TimeSpan.FromMinutes(1), Home.Dir, env);
    }

    [Test]
    public void AKnownToolOnPathIsTrusted()
    {
        // The look-alike: the installed curl, untouched, reaches production.
        var r = Run($"curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/volumes/1")}");
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
    }

    [Test]
    public void AProgramWrittenIntoAKnownToolsFileIsNotThatTool()
    {
        string evil = Attacks.Program("not-curl");
        // First a trusted exec of the real file, then the same inode holds another program.
        var r = Run($"curl -s -o /dev/null -w '%{{http_code}} ' {Prod.Url("/before")}; cat {evil} > {ToolDir}/curl; " +
            $"curl -s -X GET {Prod.Url("/volumes/1")}");
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("200 "), "the untouched curl went through first");
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
    }

    // 30 counted runs by default, not 100: each costs many tries here (most copies meet the other
    // program or a rewrite and are killed; 1.3 s a run in the fresh-clone CI), and the code before the
    // fix (5f5f5f0, rewrite-race.py under load 17-19) sent 13-18 DELETEs per 30 runs in 3 runs of
    // each mode, so 30 runs miss the attack with odds of about 0.57^30 = 5e-8.
    // AGENTSHELL_ADVERSARIAL_TRIES sets any number for a longer hunt.
    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("AGENTSHELL_ADVERSARIAL_TRIES"), out int n) && n > 0 ? n : 30;

    [Test]
    public void AProgramWrittenIntoACopyOfCurlBetweenItsCheckAndItsExecDoesNotRun()
    {
        // A copy of curl is curl by its bytes when its exec is decided; a thread of the tree writes
        // another program into it in place (no new inode) before the kernel opens it for the exec.
        // On main 4d7a276: 40-77 (seccomp) and 33 (kernel) DELETEs in 100 runs. The kernel's open for
        // the exec stops further writes (ETXTBSY), and the ctime the decision saw tells one made
        // before it: such an exec is killed at its exec event (supervisor:exec-changed).
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Profile, "--audit", Home.AuditLog, "--", Repo.Python,
            Path.Combine(Repo.Root, "tests", "adversarial", "native", "rewrite-race.py"), Repo.Which("curl"), Attacks.Program("not-curl"), Prod.Url("/volumes/1"), Tries.ToString()],
            TimeSpan.FromMinutes(5), Home.Dir, Home.Env);
        Thread.Sleep(100);
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
        Assert.That(r.Stdout, Does.Contain($"ran {Tries}"), $"the race was not run\n{r.Stderr}");
    }
}

/// <summary>The same attack in an ordinary user's run (nobody, seccomp mode, its own user and pid
/// namespaces), where it is the plain case: a tool in the user's own <c>~/.local/bin</c>.</summary>
[TestFixture]
public sealed class KnownToolInPlaceAsAUserTests
{
    [Test]
    public void AProgramWrittenIntoAToolInTheUsersOwnBinIsNotThatTool()
    {
        Attacks.Require("seccomp");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        string dir = Directory.CreateTempSubdirectory("agentshell-adv-inplace-").FullName;
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ff); // 777: nobody's HOME
            string bin = Path.Combine(dir, ".local", "bin");
            string profile = Path.Combine(dir, "block.json");
            File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
            File.SetUnixFileMode(profile, (UnixFileMode)0x1a4);
            string evil = Path.Combine(dir, "not-curl");
            File.Copy(Attacks.Program("not-curl"), evil);
            File.SetUnixFileMode(evil, (UnixFileMode)0x1ed);
            var nobody = OtherUser.Nobody(dir);
            // nobody installs its own curl, as pip or npm would.
            var setup = nobody.Run(null, "/bin/sh", "-c", $"mkdir -p {bin} && cp {Repo.Which("curl")} {bin}/curl");
            Assert.That(setup.ExitCode, Is.EqualTo(0), setup.Stderr);
            var env = new Dictionary<string, string> { ["PATH"] = bin + ":/usr/local/bin:/usr/bin:/bin" };
            string script = $"curl -s -o /dev/null -w '%{{http_code}} ' {prod.Url("/before")}; cat {evil} > {bin}/curl; curl -s -X GET {prod.Url("/volumes/1")}";
            var r = nobody.Run(env, nobody.AgentShell(), "run", "--connect-guard", "seccomp", "--profile", profile, "--", "bash", "-c", script);
            Thread.Sleep(100);
            Assert.That(prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
            Assert.That(r.Stdout, Does.StartWith("200 "), $"the untouched curl went through first\n{r.Stderr}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void AProgramWrittenIntoAKnownToolIsNotThatToolInADaemonsCommand()
    {
        // The same in an `agentshell daemon`'s command (root): its identities are found at the
        // daemon's start, from the daemon's PATH.
        Attacks.Require("seccomp");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        string dir = Directory.CreateTempSubdirectory("agentshell-adv-inplace-").FullName;
        try
        {
            string bin = Directory.CreateDirectory(Path.Combine(dir, ".local", "bin")).FullName;
            File.Copy(Repo.Which("curl"), Path.Combine(bin, "curl"));
            string profile = Path.Combine(dir, "block.json");
            File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
            var env = new Dictionary<string, string>
            {
                ["HOME"] = dir, ["XDG_RUNTIME_DIR"] = Path.Combine(dir, "run"), ["XDG_STATE_HOME"] = dir, ["XDG_CONFIG_HOME"] = Path.Combine(dir, "config"),
                ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            };
            string script = $"curl -s -o /dev/null -w '%{{http_code}} ' {prod.Url("/before")}; cat {Attacks.Program("not-curl")} > {bin}/curl; curl -s -X GET {prod.Url("/volumes/1")}";
            var r = AgentShellRunner.Run(["daemon", "-q", "--profile", profile, "--pause-timeout", "1", "--", "bash", "-c", script], TimeSpan.FromMinutes(1), dir, env);
            Thread.Sleep(100);
            Assert.That(prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
            Assert.That(r.Stdout, Does.StartWith("200 "), $"the untouched curl went through first\n{r.Stderr}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
