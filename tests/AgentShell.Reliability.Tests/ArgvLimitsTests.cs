namespace AgentShell.Reliability.Tests;

/// <summary>Argv at the kernel's limits and bytes no parser expects: each exec is decided and the
/// supervisor lives on; past the supervisor's own bounds the exec is refused with a reason, never
/// let through unread.</summary>
[TestFixture]
public sealed class ArgvLimitsTests
{
    [SetUp]
    public void SetUp() => Workloads.RequireInterception();

    /// <summary>Runs a python agent under `agentshell run`; it prints what each exec did, then runs
    /// one more program to show the supervisor still decides.</summary>
    private static AgentShellRunner.Result Agent(string body) =>
        AgentShellRunner.Run(["run", "--audit", "/dev/null", "--connect-guard", "seccomp", "--profile", Path.Combine(Repo.Root, "profiles", "railway.json"),
            "--", Repo.Python, "-c", """
            import os, subprocess, sys
            def run(name, argv):
                try:
                    p = subprocess.run(argv, stdout=subprocess.PIPE)
                    print(f'{name}=rc{p.returncode}:{len(p.stdout)}', flush=True)
                except OSError as e:
                    print(f'{name}=errno{e.errno}', flush=True)
            """ + "\n" + body + "\n" + """
            run('after', ['/bin/echo', 'still-decided'])
            """], TimeSpan.FromMinutes(3));

    [Test]
    public void AnArgvOfNearlyTwoMebibytesIsDecidedAndRuns()
    {
        // 15 arguments of 128 KiB - 1: just under the kernel's 2 MiB (a quarter of the 8 MiB stack).
        var r = Agent("run('big', ['/bin/echo'] + ['x' * 131071] * 15)");
        Assert.That(r.Stdout, Does.Contain($"big=rc0:{15 * 131072}"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("after=rc0"));
    }

    [Test]
    public void AnArgumentOf128KibibytesIsDecidedAndRuns()
    {
        var r = Agent("run('arg', ['/bin/echo', 'y' * 131071])");
        Assert.That(r.Stdout, Does.Contain("arg=rc0:131072"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("after=rc0"));
    }

    [Test]
    public void OneHundredThousandArgumentsAreRefusedWithAReasonNeverRunUnread()
    {
        var r = Agent("run('many', ['/bin/echo'] + ['a'] * 100000)");
        Assert.That(r.Stdout, Does.Contain("many=errno1"), "EPERM from the supervisor: more arguments than it inspects");
        Assert.That(r.Stderr, Does.Contain("supervisor:unreadable-argv"));
        Assert.That(r.Stdout, Does.Contain("after=rc0"));
    }

    [Test]
    public void InvalidUtf8AndBinaryJunkAreDecided()
    {
        var r = Agent("""
            junk = [bytes([b]) * 3 for b in range(1, 256)] + [b'\xff\xfe\xc3\x28', b'\xed\xa0\x80', b'\x1b[2J', b'\x80' * 4096]
            run('junk', [b'/bin/echo'] + junk)
            run('ctl', ['/bin/echo', '\x01\x02\x7f', '$(rm -rf ~)', '`id`'])
            """);
        Assert.That(r.Stdout, Does.Match("junk=rc0:[1-9]"), r.Stderr);
        Assert.That(r.Stdout, Does.Match("ctl=rc0:[1-9]"));
        Assert.That(r.Stdout, Does.Contain("after=rc0"));
    }

    [Test]
    public void JunkAroundADestructiveCommandDoesNotGetItThrough()
    {
        // The look-alike first: the same junk with a read runs (no rule is hit by junk alone).
        var r = Agent("""
            run('read', [b'/usr/bin/curl', b'-s', b'--max-time', b'1', b'-H', b'X-J: \xff\xfe', b'http://127.0.0.1:9/v1/volumes/1'])
            run('delete', [b'/usr/bin/curl', b'-s', b'-H', b'X-J: \xff\xfe\x80', b'-X', b'DELETE', b'https://backboard.railway.app/graphql/v2?\xc3\x28'])
            """);
        Assert.That(r.Stdout, Does.Not.Contain("read=errno"), r.Stderr);
        // Refused: the exec is ended at its commit with 126 before curl runs an instruction (ExecTracer.Ending).
        Assert.That(r.Stdout, Does.Contain("delete=rc126:0"), "a DELETE to production with invalid UTF-8 around it is still refused");
        Assert.That(r.Stderr, Does.Contain("[rule railway.graphql:destructive-call]"), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("after=rc0"));
    }
}
