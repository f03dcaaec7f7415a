using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests;

/// <summary>A failing exec of a program no parser knows (each of execvp's misses along PATH), as
/// the receiving thread decides and lets it go, short of the kernel; and the trust a let-go ends.</summary>
[TestFixture]
public sealed class FailingExecCostTests
{
    private static ExecRequest Request(int pid, params string[] argv)
    {
        var args = argv.Select(Encoding.UTF8.GetBytes).ToArray();
        var buf = args.SelectMany(a => a).ToArray();
        var spans = new int[args.Length * 2];
        for (int i = 0, pos = 0; i < args.Length; pos += args[i].Length, i++) { spans[2 * i] = pos; spans[2 * i + 1] = args[i].Length; }
        return new ExecRequest(args[0], args[0].Length, new Argv(buf, spans, args.Length), pid);
    }

    [Test]
    public void AFailingExecOfAProgramNoParserKnowsIsDecidedAndLetGoWithoutAllocating()
    {
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var decider = new ExecDecider(new CommandClassifier(policy.Tools), policy, new ExecutableIdentity());
        var trust = new TrustLedger(policy, null, null, null, TextWriter.Null);
        var ctx = new RemoteExecContext(new ExecReader(), null);
        int pid = Environment.ProcessId;
        var request = Request(pid, "/nonexistent/agentshell-bench", "--flag", "value", "/tmp/some/file");
        Decision d = Decision.DefaultAllow;
        void Once()
        {
            ctx.Reset(pid, 0);
            d = decider.Decide(request, ctx, out bool _);
            trust.RememberExec(pid, trust.TrustedEnvironments(d, request, ctx, out _), request);
        }
        // Warm up past the JIT's tiering (its recompilation allocates on this thread too).
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 300; i++) Once();
            Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Once();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(d, Is.SameAs(Decision.DefaultAllow));
    }

    [Test]
    public void ATableIsEmptyUntilItsFirstUnderstoodExecOrConnect()
    {
        var execs = new ProcessTable();
        Assert.That(execs.IsEmpty, Is.True);
        execs.Understood(4242, ["production"]);
        Assert.That(execs.IsEmpty, Is.False);
        var connects = new ProcessTable();
        connects.RememberConnect(new ProcessTable.ConnectKey(4242, 1, default, 5432), true);
        Assert.That(connects.IsEmpty, Is.False);
    }

    [Test]
    public void AnExecNoParserKnowsEndsTheTrustOfTheUnderstoodExecBeforeIt()
    {
        // The look-alike of the fast path's skip: trust was given, so it is taken away.
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var trust = new TrustLedger(policy, null, null, null, TextWriter.Null);
        int pid = Environment.ProcessId;
        trust.Processes.Understood(pid, ["production"]); // as a committed exec of psql -h prod-db leaves it
        Assert.That(trust.Processes.ExecCovers(pid, "production"), Is.True);
        trust.ExecLetGo(pid, null, default);
        Assert.That(trust.Processes.ExecCovers(pid, "production"), Is.False);
    }

    [Test]
    public void AnExecThatNamesNoTargetEndsTheTrustBeforeItAndKeepsNothing()
    {
        // curl --version: understood, its own command, naming nothing to connect to.
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var trust = new TrustLedger(policy, null, null, null, TextWriter.Null);
        int pid = Environment.ProcessId;
        trust.ExecLetGo(pid, [], default);
        Assert.That(trust.Processes.IsEmpty, Is.True, "nothing for later execs to remove");
        trust.Processes.Understood(pid, ["production"]);
        trust.ExecLetGo(pid, [], default);
        Assert.That(trust.Processes.ExecCovers(pid, "production"), Is.False);
        // The look-alike: an exec that names production is kept (it covers once the exec commits).
        var fresh = new TrustLedger(policy, null, null, null, TextWriter.Null);
        fresh.ExecLetGo(pid, ["production"], default);
        Assert.That(fresh.Processes.IsEmpty, Is.False);
    }
}
