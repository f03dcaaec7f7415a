using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;

namespace AgentShell.Bench;

/// <summary>Classification cost: programs with no parser (the hot path: must not allocate), every
/// argv case of tests/corpus (median per command), classify+decide, and a `bash -c` string of ten
/// commands.</summary>
public sealed class ClassifyBench : IBench
{
    /// <inheritdoc/>
    public string Name => "classify";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin" }, "/tmp");
        var classifier = new CommandClassifier();

        // make and an interpreter handed a script file are no parser-less programs: Classify reads
        // the makefile for the goals' recipes (Classification/Makefile.cs) and the script for what its
        // code shows (CommandClassifier.Interpreters.cs), so they are timed on their own lines.
        Console.WriteLine("  no-parser programs (target 0 B/op), then make (reads the makefile) and node (reads the script):");
        foreach (var cmd in new[] { "ls -la", "git status", "npm install", "python3 manage.py test", "cat README.md", "/usr/bin/make -j8 all", "node server.js" })
        {
            var argv = ToArgv(cmd);
            var exe = Encoding.UTF8.GetBytes(cmd.Split(' ')[0]);
            int sink = 0;
            var (ns, bytes) = h.Measure(200_000, () => sink += classifier.Classify(exe, argv, Next(ctx)).Count);
            Harness.Report(cmd, ns, bytes);
        }

        var corpus = LoadCorpus();
        var argvCases = corpus.Where(c => c.Kind == "argv").Select(c => (c.Input, Argv: ToArgv(c.Input))).ToList();
        Console.WriteLine($"  corpus argv commands: {argvCases.Count} (target: median < 2 µs)");
        // Parsers read kubeconfig, .terraform/environment, .env, .git/HEAD of each ancestor: once
        // through the real file system (what the supervisor pays), once with no files at all.
        var contexts = new (string, IExecContext)[] { ("files", ctx), ("no I/O", new NoFiles()) };
        // Warm every parser up first (tiered JIT): otherwise whichever pass runs first pays for it.
        for (int round = 0; round < 60; round++)
            foreach (var (_, c) in contexts)
                foreach (var (_, argv) in argvCases) classifier.Classify(ReadOnlySpan<byte>.Empty, argv, c);
        Thread.Sleep(200);
        foreach (var (label, c) in contexts)
        {
            var perCase = new List<(double Ns, double Bytes, string Input)>();
            foreach (var (input, argv) in argvCases)
            {
                int sink = 0;
                var (ns, bytes) = h.Measure(300, () => sink += classifier.Classify(ReadOnlySpan<byte>.Empty, argv, Next(c)).Count);
                perCase.Add((ns, bytes, input));
            }
            perCase.Sort((a, b) => a.Ns.CompareTo(b.Ns));
            Harness.Report($"median per argv command ({label})", perCase[perCase.Count / 2].Ns, perCase[perCase.Count / 2].Bytes);
            Harness.Report($"p90 per argv command ({label})", perCase[perCase.Count * 9 / 10].Ns, perCase[perCase.Count * 9 / 10].Bytes);
            var slowest = perCase[^1];
            Harness.Report($"slowest ({label}): " + Short(slowest.Input), slowest.Ns, slowest.Bytes);
        }

