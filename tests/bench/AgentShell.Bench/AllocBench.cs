using System.Diagnostics.Tracing;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Bench;

/// <summary>Where the table row's bytes go: the runtime's allocation ticks (one about every
/// 100 KB, with the type that crossed it) while the row's corpus is decided over and over in the
/// configuration-state-known context, counted by type. A sample, not a census: types are seen in
/// proportion to the bytes they take.</summary>
public sealed class AllocBench : IBench
{
    /// <inheritdoc/>
    public string Name => "allocs";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var (root, policy, classifier, env) = TableBench.RowSetUp();
        IExecContext ctx = new TableBench.KnownState(new LocalExecContext(env, "/tmp"));
        // ALLOC_CASES=PREFIX: only the cases that start with it (e.g. "curl ", "psql ").
        var prefix = Environment.GetEnvironmentVariable("ALLOC_CASES") ?? "";
        var cases = TableBench.Corpus(root).Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).Select(TableBench.ToArgv).ToList();
        int sink = 0;
        for (int round = 0; round < 30; round++)
            foreach (var a in cases) { var i = classifier.Classify(ReadOnlySpan<byte>.Empty, a, ctx); if (i.Count > 0) sink += (int)policy.Decide(i, ctx).Action; }
        // The row's bytes figure without timing: each case's bytes per decision, then the median.
        var perCase = new List<long>(cases.Count);
        bool each = Environment.GetEnvironmentVariable("ALLOC_EACH") == "1"; // one line per case: its bytes per decision
        foreach (var a in cases)
        {
            long b0 = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 100; k++) { var i = classifier.Classify(ReadOnlySpan<byte>.Empty, a, ctx); if (i.Count > 0) sink += (int)policy.Decide(i, ctx).Action; }
            perCase.Add((GC.GetAllocatedBytesForCurrentThread() - b0) / 100);
            if (each) Console.WriteLine($"case\t{perCase[^1]}\t{string.Join(' ', a.ToStrings())}");
        }
        perCase.Sort();
        Console.WriteLine($"median bytes per case {perCase[perCase.Count / 2]}; zero-alloc cases {perCase.Count(b => b == 0)} of {perCase.Count}");
        using var listener = new Ticks();
        long before = GC.GetAllocatedBytesForCurrentThread();
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("ALLOC_ROUNDS"), out int r) ? r : 300 * 675 / Math.Max(1, cases.Count);
        for (int round = 0; round < rounds; round++)
            foreach (var a in cases) { var i = classifier.Classify(ReadOnlySpan<byte>.Empty, a, ctx); if (i.Count > 0) sink += (int)policy.Decide(i, ctx).Action; }
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"bytes per decision (mean) {(double)bytes / rounds / cases.Count:F0}; ticks {listener.Total}");
        foreach (var (type, n) in listener.ByType.OrderByDescending(kv => kv.Value).Take(40).Select(kv => (kv.Key, kv.Value)))
            Console.WriteLine($"{100.0 * n / listener.Total,6:F1}%  {type}");
        GC.KeepAlive(sink);
    }

    private sealed class Ticks : EventListener
    {
        public readonly Dictionary<string, long> ByType = new();
        public long Total;

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload == null) return;
            int i = e.PayloadNames!.IndexOf("TypeName");
            string type = i >= 0 ? e.Payload[i] as string ?? "?" : "?";
            lock (ByType) { ByType[type] = ByType.GetValueOrDefault(type) + 1; Total++; }
        }
    }
}
