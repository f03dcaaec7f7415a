using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Credentials;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;

namespace AgentShell.Bench;

/// <summary>Bytes and thread CPU time by stage of one decision (decode argv, configuration
/// pre-pass, parser, credential scan, decide) for a few commands near the row's median, to say
/// where the row's bytes and time go by site. STAGES=CMD|CMD... picks the commands. The credential
/// scan is shown as a decision runs it: only when the profile lists credentials.</summary>
public sealed class StagesBench : IBench
{
    /// <inheritdoc/>
    public string Name => "stages";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var (root, policy, classifier, env) = TableBench.RowSetUp();
        IExecContext ctx = new TableBench.KnownState(new LocalExecContext(env, "/tmp"));
        string[] cmds = (Environment.GetEnvironmentVariable("STAGES") ?? "curl -XDELETE https://api.prod.example.com/volumes/1|psql -h db.prod.example.com -c 'TRUNCATE orders'|aws s3 rm s3://b/k|kubectl delete pod x|mysql -h db.prod.example.com -e 'DROP TABLE t'").Split('|');
        // Tier-1 JIT first (compiled in the background once calls go quiet): every stage timed below
        // runs in the classifier's own calls, so warming those warms them.
        for (int round = 0; round < 8; round++)
        {
            foreach (var cmd in cmds) { var a = TableBench.ToArgv(cmd); for (int i = 0; i < 500; i++) policy.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, a, ctx), ctx); }
            Thread.Sleep(250);
        }
        // STAGES_LOOP=SECONDS: only decide the commands over and over that long (for perf record).
        if (int.TryParse(Environment.GetEnvironmentVariable("STAGES_LOOP"), out int seconds))
        {
            var all = cmds.Select(TableBench.ToArgv).ToArray();
            var until = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < until)
                for (int i = 0; i < 1000; i++) foreach (var a in all) policy.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, a, ctx), ctx);
            return;
        }
        foreach (var cmd in cmds)
        {
            var argv = TableBench.ToArgv(cmd);
            var words = argv.ToStrings();
            var id = ToolTable.Lookup(words[0]);
            var facts = new ConfigFacts();
            // Bytes per call, and the median over 7 rounds of thread CPU ns per call.
            string B(Action a)
            {
                for (int i = 0; i < 2000; i++) a();
                long b0 = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++) a();
                long bytes = (GC.GetAllocatedBytesForCurrentThread() - b0) / 100;
                var ns = new double[7];
                for (int r = 0; r < ns.Length; r++)
                {
                    long c0 = Harness.ThreadCpuNs();
                    for (int i = 0; i < 20_000; i++) a();
                    ns[r] = (Harness.ThreadCpuNs() - c0) / 20_000.0;
                }
                Array.Sort(ns);
                return $"{bytes,6} B {ns[ns.Length / 2],8:F0} ns";
            }
            var call = new ToolCall { Args = words[1..], Context = ctx };
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            Console.WriteLine($"{cmd}");
            Console.WriteLine($"  total classify      {B(() => classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx))}");
            Console.WriteLine($"  classify+decide     {B(() => policy.Decide(classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx), ctx))}");
            Console.WriteLine($"  decide              {B(() => policy.Decide(intents, ctx))}");
            Console.WriteLine($"  argv.ToStrings      {B(() => argv.ToStrings())}");
            Console.WriteLine($"  fold config         {B(() => { facts.Clear(); ToolConfig.Fold(id, words[0], call, facts); })}");
            // As Policy.Decide: the command's credentials are scanned only when a profile lists one.
            Console.WriteLine(policy.Credentials.IsEmpty ? "  credential scan     not run (the profile lists no credentials)" : $"  credential scan     {B(() => CredentialScan.Find(id, call))}");
            Console.WriteLine($"  ToolCall+args       {B(() => new ToolCall { Args = words[1..], Context = ctx })}");
            Func<CommandIntent?>? parse = id switch
            {
                ToolId.Curl => () => Curl.Parse(call.Args, ctx, call), ToolId.Psql => () => Psql.Parse(call), ToolId.Kubectl => () => Kubectl.Parse(call),
                ToolId.Aws => () => Aws.Parse(call), ToolId.Mysql => () => Mysql.Parse("mysql", call), _ => null,
            };
            if (parse != null) Console.WriteLine($"  parser alone        {B(() => parse())}");
            foreach (var i in intents)
                Console.WriteLine($"  intent {i.Tool} {i.Effect}: {i.Evidence.Count} evidence ({i.Evidence.Sum(e => e.Fact.Length + e.Token.Length)} chars), {i.Targets.Count} targets, summary {i.Summary.Length} chars");
        }
    }
}
