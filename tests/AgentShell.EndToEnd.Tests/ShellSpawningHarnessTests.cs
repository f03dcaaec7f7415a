using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>README's paragraph on harnesses that start each command as `sh -c '…'` themselves, run
/// as such a harness does (Python's subprocess.run(cmd, shell=True, capture_output=True)) under the
/// real filter with real curl and the production stand-in: the GET's stdout is exactly the server's
/// answer, the DELETE is refused at the shell's exec (PermissionError, nothing sent).</summary>
[TestFixture]
public sealed class ShellSpawningHarnessTests
{
    [Test]
    public void AHarnessSeesItsShellRefusedAndNothingIsSent()
    {
        KernelSetUp.RequireInterception();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var curl = Repo.Which("curl");
        const string Harness = """
            import subprocess, sys
            for cmd in sys.argv[1:]:
                try:
                    r = subprocess.run(cmd, shell=True, capture_output=True)
                    print("rc", r.returncode, repr(r.stdout))
                except OSError as e:
                    print("raised", type(e).__name__, e.errno, e.filename)
            """;
        var r = AgentShellRunner.Supervise("python3", "-c", Harness,
            $"{curl} -sS {prod.Url("/volumes")}", $"{curl} -sS -X DELETE {prod.Url("/volumes/1")}");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(2), r.Stdout);
        Assert.That(lines[0], Is.EqualTo("rc 0 b'ok\\n'"), "the read ran and its stdout is exactly the server's body");
        Assert.That(lines[1], Is.EqualTo("raised PermissionError 1 /bin/sh"), "the refusal is the shell failing to start, as README says");
        Assert.That(prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }));
    }
}
