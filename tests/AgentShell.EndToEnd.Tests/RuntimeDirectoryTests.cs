using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`su alice` or `sudo -u alice` keeps the first user's XDG_RUNTIME_DIR (/run/user/0), where
/// alice cannot make agentshell's socket directory. Every verb says so in one line with the fix;
/// before, run, pending, runs and doctor ended in "internal error: UnauthorizedAccessException" (125).</summary>
[TestFixture]
public sealed class RuntimeDirectoryTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("needs root to run the tool as another user (setpriv)");
        _tmp = Directory.CreateTempSubdirectory("agentshell-rtdir-").FullName;
        File.SetUnixFileMode(_tmp, (UnixFileMode)0x1ff); // nobody's HOME
    }

    [TearDown]
    public void TearDown()
    {
        if (_tmp != null) Directory.Delete(_tmp, recursive: true);
    }

    [Test]
    public void AnotherUsersRuntimeDirectoryIsNamedWithTheFixByEveryVerb()
    {
        var nobody = OtherUser.Nobody(_tmp);
        string agentshell = nobody.AgentShell();
        string roots = Directory.CreateDirectory(Path.Combine(_tmp, "run-user-0")).FullName;
        File.SetUnixFileMode(roots, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700, root's
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = roots };
        string why = $"XDG_RUNTIME_DIR={roots} is not this user's (after su or sudo?); set XDG_RUNTIME_DIR to a directory of your own, or unset it";
        string made = Path.Combine(_tmp, "made");

        var run = nobody.Run(env, agentshell, "run", "--connect-guard", "seccomp", "--", "/usr/bin/touch", made);
        Assert.That(run.ExitCode, Is.EqualTo(2), run.Stderr);
        Assert.That(run.Stderr, Does.Contain(why).And.Contain("nothing was run").And.Not.Contain("internal error"));
        Assert.That(File.Exists(made), Is.False);

        foreach (var verb in new[] { new[] { "pending" }, ["approve", "1"], ["runs"] })
        {
            var r = nobody.Run(env, [agentshell, .. verb]);
            Assert.That(r.ExitCode, Is.EqualTo(1), $"{string.Join(' ', verb)}: {r.Stderr}");
            Assert.That(r.Stderr, Does.Contain(why).And.Not.Contain("internal error"), string.Join(' ', verb));
        }

        var doctor = nobody.Run(env, agentshell, "doctor");
        Assert.That(doctor.ExitCode, Is.EqualTo(1), doctor.Stdout + doctor.Stderr);
        Assert.That(doctor.Stdout, Does.Match(@"FAIL  sockets .*is not this user's"));
        Assert.That(doctor.Stderr, Does.Not.Contain("internal error"));

        // The look-alike: the same user with a runtime directory of its own runs the command.
        var ok = nobody.Run(null, agentshell, "run", "--connect-guard", "seccomp", "--", "/usr/bin/touch", made);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(File.Exists(made), Is.True);
    }
}
