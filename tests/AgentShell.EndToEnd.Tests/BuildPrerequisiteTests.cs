using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`make` on a machine that lacks a build prerequisite stops with one line that names it and
/// says to run ./scripts/setup.sh (a bare compiler error said neither). A compiler that searches no
/// system include directory (-nostdinc) stands in for a machine without the headers; each build goes
/// to a directory of the test's own, never to bin/.</summary>
[TestFixture]
public sealed class BuildPrerequisiteTests
{
    private string _bin = null!;

    [SetUp]
    public void MakeBin() => _bin = Directory.CreateTempSubdirectory("agentshell-build-").FullName;

    [TearDown]
    public void RemoveBin() => Directory.Delete(_bin, recursive: true);

    private AgentShellRunner.Result Make(string file, params string[] vars) =>
        MakeRunner.Run(["-B", $"BIN={_bin}", Path.Combine(_bin, file), .. vars], TimeSpan.FromMinutes(2));

    [Test]
    public void WithoutTheLibbpfHeadersMakeSaysToRunSetup()
    {
        var r = Make("agentshell-connect.bpf.o", $"BPF_CLANG={Repo.Which("clang-14")} -nostdinc");
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Stderr, Does.Contain("make: the libbpf headers (libbpf-dev) not found (bpf/bpf_helpers.h").And.Contain("run ./scripts/setup.sh"));
        Assert.That(File.Exists(Path.Combine(_bin, "agentshell-connect.bpf.o")), Is.False);
    }

    [Test]
    public void WithoutClangMakeSaysToRunSetup()
    {
        var r = Make("agentshell-connect.bpf.o", "BPF_CLANG=");
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Stderr, Does.Contain("make: clang not found").And.Contain("run ./scripts/setup.sh"));
    }

    [Test]
    public void WithoutTheKernelHeadersMakeSaysToRunSetup()
    {
        var r = Make("agentshell-launch", $"CC={Repo.Which("gcc")} -nostdinc");
        Assert.That(r.ExitCode, Is.Not.Zero);
        Assert.That(r.Stderr, Does.Contain("make: the kernel headers not found (linux/seccomp.h").And.Contain("run ./scripts/setup.sh"));
        Assert.That(File.Exists(Path.Combine(_bin, "agentshell-launch")), Is.False);
    }

    /// <summary>The look-alike: with the headers where setup.sh puts them, the same targets build.</summary>
    [Test]
    public void WithThePrerequisitesTheNativePartsBuild()
    {
        var bpf = Make("agentshell-connect.bpf.o");
        Assert.That(bpf.ExitCode, Is.Zero, bpf.Stderr);
        var launcher = Make("agentshell-launch");
        Assert.That(launcher.ExitCode, Is.Zero, launcher.Stderr);
        Assert.That(bpf.Stderr + launcher.Stderr, Does.Not.Contain("setup.sh"));
        Assert.That(new FileInfo(Path.Combine(_bin, "agentshell-connect.bpf.o")).Length, Is.GreaterThan(0));
        Assert.That(new FileInfo(Path.Combine(_bin, "agentshell-launch")).Length, Is.GreaterThan(0));
    }
}
