using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>What a verified exec must commit: the environment's bytes, reused from this thread's last
/// exec when they are the same (PERF) and never when they differ, even by one byte of the same length.</summary>
[TestFixture]
public sealed class CommittedExecTests
{
    private static CommittedExec For(params string[] env)
    {
        var name = "/bin/true"u8.ToArray();
        var request = new ExecRequest(name, name.Length, Argv.FromStrings(["true", "--version"]), Environment.ProcessId);
        return CommittedExec.For(request, Argv.FromStrings(env), out _) ?? throw new InvalidOperationException("/bin/true is not readable");
    }

    private static string Text(byte[] b) => System.Text.Encoding.UTF8.GetString(b);

    [Test]
    public void TheEnvironmentIsTheOneDecidedWhetherItsBytesAreReusedOrNot()
    {
        var a = For("A=1", "PATH=/usr/bin");
        Assert.That(Text(a.Environment), Is.EqualTo("A=1\0PATH=/usr/bin\0"));
        Assert.That(For("A=1", "PATH=/usr/bin").Environment, Is.SameAs(a.Environment), "the same environment: its bytes reused");
        var b = For("A=2", "PATH=/usr/bin");
        Assert.That(Text(b.Environment), Is.EqualTo("A=2\0PATH=/usr/bin\0"), "same length, one byte differs");
        Assert.That(Text(For("A=1PATH=/usr/bin", "").Environment), Is.EqualTo("A=1PATH=/usr/bin\0\0"), "same bytes but for where a string ends");
        Assert.That(Text(For().Environment), Is.Empty);
        Assert.That(Text(a.Environment), Is.EqualTo("A=1\0PATH=/usr/bin\0"), "an earlier exec's bytes are never written");
        Assert.That(Text(For("A=1", "PATH=/usr/bin").Argv), Is.EqualTo("true\0--version\0"));
    }
}
