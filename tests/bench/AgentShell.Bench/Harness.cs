using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AgentShell.Bench;

/// <summary>A benchmark: one file per measured area. <see cref="Run"/> prints its figures.</summary>
public interface IBench
{
    /// <summary>Name used on the command line (`AgentShell.Bench classify`).</summary>
    string Name { get; }
    /// <summary>Runs and prints the figures.</summary>
    void Run(Harness h);
}

/// <summary>A small in-process harness (BenchmarkDotNet takes minutes per case here): warm up,
/// then the median of several timed rounds, and heap bytes allocated per operation measured with
/// GC.GetAllocatedBytesForCurrentThread. Figures are printed next to a baseline measured in the
/// same process, because these machines are noisy.</summary>
public sealed class Harness
{
    /// <summary>Timed rounds per measurement.</summary>
    public int Rounds { get; init; } = 7;

    /// <summary>Median nanoseconds per op and allocated bytes per op of <paramref name="op"/>, run
    /// <paramref name="opsPerRound"/> times per round.</summary>
    public (double NsPerOp, double BytesPerOp) Measure(int opsPerRound, Action op)
    {
        for (int i = 0; i < Math.Min(opsPerRound, 2000); i++) op(); // warm up (tiering)
        Thread.Sleep(10);
        for (int i = 0; i < Math.Min(opsPerRound, 2000); i++) op();
        var samples = new double[Rounds];
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < Rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < opsPerRound; i++) op();
            sw.Stop();
            samples[r] = sw.Elapsed.TotalNanoseconds / opsPerRound;
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
        Array.Sort(samples);
        return (samples[Rounds / 2], (double)alloc / ((long)Rounds * opsPerRound));
    }

    /// <summary>Like <see cref="Measure"/>, and the median of the calling thread's CPU time per op
    /// too (CLOCK_THREAD_CPUTIME_ID, read once per round): on a loaded machine the wall clock
    /// counts other processes' time slices, the thread's CPU time does not.</summary>
    public (double NsPerOp, double CpuNsPerOp, double BytesPerOp) MeasureCpu(int opsPerRound, Action op)
    {
        for (int i = 0; i < Math.Min(opsPerRound, 2000); i++) op(); // warm up (tiering)
        Thread.Sleep(10);
        for (int i = 0; i < Math.Min(opsPerRound, 2000); i++) op();
        var wall = new double[Rounds];
        var cpu = new double[Rounds];
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < Rounds; r++)
        {
            long c0 = ThreadCpuNs();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < opsPerRound; i++) op();
            sw.Stop();
            cpu[r] = (double)(ThreadCpuNs() - c0) / opsPerRound;
            wall[r] = sw.Elapsed.TotalNanoseconds / opsPerRound;
        }
        long alloc = GC.GetAllocatedBytesForCurrentThread() - allocBefore;
        Array.Sort(wall);
        Array.Sort(cpu);
        return (wall[Rounds / 2], cpu[Rounds / 2], (double)alloc / ((long)Rounds * opsPerRound));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Sec, Nsec; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    public static long ThreadCpuNs()
    {
        const int ClockThreadCpuTimeId = 3;
        if (ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return ts.Sec * 1_000_000_000 + ts.Nsec;
    }

    /// <summary>Prints one result line.</summary>
    public static void Report(string what, double nsPerOp, double bytesPerOp, string? vs = null) =>
        Console.WriteLine($"  {what,-58} {nsPerOp / 1000.0,9:F3} µs/op {bytesPerOp,9:F1} B/op{(vs != null ? "  " + vs : "")}");
}

public static class Program
{
    public static int Main(string[] args)
    {
        var benches = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBench).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .Select(t => (IBench)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name).ToList();
        if (benches.Count == 0) { Console.WriteLine("(no in-process benches)"); return 0; }
        var wanted = args.Length == 0 ? benches : benches.Where(b => args.Contains(b.Name)).ToList();
        if (wanted.Count == 0) { Console.Error.WriteLine($"unknown bench; have: {string.Join(", ", benches.Select(b => b.Name))}"); return 2; }
        Console.WriteLine($"machine: {Environment.ProcessorCount} cpus, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        var h = new Harness();
        foreach (var b in wanted)
        {
            Console.WriteLine($"[{b.Name}]");
            b.Run(h);
        }
        return 0;
    }
}
