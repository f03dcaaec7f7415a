using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests;

/// <summary>The decision for one exec, from its raw argv bytes (no kernel needed).</summary>
[TestFixture]
public sealed class ExecDeciderTests
{
    private static ExecDecider Decider()
    {
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), Repo.DemoProfile, Repo.PauseProfile]);
        return new ExecDecider(new CommandClassifier(policy.Tools), policy);
    }

    /// <summary>An argv from raw byte strings, as the supervisor reads it from memory.</summary>
    private static ExecRequest Request(params byte[][] args)
    {
        var buf = args.SelectMany(a => a).ToArray();
        var spans = new int[args.Length * 2];
        for (int i = 0, pos = 0; i < args.Length; pos += args[i].Length, i++) { spans[2 * i] = pos; spans[2 * i + 1] = args[i].Length; }
        var name = "/usr/bin/curl"u8.ToArray();
        return new ExecRequest(name, name.Length, new Argv(buf, spans, args.Length));
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Test]
    public void AnInvalidUtf8ArgumentDoesNotTurnAPauseIntoAnAllow()
    {
        // The argv bytes do not round-trip through UTF-16: the command is still this exec's own.
        var r = Request(B("curl"), B("-X"), B("DELETE"), B("http://127.0.0.3:8080/volumes/1"), B("-H"), [.. B("X-Note: "), 0xff, 0xfe]);
        var d = Decider().Decide(r, new LocalExecContext(new Dictionary<string, string>()));
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Pause));
        Assert.That(d.RuleId, Is.EqualTo("test.pause:destructive-on-staging"));
    }

    [Test]
    public void ANestedProgramPausesAtItsOwnExecNotAtTheWrapper()
    {
        // The look-alike: inside bash -c the curl is exec'd (and paused) on its own.
        var r = Request(B("bash"), B("-c"), B("curl -X DELETE http://127.0.0.3:8080/volumes/1"));
        var d = Decider().Decide(r, new LocalExecContext(new Dictionary<string, string>()));
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [TestCase("echo 'DROP TABLE t' | psql -h db.example.net")]
    [TestCase("cat <<'EOF' | psql -h db.example.net\nDROP TABLE t\nEOF")]
    public void APauseThatRestsOnPipedInputStaysAtTheWrapper(string script)
    {
        // psql's own exec cannot see what the pipe feeds it: left to it, the DROP would pass.
        var r = Request(B("bash"), B("-c"), B(script));
        var d = Decider().Decide(r, new LocalExecContext(new Dictionary<string, string>()));
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Pause));
        Assert.That(d.RuleId, Is.EqualTo("default.any:destructive-on-unknown"));
    }

    [TestCase("npx prisma migrate reset")]
    [TestCase("busybox rm -rf /")]
    public void APauseOfAToolARunnerStartsStaysAtTheWrapper(string script)
    {
        // npx starts node and busybox runs applets in-process: no exec of the tool's argv follows.
        var r = Request(B("bash"), B("-c"), B(script));
        var d = Decider().Decide(r, new LocalExecContext(new Dictionary<string, string>()));
        Assert.That(d.Action, Is.Not.EqualTo(PolicyAction.Allow));
    }
}
