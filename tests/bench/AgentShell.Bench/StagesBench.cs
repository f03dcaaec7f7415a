using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Credentials;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;

namespace AgentShell.Bench;

/// <summary>Bytes by stage of one decision (decode argv, configuration pre-pass, parser,
/// credential scan, decide) for a few commands near the row's median, to say where the row's
/// bytes go by site. Not timed.</summary>
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
        foreach (var cmd in cmds)
        {
            var argv = TableBench.ToArgv(cmd);
            var words = argv.ToStrings();
            var id = ToolTable.Lookup(words[0]);
            var facts = new ConfigFacts();
            long B(Action a) { for (int i = 0; i < 50; i++) a(); long b0 = GC.GetAllocatedBytesForCurrentThread(); for (int i = 0; i < 100; i++) a(); return (GC.GetAllocatedBytesForCurrentThread() - b0) / 100; }
            var call = new ToolCall { Args = words[1..], Context = ctx };
            var intents = classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx);
            Console.WriteLine($"{cmd}");
            Console.WriteLine($"  total classify      {B(() => classifier.Classify(ReadOnlySpan<byte>.Empty, argv, ctx))}");
            Console.WriteLine($"  decide              {B(() => policy.Decide(intents, ctx))}");
            Console.WriteLine($"  argv.ToStrings      {B(() => argv.ToStrings())}");
            Console.WriteLine($"  fold config         {B(() => { facts.Clear(); ToolConfig.Fold(id, words[0], call, facts); })}");
            Console.WriteLine($"  credential scan     {B(() => CredentialScan.Find(id, call))}");
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
