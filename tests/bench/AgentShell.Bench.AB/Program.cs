using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

// Paired A/B in one process: two builds of AgentShell.Bench (each with its own AgentShell.Core) in
// their own load contexts; each corpus case (KnownBench.Cases: the table row's classify+decide,
// configuration state known) is timed A then B then B then A (thread CPU time and wall), so load
// falls on both alike. Prints per side the median over cases, and the median of the per-case
// ratios B/A. A and B are the bench's output directories of two trees (each finds its own corpus
// and profiles above its assembly); the corpus must be the same.
//   dotnet run -c Release --project tests/bench/AgentShell.Bench.AB -- A_DIR B_DIR [ROUNDS [OPS]]
// AB_CASES=1 prints one line per case (index, A ns, B ns). When both builds have
// KnownBench.Decisions, their decisions are compared first: any difference exits 3 (AB_ALLOW_DIFF=1 times anyway).
// JIT with tiered PGO: for ratios between two builds, not for the row's target. The row times the
// same cases NativeAOT, as the supervisor runs them (AgentShell.Bench.Aot), about 1.5x this median.
// Its median and the JIT `known` bench's, run alternately, differ by session noise alone (-12 to +29 %).
static class P
{
    [StructLayout(LayoutKind.Sequential)] struct TimeSpec { public long Sec, Nsec; }
    [DllImport("libc", EntryPoint = "clock_gettime")] static extern int ClockGetTime(int clock, out TimeSpec ts);
    static long Cpu() { ClockGetTime(3, out var t); return t.Sec * 1_000_000_000 + t.Nsec; }

    sealed class Ctx(string dir) : AssemblyLoadContext(isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var p = Path.Combine(dir, name.Name + ".dll");
            return File.Exists(p) ? LoadFromAssemblyPath(p) : null;
        }
    }

    static Action[] Load(string dir)
    {
        var ctx = new Ctx(dir);
        var asm = ctx.LoadFromAssemblyPath(Path.Combine(dir, "AgentShell.Bench.dll"));
        var m = asm.GetType("AgentShell.Bench.KnownBench")!.GetMethod("Cases", BindingFlags.Public | BindingFlags.Static)!;
        return (Action[])m.Invoke(null, null)!;
    }

    // Loaded again in a context of its own: the decisions use fresh classifier state, not the timed one's.
    static string[]? Decisions(string dir)
    {
        var asm = new Ctx(dir).LoadFromAssemblyPath(Path.Combine(dir, "AgentShell.Bench.dll"));
        var m = asm.GetType("AgentShell.Bench.KnownBench")!.GetMethod("Decisions", BindingFlags.Public | BindingFlags.Static);
        return (string[]?)m?.Invoke(null, null);
    }

    static int Main(string[] args)
    {
        string a = args[0], b = args[1];
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 3, ops = args.Length > 3 ? int.Parse(args[3]) : 200;
        var A = Load(a); var B = Load(b);
        if (A.Length != B.Length) { Console.Error.WriteLine($"case counts differ: {A.Length} vs {B.Length}"); return 2; }
        if (Decisions(a) is { } da && Decisions(b) is { } db)
        {
            // A build meant to be faster must decide alike: every case's decision and intents, as text.
            int differ = 0;
            for (int i = 0; i < da.Length; i++)
                if (da[i] != db[i] && ++differ <= 5) Console.WriteLine($"decision differs, case {i}:\nA {da[i]}\nB {db[i]}");
            Console.WriteLine($"decisions: {differ} of {da.Length} cases differ");
            if (differ > 0 && Environment.GetEnvironmentVariable("AB_ALLOW_DIFF") != "1") return 3;
        }
        else Console.WriteLine("decisions: not compared (a build without KnownBench.Decisions)");
        int n = A.Length;
        // Warm up until the JIT is quiet.
        for (int r = 0; r < 30; r++) for (int i = 0; i < n; i++) { A[i](); B[i](); }
        long jit = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int r = 0, quiet = 0; r < 200 && quiet < 3; r++)
        {
            Thread.Sleep(250);
            for (int k = 0; k < 3; k++) for (int i = 0; i < n; i++) { A[i](); B[i](); }
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == jit ? quiet + 1 : 0; jit = now;
        }
        var cpuA = new double[n]; var cpuB = new double[n]; var wallA = new double[n]; var wallB = new double[n];
        for (int i = 0; i < n; i++)
        {
            var ca = new List<double>(); var cb = new List<double>(); var wa = new List<double>(); var wb = new List<double>();
            for (int k = 0; k < 50; k++) { A[i](); B[i](); }
            for (int r = 0; r < rounds; r++)
            {
                foreach (bool first in new[] { true, false, false, true }) // A B B A
                {
                    var f = first ? A[i] : B[i];
                    long c0 = Cpu(); var sw = System.Diagnostics.Stopwatch.StartNew();
                    for (int k = 0; k < ops; k++) f();
                    double w = sw.Elapsed.TotalNanoseconds / ops; double c = (Cpu() - c0) / (double)ops;
                    (first ? ca : cb).Add(c); (first ? wa : wb).Add(w);
                }
            }
            cpuA[i] = Median(ca); cpuB[i] = Median(cb); wallA[i] = Median(wa); wallB[i] = Median(wb);
            if (Environment.GetEnvironmentVariable("AB_CASES") == "1") Console.WriteLine($"case\t{i}\t{cpuA[i]:F0}\t{cpuB[i]:F0}");
        }
        var ratios = Enumerable.Range(0, n).Select(i => cpuB[i] / cpuA[i]).ToList();
        Console.WriteLine($"cases {n}; rounds {rounds} x ABBA x {ops} ops per case");
        Console.WriteLine($"A cpu_median_us {Median(cpuA.ToList()) / 1000:F3} wall_median_us {Median(wallA.ToList()) / 1000:F3}");
        Console.WriteLine($"B cpu_median_us {Median(cpuB.ToList()) / 1000:F3} wall_median_us {Median(wallB.ToList()) / 1000:F3}");
        Console.WriteLine($"B/A per-case cpu ratio: median {Median(ratios):F3} p10 {Pct(ratios, 0.1):F3} p90 {Pct(ratios, 0.9):F3}");
        return 0;
    }

    static double Median(List<double> x) { x.Sort(); return x[x.Count / 2]; }
    static double Pct(List<double> x, double p) { x.Sort(); return x[(int)(x.Count * p)]; }
}
