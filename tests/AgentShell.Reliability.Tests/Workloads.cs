using System.Diagnostics;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace AgentShell.Reliability.Tests;

/// <summary>The built tool, checked once, and the C workloads of tests/bench compiled once.</summary>
[SetUpFixture]
public sealed class Workloads
{
    private static string? s_dir;
    internal static string? CannotIntercept { get; private set; }

    /// <summary>tests/bench/exec-bench (failing execs, a supervisor's mixed decisions with marks).</summary>
    internal static string ExecBench => Path.Combine(s_dir!, "exec-bench");

    /// <summary>native/leak-preload.so: LD_PRELOADed into agentshell, keeps LEAK_BYTES per decision.</summary>
    internal static string LeakPreload => Path.Combine(s_dir!, "leak-preload.so");

    [OneTimeSetUp]
    public void Build()
    {
        if (!File.Exists(Repo.AgentShell) || !File.Exists(Repo.Launcher))
            Assert.Fail($"{Repo.AgentShell} or {Repo.Launcher} missing: run `make` first (make test does)");
        s_dir = Directory.CreateTempSubdirectory("agentshell-reliability-").FullName;
        var gcc = Process.Start("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", ExecBench, Path.Combine(Repo.Root, "tests", "bench", "exec-bench.c")])!;
        gcc.WaitForExit();
        Assert.That(gcc.ExitCode, Is.EqualTo(0), "gcc tests/bench/exec-bench.c");
        gcc = Process.Start("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o", LeakPreload,
            Path.Combine(Repo.Root, "tests", "AgentShell.Reliability.Tests", "native", "leak-preload.c"), "-ldl"])!;
        gcc.WaitForExit();
        Assert.That(gcc.ExitCode, Is.EqualTo(0), "gcc native/leak-preload.c");
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

    /// <summary>The agentshell process: setsid execs it in place, or forks it as its only child.
    /// It is the supervisor; the launcher and the tree are its descendants.</summary>
    internal static int SupervisorOf(int pid)
    {
        for (int i = 0; i < 100; i++)
        {
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "agentshell") return pid;
            var kids = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (kids.Length > 0 && File.ReadAllText($"/proc/{kids[0]}/comm").Trim() == "agentshell") return int.Parse(kids[0]);
            Thread.Sleep(20);
        }
        Assert.Fail("agentshell did not start");
        return 0;
    }

    /// <summary>`agentshell run ARGS` whose tree prints a line at each mark and then waits for a
    /// line on stdin (exec-bench decisions): at each mark, the supervisor's VmHWM (KiB), read from
    /// here. The tree has its own pid namespace and /proc, so only a sampler outside sees the
    /// supervisor; the tree waits, so each figure is the peak after exactly that many decisions.</summary>
    internal static long[] SupervisorPeaks(IEnumerable<string> runArgs, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(Repo.Setsid) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "--wait", Repo.AgentShell, "run" }.Concat(runArgs)) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        using var deadline = new Timer(_ => p.Kill(entireProcessTree: true), null, timeout, Timeout.InfiniteTimeSpan);
        int supervisor = SupervisorOf(p.Id);
        var peaks = new List<long>();
        string? line;
        while ((line = p.StandardOutput.ReadLine()) != null)
        {
            Assert.That(File.ReadAllText($"/proc/{supervisor}/comm").Trim(), Is.EqualTo("agentshell"), "the sampled process is the supervisor");
            peaks.Add(Footprint(supervisor).Hwm);
            p.StandardInput.WriteLine();
            p.StandardInput.Flush();
        }
        p.StandardInput.Close();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), $"agentshell run {string.Join(' ', runArgs)} (killed after {timeout}?): {stderr.Result}");
        return peaks.ToArray();
    }
}
