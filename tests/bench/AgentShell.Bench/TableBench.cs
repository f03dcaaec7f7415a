using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Bench;

/// <summary>The two in-process figures of `make bench`'s table, as "name value" lines:
/// classify+decide per argv (the median over every argv case of tests/corpus) and per `bash -c`
/// string of ten commands, both against the shipped default profile.</summary>
public sealed class TableBench : IBench
{
    /// <inheritdoc/>
    public string Name => "table";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        string root = FindRoot();
        var policy = Policy.Load([Path.Combine(root, "profiles", "default.json")]);
        var classifier = new CommandClassifier(policy.Tools);
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin" };
        var watched = new LocalExecContext(env, "/tmp");
        // The same decisions with every configuration lookup real (no missing-file watch), timed
        // alternately with the watched ones so that the machine's load falls on both alike.
        var unwatched = new LocalExecContext(env, "/tmp", missing: AgentShell.Core.Config.MissingFileWatch.Never());
        var ctx = watched;
        var cases = Corpus(root).Select(ToArgv).ToList();
        int sink = 0;
        void Decide(in Argv argv)
        {
            ctx.NextDecision(); // each decision drains the missing-file watch once, as the supervisor's do
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            if (intents.Count > 0) sink += (int)policy.Decide(intents, ctx).Action;
        }
        // Warm every parser up (tiered JIT) before timing any of them.
        for (int round = 0; round < 30; round++)
        {
            ctx = round % 2 == 0 ? watched : unwatched;
            foreach (var a in cases) Decide(a);
        }
        ctx = watched;
        // BENCH_PROFILE=SECONDS: only loop over the corpus that long (for perf record with DOTNET_PerfMapEnabled=1).
        if (int.TryParse(Environment.GetEnvironmentVariable("BENCH_PROFILE"), out int seconds))
        {
            var until = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < until)
                foreach (var a in cases) Decide(a);
            return;
        }
        var perCase = new List<double>(cases.Count);
        var bytes = new List<double>(cases.Count);
        var perCaseUnwatched = new List<double>(cases.Count);
        bool each = Environment.GetEnvironmentVariable("BENCH_CASES") == "1"; // one line per case, for profiling
        foreach (var a in cases)
        {
            var argv = a;
            ctx = unwatched;
            var (realNs, _) = h.Measure(200, () => Decide(argv));
            ctx = watched;
            var (caseNs, b) = h.Measure(200, () => Decide(argv));
            perCase.Add(caseNs);
            perCaseUnwatched.Add(realNs);
            bytes.Add(b);
            if (each) Console.WriteLine($"case\t{caseNs:F0}\t{realNs:F0}\t{b:F0}\t{string.Join(' ', argv.ToStrings())}");
        }
        perCase.Sort();
        perCaseUnwatched.Sort();
        bytes.Sort();
        Console.WriteLine($"argv_median_us {perCase[perCase.Count / 2] / 1000:F3}");
        Console.WriteLine($"argv_median_bytes {bytes[bytes.Count / 2]:F0}");
        Console.WriteLine($"argv_median_unwatched_us {perCaseUnwatched[perCaseUnwatched.Count / 2] / 1000:F3}");

        const string ten = "cd /srv/app && git pull --ff-only && npm ci && npm run build && psql -h db.prod.example.com -c 'SELECT 1' "
            + "&& curl -s https://api.example.com/health && kubectl --context prod-eu get pods && ls -la && echo done && redis-cli -h cache GET k";
        var bashC = Argv.FromStrings(["bash", "-c", ten]);
        var (ns, _) = h.Measure(5000, () => Decide(bashC));
        Console.WriteLine($"shell10_us {ns / 1000:F3}");
        GC.KeepAlive(sink);
    }

    private static Argv ToArgv(string shellWords)
    {
        var script = ShellParser.Parse(Encoding.UTF8.GetBytes(shellWords), null);
        return Argv.FromStrings(script.Commands.Count > 0 ? script.Commands[0].Words : [""]);
    }

    private static IEnumerable<string> Corpus(string root)
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

    private static string FindRoot()
    {
        var d = AppContext.BaseDirectory;
        while (d != null && !Directory.Exists(Path.Combine(d, "tests", "corpus"))) d = Path.GetDirectoryName(d);
        return d ?? throw new DirectoryNotFoundException("tests/corpus (run from the repository)");
    }
}
