using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Bench;

/// <summary>The two in-process figures of `make bench`'s table, as "name value" lines:
/// classify+decide per argv (the median over every argv case of tests/corpus) and per `bash -c`
/// string of ten commands, both against the shipped default profile; the per-argv figure three ways
/// (configuration state known, as the supervisor checks it, every lookup real) and the freshness
/// check alone.</summary>
public sealed class TableBench : IBench
{
    /// <inheritdoc/>
    public string Name => "table";

    /// <summary>What the row decides with: the shipped default profile, its classifier, and an
    /// environment with no home (no config file present). Shared by the row's diagnostic modes.</summary>
    internal static (string Root, Policy Policy, CommandClassifier Classifier, Dictionary<string, string> Env) RowSetUp()
    {
        string root = FindRoot();
        var policy = Policy.Load([Path.Combine(root, "profiles", "default.json")]);
        return (root, policy, new CommandClassifier(policy.Tools), new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin" });
    }

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var (root, policy, classifier, env) = RowSetUp();
        // Three ways to answer the same lookups, timed alternately per case so that the machine's
        // load falls on all alike:
        // - watched: as the supervisor decides: each decision's first configuration lookup polls
        //   the missing-file watch once (the freshness check), later ones are answered from it;
        // - known: the configuration state already known: every answer from a memo (no syscall at all);
        // - unwatched: every lookup real (no missing-file watch).
        var watch = new AgentShell.Core.Config.MissingFileWatch();
        var watched = new LocalExecContext(env, "/tmp", missing: watch);
        var known = new KnownState(new LocalExecContext(env, "/tmp"));
        var unwatched = new LocalExecContext(env, "/tmp", missing: AgentShell.Core.Config.MissingFileWatch.Never());
        IExecContext ctx = watched;
        var cases = Corpus(root).Select(ToArgv).ToList();
        int sink = 0;
        void Decide(in Argv argv)
        {
            (ctx as LocalExecContext)?.NextDecision(); // each decision drains the missing-file watch once, as the supervisor's do
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            if (intents.Count > 0) sink += (int)policy.Decide(intents, ctx).Action;
        }
        bool each = Environment.GetEnvironmentVariable("BENCH_CASES") == "1"; // one line per case, for profiling
        // Warm every parser up (tiered JIT) before timing any of them.
        IExecContext[] all = [watched, unwatched, known];
        for (int round = 0; round < 30; round++)
        {
            ctx = all[round % 3];
            foreach (var a in cases) Decide(a);
        }
        // Then until the JIT is done: tier-1 (with PGO) is compiled in the background after 100 ms
        // without new tier-0 code, which a loaded machine delays; thirty rounds left thousands of
        // methods to be compiled while the cases were timed, so the first cases were measured in
        // tier-0 or instrumented code. The supervisor is NativeAOT: it never runs either.
        long jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int round = 0, quiet = 0; round < 200 && quiet < 3; round++)
        {
            Thread.Sleep(250);
            for (int c = 0; c < 3; c++)
            {
                ctx = all[c];
                foreach (var a in cases) Decide(a);
            }
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (each) Console.WriteLine($"warmup\t{round}\t{now - jitBefore}");
            quiet = now == jitBefore ? quiet + 1 : 0;
            jitBefore = now;
        }
        ctx = Environment.GetEnvironmentVariable("BENCH_CONTEXT") == "known" ? known : watched;
        long jitAfterWarmup = System.Runtime.JitInfo.GetCompiledMethodCount();
        // BENCH_PROFILE=SECONDS: only loop over the corpus that long (for perf record with DOTNET_PerfMapEnabled=1).
        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_PROFILE"), out int seconds))
        {
            var until = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < until)
                foreach (var a in cases) Decide(a);
            return;
        }
        var perCase = new List<double>(cases.Count);
        var perCaseUnwatched = new List<double>(cases.Count);
        var perCaseKnown = new List<double>(cases.Count);
        var perCaseKnownCpu = new List<double>(cases.Count);
        var bytes = new List<double>(cases.Count);
        foreach (var a in cases)
        {
            var argv = a;
            ctx = unwatched;
            var (realNs, _) = h.Measure(200, () => Decide(argv));
            ctx = watched;
            var (caseNs, _) = h.Measure(200, () => Decide(argv));
            ctx = known;
            var (knownNs, knownCpu, b) = h.MeasureCpu(200, () => Decide(argv));
            perCase.Add(caseNs);
            perCaseUnwatched.Add(realNs);
            perCaseKnown.Add(knownNs);
            perCaseKnownCpu.Add(knownCpu);
            bytes.Add(b);
            if (each) Console.WriteLine($"case\t{knownNs:F0}\t{knownCpu:F0}\t{caseNs:F0}\t{realNs:F0}\t{b:F0}\t{string.Join(' ', argv.ToStrings())}");
        }
        // The freshness check alone: a decision's first lookup (poll of the watch, then the answer
        // from it) against a later lookup of the same decision (the answer alone), same run.
        const string probe = "/nonexistent-home/.curlrc";
        var (firstNs, firstCpu, _) = h.MeasureCpu(20_000, () => { watched.NextDecision(); sink += (int)watched.ReadConfigFile(probe).State; });
        var (laterNs, laterCpu, _) = h.MeasureCpu(20_000, () => sink += (int)watched.ReadConfigFile(probe).State);
        Console.WriteLine($"jit_methods_during_timing {System.Runtime.JitInfo.GetCompiledMethodCount() - jitAfterWarmup}");
        Console.WriteLine($"argv_known_us {Median(perCaseKnown) / 1000:F3}");
        Console.WriteLine($"argv_known_cpu_us {Median(perCaseKnownCpu) / 1000:F3}");
        Console.WriteLine($"argv_known_bytes {Median(bytes):F0}");
        Console.WriteLine($"argv_zero_alloc_cases {bytes.Count(x => x < 1)}");
        Console.WriteLine($"argv_cases {bytes.Count}");
        Console.WriteLine($"freshness_us {(firstNs - laterNs) / 1000:F3}");
        Console.WriteLine($"freshness_cpu_us {(firstCpu - laterCpu) / 1000:F3}");
        Console.WriteLine($"argv_median_us {Median(perCase) / 1000:F3}");
        Console.WriteLine($"argv_median_unwatched_us {Median(perCaseUnwatched) / 1000:F3}");

        const string ten = "cd /srv/app && git pull --ff-only && npm ci && npm run build && psql -h db.prod.example.com -c 'SELECT 1' "
            + "&& curl -s https://api.example.com/health && kubectl --context prod-eu get pods && ls -la && echo done && redis-cli -h cache GET k";
        var bashC = Argv.FromStrings(["bash", "-c", ten]);
        ctx = watched;
        var (ns, _) = h.Measure(5000, () => Decide(bashC));
        Console.WriteLine($"shell10_us {ns / 1000:F3}");
        GC.KeepAlive(sink);
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    /// <summary>The configuration state already known: every configuration file and file named in
    /// argv is answered from what the first lookup found (a dictionary lookup, about what a hit
    /// in the missing-file watch costs). Not the watch itself: an event in a watched directory
    /// (the working directory is /tmp, busy on a shared machine) makes it forget, and its next
    /// lookups are real. No syscall once every case has run once.</summary>
    internal sealed class KnownState(LocalExecContext inner) : IExecContext
    {
        private readonly Dictionary<string, AgentShell.Core.Config.ConfigFile> _configs = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, int), byte[]?> _files = new();

        public string? GetEnvironmentVariable(string name) => inner.GetEnvironmentVariable(name);
        public ulong VariablesSet(VariableNames names) => inner.VariablesSet(names);
        public string? WorkingDirectory => inner.WorkingDirectory;

        public byte[]? ReadFile(string path, int maxBytes)
        {
            if (!_files.TryGetValue((path, maxBytes), out var b)) _files[(path, maxBytes)] = b = inner.ReadFile(path, maxBytes);
            return b;
        }

        public AgentShell.Core.Config.ConfigFile ReadConfigFile(string path)
        {
            if (!_configs.TryGetValue(path, out var f)) _configs[path] = f = inner.ReadConfigFile(path);
            return f;
        }
    }

    internal static Argv ToArgv(string shellWords)
    {
        var script = ShellParser.Parse(Encoding.UTF8.GetBytes(shellWords), null);
        return Argv.FromStrings(script.Commands.Count > 0 ? script.Commands[0].Words : [""]);
    }

    internal static IEnumerable<string> Corpus(string root)
    {
        foreach (var f in Directory.GetFiles(Path.Combine(root, "tests", "corpus"), "*.tsv"))
        {
            foreach (var line in File.ReadLines(f))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var p = line.Split('\t');
                if (p.Length >= 2 && p[0] == "argv") yield return p[1].Replace("\\n", "\n");
            }
        }
    }

    internal static string FindRoot()
    {
        var d = AppContext.BaseDirectory;
        while (d != null && !Directory.Exists(Path.Combine(d, "tests", "corpus"))) d = Path.GetDirectoryName(d);
        return d ?? throw new DirectoryNotFoundException("tests/corpus (run from the repository)");
    }
}
