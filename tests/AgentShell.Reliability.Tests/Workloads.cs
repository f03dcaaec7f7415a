using System.Diagnostics;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace AgentShell.Reliability.Tests;

/// <summary>The built tool, checked once, and the C workloads of tests/bench compiled once.</summary>
[SetUpFixture]
public sealed class Workloads
{
    private static string? s_dir;
    internal static string? CannotIntercept { get; private set; }

    /// <summary>tests/bench/exec-bench (failing execs, a supervisor's mixed decisions with its VmHWM).</summary>
    internal static string ExecBench => Path.Combine(s_dir!, "exec-bench");

    [OneTimeSetUp]
    public void Build()
    {
        if (!File.Exists(Repo.AgentShell) || !File.Exists(Repo.Launcher))
            Assert.Fail($"{Repo.AgentShell} or {Repo.Launcher} missing: run `make` first (make test does)");
        s_dir = Directory.CreateTempSubdirectory("agentshell-reliability-").FullName;
        var gcc = Process.Start("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", ExecBench, Path.Combine(Repo.Root, "tests", "bench", "exec-bench.c")])!;
        gcc.WaitForExit();
        Assert.That(gcc.ExitCode, Is.EqualTo(0), "gcc tests/bench/exec-bench.c");
        var r = AgentShellRunner.Run(["run", "--", "/bin/true"], TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0 && r.Stderr.Contains("another seccomp listener", StringComparison.Ordinal))
            CannotIntercept = "this test process is already supervised by a seccomp listener (inside another agentshell run?)";
        else if (r.ExitCode != 0)
            Assert.Fail($"agentshell run -- /bin/true failed ({r.ExitCode}): {r.Stderr}");
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (s_dir != null) Directory.Delete(s_dir, recursive: true);
    }

    /// <summary>Call first in every test that needs the real filter.</summary>
    internal static void RequireInterception()
    {
        if (CannotIntercept != null) Assert.Ignore(CannotIntercept);
    }

    /// <summary>VmHWM and VmRSS (KiB), threads and open fds of a live process.</summary>
    internal static (long Hwm, long Rss, int Threads, int Fds) Footprint(int pid)
    {
        long hwm = 0, rss = 0;
        int threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = long.Parse(line[6..].Trim().Split(' ')[0]);
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line[6..].Trim().Split(' ')[0]);
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line[8..].Trim());
        }
        return (hwm, rss, threads, Directory.GetFiles($"/proc/{pid}/fd").Length);
    }
}
