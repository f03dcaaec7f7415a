using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>agentshell-launch's argument handling and refusals, run as a real process.</summary>
[TestFixture]
public sealed class LauncherTests
{
    private static (int Code, string Stderr) Launch(params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Launcher) { RedirectStandardError = true, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }

    [TestCase(new string[0], 2, "usage:")]
    [TestCase(new[] { "--sock-fd" }, 2, "usage:")]
    [TestCase(new[] { "--bogus", "true" }, 2, "unknown option '--bogus'")]
    [TestCase(new[] { "--sock-fd", "abc", "true" }, 125, "'abc' is not a file descriptor number")]
    [TestCase(new[] { "--sock-fd=-1", "true" }, 125, "'-1' is not a file descriptor number")]
    [TestCase(new[] { "--" }, 2, "usage:")]
    [TestCase(new[] { "--kernel-unix", "true" }, 125, "--kernel-unix needs --kernel-connect")]
    public void BadArgumentsAreRefused(string[] args, int code, string message)
    {
        var (c, err) = Launch(args);
        Assert.That(c, Is.EqualTo(code));
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void AnFdThatIsNotASocketIsRefusedAndTheCommandDoesNotRun()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"agentshell-launch-{Guid.NewGuid():N}");
        var (c, err) = Launch("--sock-fd", "0", "--", "touch", marker); // stdin is a pipe, not a socket
        Assert.That(c, Is.EqualTo(125));
        Assert.That(err, Does.Contain("fd 0 is not the supervisor's socket"));
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void ASupervisorThatGoesAwayBeforeGoMeansTheCommandNeverRuns()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"agentshell-launch-{Guid.NewGuid():N}");
        var py = $$"""
            import socket, subprocess
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            p = subprocess.Popen(['{{Repo.Launcher}}', '--sock-fd', str(b.fileno()), '--', 'touch', '{{marker}}'], pass_fds=[b.fileno()], stderr=subprocess.PIPE)
            b.close()
            msg = a.recv(512)
            print('got', msg[:1], len(msg) >= 5)
            a.close()
            print(p.wait(), p.stderr.read().decode())
            """;
        var psi = new ProcessStartInfo(Repo.Python) { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(py);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // The hand-off names the listener's fd ("L" and its number); the supervisor would take it with pidfd_getfd.
        Assert.That(output, Does.Contain("got b'L' True"), "the listener fd was announced");
        Assert.That(output, Does.Contain("125").And.Contain("not running unsupervised"));
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void NestingUnderAnotherListenerFailsWithAHint()
    {
        KernelSetUp.RequireInterception();
        var r = AgentShellRunner.Supervise(Repo.AgentShell, "run", "--", "/bin/true");
        Assert.That(r.ExitCode, Is.EqualTo(125));
        Assert.That(r.Stderr, Does.Contain("Device or resource busy").And.Contain("another seccomp listener already supervises this process"));
    }
}
