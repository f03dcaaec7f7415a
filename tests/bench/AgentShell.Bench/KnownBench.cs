using AgentShell.Core.Model;

namespace AgentShell.Bench;

/// <summary>The table row's figure alone (classify+decide per corpus argv, configuration state
/// known, shipped default profile), for A/B runs of two builds: only that context is timed, so a
/// run takes seconds, not minutes. Prints "argv_known_us", "argv_known_cpu_us" and
/// "argv_known_bytes" as the table does; KNOWN_CASES=1 adds one line per case.</summary>
public sealed class KnownBench : IBench
{
    /// <inheritdoc/>
    public string Name => "known";

    /// <summary>One decision per corpus argv case, as the row makes it (for a driver that loads two
    /// builds side by side and times them case by case, alternating).</summary>
    public static Action[] Cases()
    {
        var (root, policy, classifier, ctx) = DriverSetUp();
        int sink = 0;
        return [.. TableBench.Corpus(root).Select(TableBench.ToArgv).Select(argv => (Action)(() =>
        {
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            if (intents.Count > 0) sink += (int)policy.Decide(intents, ctx).Action;
        }))];
    }

    /// <summary>What each case of <see cref="Cases"/> decides, as text: the action, rule,
    /// environment and target, and every intent with its summary, targets, evidence and argv (the
    /// text made when read included), for a driver that checks two builds decide alike.</summary>
    public static string[] Decisions()
    {
        var (root, policy, classifier, ctx) = DriverSetUp();
        return [.. TableBench.Corpus(root).Select(TableBench.ToArgv).Select(argv =>
        {
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            var d = policy.Decide(intents, ctx);
            var sb = new System.Text.StringBuilder();
            sb.Append(d.Action).Append(' ').Append(d.RuleId).Append(' ').Append(d.Environment).Append(' ').Append(d.Target).Append(" | ").Append(d.Reason);
            foreach (var i in intents)
            {
                sb.Append("\n  ").Append(i).Append(" effect ").Append(i.Effect).Append(" argv ").Append(string.Join(' ', i.Argv));
                foreach (var t in i.Targets) sb.Append("\n    target ").Append(t);
                foreach (var e in i.Evidence) sb.Append("\n    ").Append(e.Token).Append(" => ").Append(e.Fact);
            }
            return sb.ToString();
        })];
    }

    // The corpus, profile and context a driver's cases run with, from this assembly's own tree.
    private static (string Root, AgentShell.Core.Policy.Policy Policy, AgentShell.Core.Classification.CommandClassifier Classifier, IExecContext Ctx) DriverSetUp()
    {
        // The repository of this assembly's build (the driver's own directory is elsewhere).
        var root = Path.GetDirectoryName(typeof(KnownBench).Assembly.Location);
        while (root != null && !Directory.Exists(Path.Combine(root, "tests", "corpus"))) root = Path.GetDirectoryName(root);
        if (root == null) throw new DirectoryNotFoundException("tests/corpus above " + typeof(KnownBench).Assembly.Location);
        var policy = AgentShell.Core.Policy.Policy.Load([Path.Combine(root, "profiles", "default.json")]);
        var classifier = new AgentShell.Core.Classification.CommandClassifier(policy.Tools);
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin" };
        IExecContext ctx = new TableBench.KnownState(new LocalExecContext(env, "/tmp"));
        return (root, policy, classifier, ctx);
    }

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var (root, policy, classifier, env) = TableBench.RowSetUp();
        IExecContext ctx = new TableBench.KnownState(new LocalExecContext(env, "/tmp"));
        var cases = TableBench.Corpus(root).Select(TableBench.ToArgv).ToList();
        // KNOWN_ONLY=FILE: only the cases whose words (as KNOWN_CASES prints them) are a line of FILE,
        // e.g. the band around the median, for a profile of those alone.
        if (Environment.GetEnvironmentVariable("KNOWN_ONLY") is { Length: > 0 } only)
        {
            var keep = new HashSet<string>(File.ReadLines(only), StringComparer.Ordinal);
            cases = cases.Where(a => keep.Contains(string.Join(' ', a.ToStrings()))).ToList();
        }
        int sink = 0;
        // KNOWN_PART=classify: classify alone; =scan: classify and each intent's credential scan (what
        // Decide adds when a profile lists credentials, without the rest of Decide): where a row's time goes.
        var part = Environment.GetEnvironmentVariable("KNOWN_PART");
        void Decide(in Argv argv)
        {
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            if (part == "classify") { sink += intents.Count; return; }
            if (part == "scan") { foreach (var i in intents) sink += i.Credentials.Count; return; }
            if (intents.Count > 0) sink += (int)policy.Decide(intents, ctx).Action;
        }
        // Warm up until the JIT is quiet (as TableBench).
        for (int round = 0; round < 30; round++) foreach (var a in cases) Decide(a);
        long jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int round = 0, quiet = 0; round < 200 && quiet < 3; round++)
        {
            Thread.Sleep(250);
            for (int c = 0; c < 3; c++) foreach (var a in cases) Decide(a);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == jitBefore ? quiet + 1 : 0;
            jitBefore = now;
        }
        bool each = Environment.GetEnvironmentVariable("KNOWN_CASES") == "1";
        var wall = new List<double>(cases.Count);
        var cpu = new List<double>(cases.Count);
        var bytes = new List<double>(cases.Count);
        foreach (var a in cases)
        {
            var argv = a;
            var (ns, cpuNs, b) = h.MeasureCpu(200, () => Decide(argv));
            wall.Add(ns);
            cpu.Add(cpuNs);
            bytes.Add(b);
            if (each) Console.WriteLine($"case\t{ns:F0}\t{cpuNs:F0}\t{b:F0}\t{string.Join(' ', argv.ToStrings())}");
        }
        wall.Sort();
        cpu.Sort();
        var sortedBytes = bytes.OrderBy(x => x).ToList();
        Console.WriteLine($"argv_known_us {wall[wall.Count / 2] / 1000:F3}");
        Console.WriteLine($"argv_known_cpu_us {cpu[cpu.Count / 2] / 1000:F3}");
        Console.WriteLine($"argv_known_bytes {sortedBytes[sortedBytes.Count / 2]:F0}");
        Console.WriteLine($"argv_zero_alloc_cases {bytes.Count(x => x < 1)}");
        Console.WriteLine($"argv_cases {bytes.Count}");
        GC.KeepAlive(sink);
    }
}
