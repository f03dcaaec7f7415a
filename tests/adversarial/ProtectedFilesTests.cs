namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, class 2: the agent weakens the next run or erases the record. The launcher
/// binds the profile directories, the audit log's directory, the control sockets and agentshell's
/// own files read-only in a mount namespace of the tree's own: every write fails, nothing the tree
/// does in the mount family undoes it, and the next run still blocks.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ProtectedFilesTests(string guard)
{
    private LoopbackHttpServer _prod = null!;
    private TestHome _home = null!;

    [SetUp]
    public void SetUp()
    {
        Attacks.Require(guard);
        _prod = new LoopbackHttpServer("127.0.0.2");
        _home = new TestHome();
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        _home.Dispose();
    }

    private void NextRunStillBlocksADelete()
    {
        var r = _home.Run(guard, Repo.Which("curl"), "-s", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain("[rule demo.http:delete-on-production]"), r.Stderr);
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void APlantedProfileCannotBeWrittenAndTheNextRunStillBlocks()
    {
        // A profile that would make production unknown: nothing would be destructive there any more.
        const string planted = """{ "Description": "planted", "Environments": { "production": { "Hosts": [] } } }""";
        var r = _home.Run(guard, "bash", "-c",
            $"echo '{planted}' > \"$XDG_CONFIG_HOME/agentshell/zz.json\"; echo user=$?; echo '{planted}' > \"{Repo.DemoProfile}\"; echo profile=$?; " +
            $"echo '{planted}' > /etc/agentshell/zz.json 2>/dev/null; echo system=$?; mkdir \"$HOME/.config/agentshell/d\" 2>/dev/null; echo mkdir=$?");
        Assert.That(r.Stdout, Does.Contain("user=1").And.Contain("profile=1").And.Contain("system=1").And.Contain("mkdir=1"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("Read-only file system"));
        Assert.That(Directory.GetFileSystemEntries(_home.Config), Is.Empty);
        Assert.That(File.Exists("/etc/agentshell/zz.json"), Is.False);
        NextRunStillBlocksADelete();
    }

    [Test]
    public void AProtectedDirectorysParentCannotBeMovedAsideAndReplaced()
    {
        // A read-only bind holds the path, not the way to it: moving ~/.config aside and making a
        // ~/.config/agentshell of the tree's own would plant a profile outside every bind. The home
        // directory is moved by a rename(2) from python: `mv ~` is refused at its exec
        // (default.local:catastrophic-wipe) before the kernel could be asked.
        const string planted = """{ "Description": "planted", "Environments": { "production": { "Hosts": [] } } }""";
        string config = Path.GetDirectoryName(_home.Config)!;
        var r = _home.Run(guard, "bash", "-c",
            $"mv {config} {config}.x; echo mv=$?; rmdir {config} 2>/dev/null; echo rmdir=$?; python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' {_home.Dir} {_home.Dir}.x; echo home=$?; " +
            $"mkdir -p {_home.Config}; echo '{planted}' > {_home.Config}/zz.json; echo plant=$?; touch {config}/writable; echo rw=$?");
        Assert.That(r.Stdout, Does.Contain("mv=1").And.Contain("rmdir=1").And.Contain("home=1").And.Contain("plant=1"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("rw=0"), "the directories above stay the agent's to write in");
        Assert.That(r.Stderr, Does.Contain("Device or resource busy"));
        Assert.That(Directory.GetFileSystemEntries(_home.Config), Is.Empty);
        NextRunStillBlocksADelete();
    }

    [Test]
    public void ACachedRuleTestPassCannotBePlantedFromInsideTheTree()
    {
        // A pass in the rule-test cache lets a load skip the profiles' own cases. Planted for a
        // profile whose rule fails them, it would let that profile run: the tree can neither
        // write there, nor move the directory or its parent aside, nor record through agentshell.
        string failing = Path.Combine(_home.Dir, "failing.json");
        File.WriteAllText(failing, """
            { "Environments": { "production": { "Hosts": ["127.0.0.2"] } },
              "Rules": [ { "Id": "t:delete", "Effects": ["delete"], "Environments": ["production"], "Action": "block", "Reason": "r",
                           "Tests": { "Match": [["curl", "http://127.0.0.2/"]], "NoMatch": [["curl", "-X", "GET", "http://127.0.0.2/"]] } } ] }
            """);
        string passing = Path.Combine(_home.Dir, "passing.json");
        File.WriteAllText(passing, File.ReadAllText(failing).Replace("""[["curl", "http://127.0.0.2/"]]""", """[["curl", "-X", "DELETE", "http://127.0.0.2/"]]"""));
        string cache = _home.Cache;
        string cacheParent = Path.GetDirectoryName(cache)!;
        var r = _home.Run(guard, "bash", "-c",
            $"echo x > {cache}/rule-tests-0; echo write=$?; mv {cache} {cache}.x; echo mv=$?; mv {cacheParent} {cacheParent}.x; echo parent=$?; " +
            $"{Repo.AgentShell} check --profile {passing} -- ls >/dev/null; echo check=$?; " +
            $"{Repo.AgentShell} check --profile {failing} -- ls >/dev/null 2>&1; echo failing=$?");
        Assert.That(r.Stdout, Does.Contain("write=1").And.Contain("mv=1").And.Contain("parent=1"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("check=0"), "a check inside the tree still works, from the cases");
        Assert.That(r.Stdout, Does.Contain("failing=2"));
        // The one entry is the run's own load of its profiles, made before the tree started.
        Assert.That(Directory.GetFiles(cache), Has.Length.EqualTo(1), "nothing was recorded from inside the tree");

        // Outside, the passing set is recorded; the failing one still fails, every time.
        var ok = AgentShellRunner.Run(["check", "--profile", passing, "--", "ls"], TimeSpan.FromMinutes(1), _home.Dir, _home.Env);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(Directory.GetFiles(cache), Has.Length.EqualTo(2));
        for (int i = 0; i < 2; i++)
        {
            var bad = AgentShellRunner.Run(["check", "--profile", failing, "--", "ls"], TimeSpan.FromMinutes(1), _home.Dir, _home.Env);
            Assert.That(bad.ExitCode, Is.EqualTo(2), bad.Stderr);
            Assert.That(bad.Stderr, Does.Contain("does not catch"));
        }
        Assert.That(Directory.GetFiles(cache), Has.Length.EqualTo(2));
    }

    [Test]
    public void TheAuditLogCannotBeTruncatedMovedOrDeleted()
    {
        var log = _home.AuditLog;
        NextRunStillBlocksADelete(); // on record: the refusal the agent wants gone
        var r = _home.Run(guard, "bash", "-c",
            $": > {log}; echo truncate=$?; rm -f {log}; echo rm=$?; mv {log} {log}.x; echo mv=$?; " +
            $"rm -rf {Path.GetDirectoryName(log)}; echo rmdir=$?; ln -sf /dev/null {log}; echo ln=$?");
        Assert.That(r.Stdout, Does.Contain("truncate=1").And.Contain("rm=1").And.Contain("mv=1").And.Contain("rmdir=1").And.Contain("ln=1"), r.Stderr);
        Assert.That(File.ReadAllText(log), Does.Contain("demo.http:delete-on-production"), "the refusal is still on record");
        NextRunStillBlocksADelete();
        Assert.That(File.ReadAllLines(log).Count(l => l.Contains("demo.http:delete-on-production")), Is.EqualTo(2), "both refusals, the first untouched");
    }

    [Test]
    public void NothingInTheMountFamilyUndoesTheProtection()
    {
        var cfg = _home.Config;
        // umount and remount in the tree's namespace; then a new user and mount namespace of the
        // tree's own, where it holds every capability: the binds arrive there locked.
        string inner = $"umount -l {cfg}; echo inner-umount=$?; mount -o remount,bind,rw {cfg}; echo inner-remount=$?; " +
                       $"mount -t tmpfs none {cfg} && touch {cfg}/over; touch {cfg}/y; echo inner-touch=$?";
        var r = _home.Run(guard, "bash", "-c",
            $"umount -l {cfg}; echo umount=$?; mount -o remount,bind,rw {cfg}; echo remount=$?; " +
            $"unshare -Urm sh -c '{inner}'; echo unshare=$?; touch {cfg}/z; echo touch=$?; " +
            $"for p in /proc/[0-9]*/root; do touch $p{cfg}/w 2>/dev/null && echo escaped $p; done; echo pid1=$(cat /proc/1/comm)");
        Assert.That(r.Stdout, Does.Contain("umount=32").And.Contain("remount=32").And.Contain("touch=1"), r.Stderr);
        Assert.That(r.Stdout, Does.Not.Contain("escaped").And.Not.Contain("inner-touch=0"), r.Stderr);
        // /proc shows only the tree's own pid namespace: its init is the launcher.
        Assert.That(r.Stdout, Does.Contain("pid1=agentshell-laun"));
        Assert.That(Directory.GetFileSystemEntries(cfg), Is.Empty, "nothing reached the real directory");
        NextRunStillBlocksADelete();
    }

    [Test]
    public void RequireProtectionRunsWhenTheFilesCanBeProtected()
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--require-protection", "--audit", _home.AuditLog, "--", "bash", "-c", $"touch {_home.Config}/x; echo rc=$?"],
            TimeSpan.FromMinutes(1), _home.Dir, _home.Env);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("rc=1"));
        Assert.That(r.Stderr, Does.Not.Contain("warning: the agent can change").And.Not.Contain("supervisor:unprotected-files"));
        Assert.That(File.Exists(_home.AuditLog) ? File.ReadAllText(_home.AuditLog) : "", Does.Not.Contain("supervisor:unprotected-files"));
    }

    /// <summary>`agentshell ARGS` where the kernel refuses new namespaces (a restricted container).</summary>
    private AgentShellRunner.Result RunWithoutNamespaces(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Repo.Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _home.Dir };
        foreach (var a in new[] { Path.Combine(Repo.Root, "tests", "adversarial", "native", "no-namespaces.py"), Repo.AgentShell }.Concat(args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in _home.Env) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"agentshell {string.Join(' ', args)} did not finish in time");
        }
        p.WaitForExit();
        return new AgentShellRunner.Result(p.ExitCode, so.Result, se.Result);
    }

    [Test]
    public void ARunThatCannotProtectItsFilesSaysSoOnStderrAndInTheAuditLog()
    {
        var planted = Path.Combine(Path.GetDirectoryName(_home.AuditLog)!, "x");
        var r = RunWithoutNamespaces("run", "--connect-guard", guard, "--audit", _home.AuditLog, "--", "bash", "-c", $"touch {planted}; echo rc=$?");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("rc=0"), "unprotected indeed: the tree wrote into the audit log's directory");
        Assert.That(r.Stderr, Does.Contain("[rule supervisor:unprotected-files]").And.Contain("unshare"));
        var start = File.ReadAllLines(_home.AuditLog).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("ruleId").GetString() == "supervisor:unprotected-files");
        Assert.That(start.GetProperty("syscall").GetString(), Is.EqualTo("start"));
        Assert.That(start.GetProperty("reason").GetString(), Does.Contain("unshare"), "the record says why");
    }

    [Test]
    public void RequireProtectionRefusesWhenTheFilesCannotBeProtected()
    {
        var planted = Path.Combine(Path.GetDirectoryName(_home.AuditLog)!, "x");
        var r = RunWithoutNamespaces("run", "--connect-guard", guard, "--require-protection", "--audit", _home.AuditLog, "--", "bash", "-c", $"touch {planted}; echo rc=$?");
        Assert.That(r.ExitCode, Is.EqualTo(125), r.Stderr);
        Assert.That(r.Stdout, Is.Empty, "nothing was run");
        Assert.That(r.Stderr, Does.Contain("nothing was run"));
        Assert.That(File.Exists(planted), Is.False);
    }
}
