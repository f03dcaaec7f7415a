namespace AgentShell.Reliability.Tests;

/// <summary>The supervisor's memory over many decisions: its peak RSS does not grow with the number
/// of decisions; the soak case also holds it to the target (make bench measures 10k and 100k).</summary>
[TestFixture]
public sealed class MemoryTests
{
    private const double TargetMiB = 16;
    private const double FlatMiB = 0.5;

    [SetUp]
    public void SetUp() => Workloads.RequireInterception();

    /// <summary>exec-bench's mix (execs of parsed and unknown tools, connects, a child every 100
    /// decisions) under `agentshell run`; the supervisor's VmHWM at each mark, KiB, read from outside
    /// the tree (see Workloads.SupervisorPeaks).</summary>
    private static long[] PeakAfter(string guard, int[] marks, IDictionary<string, string>? env = null)
    {
        var audit = Path.Combine(Path.GetTempPath(), $"agentshell-mem-{Guid.NewGuid():N}.jsonl");
        try
        {
            var hwm = Workloads.SupervisorPeaks(["--quiet", "--connect-guard", guard, "--audit", audit, "--", Workloads.ExecBench, "decisions", .. marks.Select(m => m.ToString())],
                TimeSpan.FromMinutes(10), env);
            Assert.That(hwm, Has.Length.EqualTo(marks.Length), "one sample per mark");
            TestContext.Out.WriteLine($"supervisor VmHWM (KiB) after {string.Join(", ", marks)} decisions: {string.Join(", ", hwm)}");
            return hwm;
        }
        finally
        {
            File.Delete(audit);
        }
    }

    // The absolute peak (≤ 16 MiB, issue 16) depends on when the GC runs, which depends on the
    // machine's load: it is a figure of `make bench` (and of the soak case below), like every cost.
    // What a test can hold on any machine is that nothing grows with the number of decisions once
    // the GC's budgets have settled (over the first few thousand decisions; the issue's own window
    // starts at 10,000). Until the start-up's garbage was collected early, a one-off peak in the
    // first thousand decisions stood above everything later and hid that settling from 5,000 on.
    [Test]
    public void PeakRssStaysFlatOver30000Decisions()
    {
        var hwm = PeakAfter("seccomp", [10_000, 30_000]);
        Assert.That((hwm[1] - hwm[0]) / 1024.0, Is.LessThanOrEqualTo(FlatMiB), $"growth from 10,000 to 30,000 decisions (KiB: {hwm[0]} → {hwm[1]})");
    }

    [Test, Category("Soak")]
    public void PeakRssStaysUnderTheTargetAndFlatOver100000Decisions()
    {
        var hwm = PeakAfter("seccomp", [10_000, 100_000]);
        Assert.That(hwm[1] / 1024.0, Is.LessThanOrEqualTo(TargetMiB), "peak RSS after 100,000 decisions, MiB");
        Assert.That((hwm[1] - hwm[0]) / 1024.0, Is.LessThanOrEqualTo(FlatMiB), $"growth from 10,000 to 100,000 decisions (KiB: {hwm[0]} → {hwm[1]})");
    }

    // The check above sees what it claims: the same run with the supervisor made to keep 256 bytes
    // per decision (LD_PRELOAD of native/leak-preload.c, which wraps its ioctl) must fail it. A
    // sampler that read the launcher or the tree instead (as getppid() in the tree did once) sees
    // no growth at all. What the window can see: a GC peak near 10,000 decisions stands ~2 MiB over
    // the steady RSS, so a leak must outgrow that first; measured, 256 B per decision grows the
    // peak by ~3.5 MiB, 128 B by ~0.9 MiB (also caught), 64 B by nothing visible in 20,000
    // decisions (over the soak case's 90,000 it would add ~6 MiB).
    [Test]
    public void ALeakOf256BytesPerDecisionFailsTheFlatnessCheck()
    {
        var hwm = PeakAfter("seccomp", [10_000, 30_000], new Dictionary<string, string> { ["LD_PRELOAD"] = Workloads.LeakPreload, ["LEAK_BYTES"] = "256" });
        Assert.That((hwm[1] - hwm[0]) / 1024.0, Is.GreaterThan(FlatMiB), $"growth from 10,000 to 30,000 decisions with the injected leak (KiB: {hwm[0]} → {hwm[1]})");
    }
}
