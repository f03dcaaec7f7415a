using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The bench measures verification against its own build with the check compiled out
/// (BENCH_NO_VERIFY, published by tests/bench/bench.py to build/bench-noverify/). The binary `make`
/// ships is never that build: its version does not say so, and its bytes do not hold the mark.</summary>
[TestFixture]
public sealed class VerificationBuildTests
{
    private const string NoVerifyMark = "bench-no-verify";

    [Test]
    public void TheShippedBinaryIsNotTheBenchBuildWithoutVerification()
    {
        var r = AgentShellRunner.Run(["--version"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Not.Contain(NoVerifyMark));
        Assert.That(r.Stdout.Trim(), Is.Not.Empty);
        var bytes = File.ReadAllBytes(Repo.AgentShell);
        Assert.That(bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(NoVerifyMark)), Is.EqualTo(-1),
            "bin/agentshell holds the mark of the bench's no-verify build");
    }
}
