using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>An exec's file is looked up under the tree's root, held open, while every process has
/// that root (TreeRootDirectory); a process that leaves it (a mount namespace of its own, a chroot)
/// makes the supervisor look each file up through the process's own root again. A renamed curl that
/// exists only under another root is still recognised, and the filter's new traps (unshare and
/// clone with CLONE_NEWNS, setns) and refusal (clone3: ENOSYS) do not get in a tree's way.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class TreeRootLookupTests(string guard) : ProductionStandInFixture(guard, "agentshell-root-")
{
    private AgentShellRunner.Result Supervise(params string[] command) =>
        AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--", .. command]);

    [Test]
    public void ACurlCopyThatExistsOnlyUnderAnotherRootIsStillParsedAsCurlAndBlocked()
    {
        // /only-here is nothing under the tree's root: looked up there, the exec would be a plain
        // miss and allowed; under the chroot the process runs in, it is curl.
        var newRoot = Path.Combine(Tmp, "root");
        Directory.CreateDirectory(newRoot);
        var copy = Path.Combine(newRoot, "only-here");
        File.Copy(Repo.Which("curl"), copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        Assert.That(File.Exists("/only-here"), Is.False, "the test needs /only-here not to exist");
        // unshare's own remount of / is one of the mount calls a protected root tree may not make.
        var r = Supervise(Repo.Which("unshare"), "--mount", "--propagation", "unchanged", "--",
            Repo.Which("chroot"), newRoot, "/only-here", "-sS", "-X", "DELETE", Http.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {Http.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        // Refused, and let commit to be ended at its exec event: the kernel fails it first with its
        // own ENOENT (the copy's ELF interpreter is not under the new root), as it would without
        // agentshell; chroot: command not found. Either way nothing of it runs.
        Assert.That(r.ExitCode, Is.EqualTo(127), r.Stderr);
        Assert.That(Http.Requests, Is.Empty);
    }

    [Test]
    public void AMountNamespaceOfItsOwnAndThreadsStillWorkInTheTree()
    {
        // The look-alike of the refusals above: unshare (notified, continued), clone3 (ENOSYS: libc
        // falls back to clone for threads and posix_spawn) and a plain exec inside the new namespace.
        var py = """
            import ctypes, os, subprocess, threading
            libc = ctypes.CDLL(None, use_errno=True)
            rc = libc.syscall(435, None, 0)
            print('clone3', rc, ctypes.get_errno())
            t = threading.Thread(target=lambda: print('thread ran')); t.start(); t.join()
            print(subprocess.run(['/bin/echo', 'spawned'], capture_output=True, text=True).stdout.strip())
            print('unshare', subprocess.run(['unshare', '--mount', '--propagation', 'unchanged', '/bin/true']).returncode)
            """;
        var r = Supervise(Repo.Python, "-c", py);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("clone3 -1 38").And.Contain("thread ran").And.Contain("spawned").And.Contain("unshare 0"), r.Stderr);
    }
}
