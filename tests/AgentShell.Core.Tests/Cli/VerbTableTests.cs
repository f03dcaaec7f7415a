using System.Reflection;
using AgentShell.Cli;
using AgentShell.Cli.Verbs;
using CommandLine;

namespace AgentShell.Core.Tests.Cli;

/// <summary>The table `agentshell` dispatches a named verb through (its start-up fast path) agrees
/// with the verbs' own [Verb] attributes, and a verb parsed alone reads its options as the full
/// parse over every verb does.</summary>
public class VerbTableTests
{
    [Test]
    public void EveryVerbTypeIsInTheTableUnderItsOwnName()
    {
        var declared = typeof(Program).Assembly.GetTypes()
            .Select(t => (Type: t, Verb: t.GetCustomAttribute<VerbAttribute>()))
            .Where(v => v.Verb != null)
            .ToDictionary(v => v.Verb!.Name, v => v.Type);
        Assert.That(Program.Verbs, Is.EquivalentTo(declared));
    }

    [TestCase("check", "--profile", "a.json", "-p", "b.json", "--json")]
    [TestCase("check", "--shell", "rm -rf /tmp/x")]
    [TestCase("run", "-q", "--threads", "3", "--connect-guard", "seccomp", "--audit", "/tmp/a.jsonl")]
    [TestCase("hook", "claude-code")]
    public void AVerbParsedAloneReadsItsOptionsAsTheFullParseDoes(params string[] args)
    {
        using var parser = new Parser(s => { s.HelpWriter = null; s.AllowMultiInstance = true; s.CaseInsensitiveEnumValues = true; });
        var alone = parser.ParseArguments(args, Program.Verbs[args[0]]);
        var full = parser.ParseArguments<RunVerb, PendingVerb, ApproveVerb, DenyVerb, WatchVerb, CheckVerb, ProfilesVerb, LogVerb,
            HookVerb, DoctorVerb, DaemonVerb, ShellVerb, RunsVerb>(args);
        Assert.That(alone, Is.InstanceOf<Parsed<object>>());
        Assert.That(full, Is.InstanceOf<Parsed<object>>());
        object a = ((Parsed<object>)alone).Value, f = ((Parsed<object>)full).Value;
        Assert.That(a.GetType(), Is.EqualTo(f.GetType()));
        foreach (var p in a.GetType().GetProperties().Where(p => p.GetCustomAttribute<OptionAttribute>() != null || p.GetCustomAttribute<ValueAttribute>() != null))
        {
            object? va = p.GetValue(a), vf = p.GetValue(f);
            if (va is IEnumerable<string> la && vf is IEnumerable<string> lf) Assert.That(la, Is.EqualTo(lf), p.Name);
            else Assert.That(va, Is.EqualTo(vf), p.Name);
        }
    }

    [TestCase("check", "--no-such-option")]
    [TestCase("check", "--help")]
    [TestCase("run", "--threads", "many")]
    public void ACommandLineTheVerbAloneCannotParseIsLeftToTheFullParse(params string[] args)
    {
        using var parser = new Parser(s => { s.HelpWriter = null; s.AllowMultiInstance = true; });
        Assert.That(parser.ParseArguments(args, Program.Verbs[args[0]]), Is.InstanceOf<NotParsed<object>>());
    }
}