        var root = FindRoot();
        var policy = AgentShell.Core.Policy.Policy.Load([Path.Combine(root, "profiles", "demo.json")]);
        // The figure: classify+decide per argv command, no config file present (every
        // tool still looks for its own: .curlrc, psqlrc, wgetrc, kubeconfig, …).
        Console.WriteLine("  classify+decide, every corpus argv command, no config file present (target: median <= 1 µs with no I/O):");
        foreach (var (label, c) in contexts)
        {
            var perCase = new List<(double Ns, double Bytes, string Input)>();
            foreach (var (input, argv) in argvCases)
            {
                int sink = 0;
                var (ns, bytes) = h.Measure(300, () => sink += (int)policy.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, argv, Next(c)), c).Action);
                perCase.Add((ns, bytes, input));
            }
            perCase.Sort((a, b) => a.Ns.CompareTo(b.Ns));
            Harness.Report($"classify+decide median per argv command ({label})", perCase[perCase.Count / 2].Ns, perCase[perCase.Count / 2].Bytes);
            Harness.Report($"classify+decide p90 per argv command ({label})", perCase[perCase.Count * 9 / 10].Ns, perCase[perCase.Count * 9 / 10].Bytes);
        }
        // A .curlrc present: read and parsed once (the cache), then stat-checked per exec.
        var rcHome = Directory.CreateTempSubdirectory("agentshell-bench-rc-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(rcHome, ".curlrc"), "silent\nshow-error\nlocation\nretry = 3\nuser-agent = \"agent/1.0\"\n");
            var cache = new AgentShell.Core.Config.ConfigFileCache();
            var rcCtx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = rcHome, ["PATH"] = "/usr/bin:/bin" }, "/tmp", cache);
            var get = ToArgv("curl -s https://api.example.com/v1/volumes/1");
            int sink = 0;
            var (ns, bytes) = h.Measure(20_000, () => sink += (int)policy.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, get, Next(rcCtx)), rcCtx).Action);
            Harness.Report($"classify+decide: curl GET with a 5-line ~/.curlrc ({cache.Reads} read(s) in all)", ns, bytes);
        }
        finally { Directory.Delete(rcHome, true); }
        var railway = ToArgv("curl -X POST https://backboard.railway.app/graphql/v2 -H 'Authorization: Bearer t' -d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"v\\\") }\"}'");
        {
            int sink = 0;
            var (ns, bytes) = h.Measure(20_000, () =>
            {
                var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, railway, Next(ctx));
                sink += (int)policy.Decide(intents).Action;
            });
            Harness.Report("classify+decide: Railway volumeDelete curl", ns, bytes);
        }
        {
            // Every argv case through the shipped policy (default + demo), as the supervisor decides it.
            var shipped = AgentShell.Core.Policy.Policy.Load([Path.Combine(root, "profiles", "default.json"), Path.Combine(root, "profiles", "demo.json")]);
            var noIo = new NoFiles();
            var perCase = new List<double>();
            foreach (var (_, argv) in argvCases)
            {
                int sink = 0;
                var (ns, _) = h.Measure(300, () => sink += (int)shipped.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, argv, noIo), noIo).Action);
                perCase.Add(ns);
            }
            perCase.Sort();
            Harness.Report("median classify+decide per argv command (no I/O, target ≤ 1 µs)", perCase[perCase.Count / 2], 0);
        }

        var harmless = Argv.FromStrings(["bash", "-c", "cd /srv/app && git status && npm test 2>&1 | tail -n 20"]);
        {
            int sink = 0;
            var (ns, bytes) = h.Measure(100_000, () => sink += classifier.Classify(ReadOnlySpan<byte>.Empty, harmless, Next(ctx)).Count);
            Harness.Report("bash -c of harmless commands (quick path, target 0 B)", ns, bytes);
        }

        const string ten = "cd /srv/app && git pull --ff-only && npm ci && npm run build && psql -h db.prod.example.com -c 'SELECT 1' "
            + "&& curl -s https://api.example.com/health && kubectl --context prod-eu get pods && ls -la && echo done && redis-cli -h cache GET k";
        var bashC = Argv.FromStrings(["bash", "-c", ten]);
        {
            int sink = 0;
            var (ns, bytes) = h.Measure(20_000, () => sink += classifier.Classify(ReadOnlySpan<byte>.Empty, bashC, Next(ctx)).Count);
            Harness.Report("bash -c string of 10 commands (target < 20 µs)", ns, bytes);
        }
    }

    private sealed class NoFiles : IExecContext
    {
        public string? GetEnvironmentVariable(string name) => name == "HOME" ? "/nonexistent-home" : null;
        public string? WorkingDirectory => "/tmp";
        public byte[]? ReadFile(string path, int maxBytes) => null;
    }

    // Each measured call is a decision of its own: its first config lookup drains the missing-file watch.
    private static IExecContext Next(IExecContext c)
    {
        (c as LocalExecContext)?.NextDecision();
        return c;
    }

    private static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static Argv ToArgv(string shellWords)
    {
        var script = ShellParser.Parse(Encoding.UTF8.GetBytes(shellWords), null);
        return Argv.FromStrings(script.Commands.Count > 0 ? script.Commands[0].Words : [""]);
    }

    private static string FindRoot()
    {
        var d = AppContext.BaseDirectory;
        while (d != null && !Directory.Exists(Path.Combine(d, "tests", "corpus"))) d = Path.GetDirectoryName(d);
        return d ?? throw new DirectoryNotFoundException("tests/corpus (run from the repository)");
    }

    private static List<(string Kind, string Input)> LoadCorpus()
    {
        var r = new List<(string, string)>();
        // AGENTSHELL_BENCH_CORPUS: another corpus directory (to compare two builds on the same cases).
        var dir = Environment.GetEnvironmentVariable("AGENTSHELL_BENCH_CORPUS") ?? Path.Combine(FindRoot(), "tests", "corpus");
        foreach (var f in Directory.GetFiles(dir, "*.tsv"))
        {
            foreach (var line in File.ReadLines(f))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var p = line.Split('\t');
                if (p.Length >= 2) r.Add((p[0], p[1].Replace("\\n", "\n")));
            }
        }
        return r;
    }
}
