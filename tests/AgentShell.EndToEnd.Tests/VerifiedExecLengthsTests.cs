using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A verified exec's committed argv and environment are compared whatever their lengths:
/// root mode's kernel program hashes them 256 bytes a step (HASH_CHUNK), and an area that ends a
/// byte before, at or after a step's end must hash as the supervisor's hash of what it decided
/// (a wrong hash kills the exec as changed).</summary>
[TestFixture]
public sealed class VerifiedExecLengthsTests
{
    [TestCase("seccomp")]
    [TestCase("kernel")]
    public void AVerifiedExecRunsWhenItsAreasEndAroundAHashStep(string guard)
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        string curl = Repo.Which("curl");
        // env -i: the environment area is "PAD=" + n bytes + NUL (n + 5); argv is curl's path, --version,
        // -H and "X:" + m bytes (path + 1 + 10 + 3 + m + 3).
        int argvFixed = System.Text.Encoding.UTF8.GetByteCount(curl) + 1 + 10 + 3 + 3;
        var lengths = new[] { 255, 256, 257, 511, 512, 513, 767, 768, 769 };
        string pads = string.Join(' ', lengths.Select(l => $"{l - 5}:{l - argvFixed}"));
        string script = $"for p in {pads}; do n=${{p%:*}}; m=${{p#*:}}; " +
                        "env -i PAD=$(head -c $n /dev/zero | tr '\\0' x) " + curl + " --version -H X:$(head -c $m /dev/zero | tr '\\0' y) >/dev/null && echo ran $p || echo failed $p; done";
        var r = AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--", "bash", "-c", script], timeout: TimeSpan.FromSeconds(60));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(lengths.Length).And.All.StartsWith("ran "), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("killed"));
    }
}
