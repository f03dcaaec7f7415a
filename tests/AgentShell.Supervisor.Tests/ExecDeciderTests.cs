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

    /// <summary>What tmux hands its server that no parser reads (python3 app.py) is unknown where the
    /// server may be outside the tree (paused); with no listed server outside, the server is the
    /// tree's and what it runs is decided at its own execs and connects (issue 11, KNOWN-GAPS 5d).</summary>
    [TestCase(true, PolicyAction.Pause)]
    [TestCase(false, PolicyAction.Allow)]
    public void WhatTmuxRunsIsUnknownOnlyWhereAServerOutsideTheTreeMayRunIt(bool outside, PolicyAction expected)
    {
        var d = TmuxDecider(outside).Decide(Request(B("tmux"), B("new-window"), B("-d"), B("python3 app.py")), new LocalExecContext(TmuxContext()));
        Assert.That(d.Action, Is.EqualTo(expected));
        if (outside) Assert.That(d.RuleId, Is.EqualTo("default.local:unread-tmux-commands"));
    }

    /// <summary>The look-alikes of that allow: a socket the CLI names itself (-S) may be an unlisted
    /// server's outside; a destructive command stays judged either way.</summary>
    [Test]
    public void NoListedServerOutsideLeavesTheRestJudged()
    {
        var named = TmuxDecider(false).Decide(Request(B("tmux"), B("-S"), B("/run/other.sock"), B("new-window"), B("-d"), B("python3 app.py")), new LocalExecContext(TmuxContext()));
        Assert.That(named.RuleId, Is.EqualTo("default.local:unread-tmux-commands"));
        var delete = TmuxDecider(false).Decide(Request(B("tmux"), B("new-window"), B("-d"), B("curl -X DELETE http://127.0.0.3:8080/volumes/1")), new LocalExecContext(TmuxContext()));
        Assert.That(delete.RuleId, Is.EqualTo("test.pause:destructive-on-staging"));
        var ownDir = TmuxContext();
        ownDir["TMUX_TMPDIR"] = "/var/tmp/elsewhere";
        Assert.That(TmuxDecider(false).Decide(Request(B("tmux"), B("new-window"), B("-d"), B("python3 app.py")), new LocalExecContext(ownDir)).Action, Is.EqualTo(PolicyAction.Pause));
    }

    private static ExecDecider TmuxDecider(bool outside)
    {
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), Repo.DemoProfile, Repo.PauseProfile]);
        return new ExecDecider(new CommandClassifier(policy.Tools), policy, anyOutsideServer: () => outside);
    }

    // The run's own socket variables, as the CLI inherits them.
    private static Dictionary<string, string> TmuxContext()
    {
        var env = new Dictionary<string, string>();
        foreach (var name in new[] { "TMUX", "TMUX_TMPDIR", "SCREENDIR" })
            if (Environment.GetEnvironmentVariable(name) is { } v) env[name] = v;
        return env;
    }

    [Test]
    public void ACopyOfCurlAtAPathThatIsNotUtf8IsRecognisedByItsContent()
    {
        // The path's bytes do not survive a round trip through a string: the file must be
        // identified through what was opened, not a path rebuilt from a decoded name.
        var dir = Directory.CreateTempSubdirectory("agentshell-decider-").FullName;
        try
        {
            byte[] path = [.. B(dir + "/fetch"), 0xff, 0xfe];
            using (var cp = System.Diagnostics.Process.Start("/bin/sh", ["-c", "cp \"$1\" \"$2/fetch$(printf '\\377\\376')\"", "sh", Repo.Which("curl"), dir])!)
            {
                cp.WaitForExit();
                Assert.That(cp.ExitCode, Is.EqualTo(0), "the copy at the non-UTF-8 path was made");
            }
            var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), Repo.DemoProfile, Repo.PauseProfile]);
            var decider = new ExecDecider(new CommandClassifier(policy.Tools), policy, new AgentShell.Supervisor.Network.ExecutableIdentity());
            byte[][] args = [path, B("-X"), B("DELETE"), B("http://127.0.0.2:8080/volumes/1")];
            var buf = args.SelectMany(a => a).ToArray();
            var spans = new int[args.Length * 2];
            for (int i = 0, pos = 0; i < args.Length; pos += args[i].Length, i++) { spans[2 * i] = pos; spans[2 * i + 1] = args[i].Length; }
            // The pid of this process: the file is opened through /proc/PID/root, as for a trapped exec.
            var request = new ExecRequest(path, path.Length, new Argv(buf, spans, args.Length), Environment.ProcessId);
            var ctx = new LocalExecContext(new Dictionary<string, string>(), dir);
            var d = decider.Decide(request, ctx);
            Assert.That((d.Action, d.RuleId), Is.EqualTo((PolicyAction.Block, "demo.http:delete-on-production")));
            // The look-alike: the same copy reading is allowed.
            args[1] = B("-s");
            args[2] = B("-o/dev/null");
            buf = args.SelectMany(a => a).ToArray();
            for (int i = 0, pos = 0; i < args.Length; pos += args[i].Length, i++) { spans[2 * i] = pos; spans[2 * i + 1] = args[i].Length; }
            var get = new ExecRequest(path, path.Length, new Argv(buf, spans, args.Length), Environment.ProcessId);
            Assert.That(decider.Decide(get, ctx).Action, Is.EqualTo(PolicyAction.Allow));
        }
        finally
        {
            // .NET cannot name the file (its name decodes with a replacement character): rm can.
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", dir])!;
            rm.WaitForExit();
        }
    }

    [Test]
    public void ACopyOfCurlIsHashedOnceForItsDecisionAndItsTrust()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-decider-").FullName;
        nint env = System.Runtime.InteropServices.Marshal.AllocHGlobal(64);
        try
        {
            string copy = Path.Combine(dir, "fetch"), other = Path.Combine(dir, "other");
            File.Copy(Repo.Which("curl"), copy);
            var bytes = File.ReadAllBytes(copy);
            bytes[^1] ^= 0xFF;
            File.WriteAllBytes(other, bytes); // curl's size, not curl
            // An empty environment in this process's memory, read as a trapped exec's is.
            System.Runtime.InteropServices.Marshal.WriteInt64(env, 0);
            var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), Repo.DemoProfile]);
            var identity = new AgentShell.Supervisor.Network.ExecutableIdentity();
            var decider = new ExecDecider(new CommandClassifier(policy.Tools), policy, identity);
            var trust = new TrustLedger(policy, identity, null, null, TextWriter.Null);
            var ctx = new RemoteExecContext(new ExecReader(), null);
            string[]? Trusted(string file)
            {
                byte[][] args = [B(file), B("-s"), B("-o/dev/null"), B("http://127.0.0.3:8080/x")];
                var buf = args.SelectMany(a => a).ToArray();
                var spans = new int[args.Length * 2];
                for (int i = 0, pos = 0; i < args.Length; pos += args[i].Length, i++) { spans[2 * i] = pos; spans[2 * i + 1] = args[i].Length; }
                var request = new ExecRequest(B(file), file.Length, new Argv(buf, spans, args.Length), Environment.ProcessId);
                ctx.Reset(Environment.ProcessId, (ulong)env);
                var d = decider.Decide(request, ctx, out bool _);
                Assert.That(d.Action, Is.EqualTo(PolicyAction.Allow), file);
                return trust.TrustedEnvironments(d, request, ctx, out _);
            }
            Assert.That(Trusted(copy), Is.Not.Null, "a copy of curl runs curl");
            Assert.That(identity.CandidateHashes, Is.EqualTo(1), "hashed for the decision, not again for the trust");
            // The look-alike: a file of curl's size that is not curl is not trusted (nor parsed as curl).
            Assert.That(Trusted(other), Is.Null);
            Assert.That(identity.CandidateHashes, Is.EqualTo(2));
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(env);
            Directory.Delete(dir, recursive: true);
        }
    }
}
