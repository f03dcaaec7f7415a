namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A tool's configuration file found by the supervisor where the tool does not find it.
/// The supervisor reads `~/.curlrc` through /proc/PID/root, and before redteam21 an open that failed
/// with ENOENT there meant "no .curlrc". But /proc/self, /proc/thread-self and the magic links under
/// them (cwd, fd/N; /dev/fd and /dev/stdin are links to them) name whoever reads them, and an
/// absolute symlink in the path resolves from the reader's root. So the supervisor found nothing
/// where curl found the tree's own file with `request = "DELETE"`: the exec was judged a plain GET,
/// curl was trusted with production, and the DELETE reached it (main 5862d2e, both modes, wire off
/// as for every trust-at-exec attack). Second: a `~/.curlrc` that is a dangling symlink was found
/// missing and remembered as missing by the missing-file watch, which watches the directories of
/// the path and not of the link's target: creating the target later in the run was not seen, and the
/// next curl's DELETE went out as a GET. Now a name counts as missing only when the process's own
/// lookup, followed component by component from its root and cwd, ends missing without passing
/// through procfs, and a name missing through a symlink is not remembered.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ConfigLookupTests(string guard) : TrustAtExecFixture(guard)
{
    private string _work = null!, _evil = null!;

    /// <summary>The run starts in _work, so the supervisor's own cwd (what /proc/self/cwd names for
    /// it) holds a harmless .curlrc and rc; the tree's processes go to _evil, whose files say DELETE.</summary>
    [SetUp]
    public void MakeWorkDirectory()
    {
        _work = Path.Combine(Home.Dir, "work");
        _evil = Path.Combine(Home.Dir, "evil");
        Directory.CreateDirectory(_work);
        Directory.CreateDirectory(_evil);
        foreach (var name in new[] { ".curlrc", "rc" })
        {
            File.WriteAllText(Path.Combine(_work, name), "silent\n");
            File.WriteAllText(Path.Combine(_evil, name), "request = \"DELETE\"\n");
        }
    }

    private AgentShellRunner.Result Run(string script) =>
        AgentShellRunner.Run(["run", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--pause-timeout", "1", "--",
            "bash", "-c", script], TimeSpan.FromMinutes(2), _work, Home.Env);

    private void NothingDestructiveAndTheControlGot(AgentShellRunner.Result r)
    {
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty,
            $"a destructive request reached production\nstdout: {r.Stdout}\nstderr: {r.Stderr}");
        // The look-alike, in a run of its own (a script that holds a refused exec is refused whole): a
        // curl that finds no configuration at all (HOME=/ has no .curlrc) is still trusted and gets through.
        var control = Run($"env HOME=/ XDG_CONFIG_HOME=/ {Repo.Which("curl")} -sS {Prod.Url("/control")}");
        Thread.Sleep(100);
        Assert.That(Prod.Requests.Select(q => q.Path), Does.Contain("/control"), control.Stderr);
    }

    [TestCase("HOME=/proc/self/cwd", TestName = "{m}(HomeThroughProcSelfCwd)")]
    [TestCase("HOME=/proc/thread-self/cwd", TestName = "{m}(HomeThroughProcThreadSelfCwd)")]
    [TestCase("HOME=/dev/fd/3", TestName = "{m}(HomeThroughDevFd)")]
    [TestCase("CURL_HOME=/proc/self/root" + "/WORK", TestName = "{m}(CurlHomeThroughProcSelfRoot)")]
    public void AConfigDirectoryNamedThroughProcIsNotTakenForEmpty(string home)
    {
        var curl = Repo.Which("curl");
        var r = Run($"exec 3<{_evil}; cd {_evil}; env {home.Replace("/WORK", _evil)} {curl} -sS {Prod.Url("/volumes/1")}");
        NothingDestructiveAndTheControlGot(r);
    }

    [TestCase("/dev/fd/3/rc", TestName = "{m}(LinkedToDevFd)")]
    [TestCase("/proc/self/cwd/rc", TestName = "{m}(LinkedToProcSelfCwd)")]
    [TestCase("/dev/stdin", TestName = "{m}(LinkedToDevStdin)")]
    public void ACurlrcLinkedThroughProcIsNotTakenForMissing(string target)
    {
        File.CreateSymbolicLink(Path.Combine(Home.Dir, ".curlrc"), target);
        var curl = Repo.Which("curl");
        // The supervisor's own cwd and fd 3 are not the tree's here, and its stdin is not the rc file.
        var r = Run($"exec 3<{_evil}; cd {_evil}; {curl} -sS {Prod.Url("/volumes/1")} < {_evil}/rc");
        NothingDestructiveAndTheControlGot(r);
    }

    [Test]
    public void ADanglingCurlrcLinkIsNotRememberedAsMissing()
    {
        var target = Path.Combine(Home.Dir, "later", "rc");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.CreateSymbolicLink(Path.Combine(Home.Dir, ".curlrc"), target);
        var curl = Repo.Which("curl");
        // The first curl finds the link dangling (a GET); the target is then made, where no watched directory sees it.
        var r = Run($"{curl} -sS {Prod.Url("/volumes/1")}; printf 'request = \"DELETE\"\\n' > {target}; {curl} -sS {Prod.Url("/volumes/2")}");
        NothingDestructiveAndTheControlGot(r);
        Assert.That(Prod.Requests.Select(q => q.Path), Does.Contain("/volumes/1"), "the first curl, with the link dangling, is a trusted GET");
    }
}
