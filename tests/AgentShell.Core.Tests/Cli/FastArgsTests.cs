using System.Reflection;
using AgentShell.Cli;
using AgentShell.Cli.Verbs;
using CommandLine;

namespace AgentShell.Core.Tests.Cli;

/// <summary>The hot verbs' command lines read without the option parser (<see cref="FastArgs"/>)
/// come out as the parser reads them; whatever the fast path leaves alone is the parser's.</summary>
public class FastArgsTests
{
    private static ParserResult<object> Full(string[] args)
    {
        using var parser = new Parser(s => { s.HelpWriter = null; s.AutoHelp = true; s.AutoVersion = true; s.CaseInsensitiveEnumValues = true; s.AllowMultiInstance = true; });
        return parser.ParseArguments<RunVerb, PendingVerb, ApproveVerb, DenyVerb, WatchVerb, CheckVerb, ProfilesVerb, LogVerb,
            HookVerb, DoctorVerb, DaemonVerb, ShellVerb, RunsVerb>(args);
    }

    [TestCase("check")]
    [TestCase("check", "--json")]
    [TestCase("check", "--profile", "a.json", "--profile", "b.json", "--profile", "c.json", "--json")]
    [TestCase("check", "-p", "a.json", "--json", "-p", "b.json")]
    [TestCase("check", "--profile=a.json", "--profile=b.json")]
    [TestCase("check", "--shell", "rm -rf /tmp/x; ls")]
    [TestCase("check", "--shell=curl https://x", "-p", "/etc/p.json")]
    [TestCase("hook", "claude-code")]
    [TestCase("hook", "codex", "--timeout", "5", "-p", "a.json")]
    [TestCase("run")]
    [TestCase("run", "-q", "--connect-guard", "seccomp")]
    [TestCase("run", "--quiet", "--audit", "/tmp/a.jsonl", "--connect-guard=kernel", "--threads", "4")]
    [TestCase("run", "-v", "--require-protection", "--socket", "/tmp/s.sock", "--pause-timeout", "30")]
    [TestCase("run", "--profile", "a.json", "--profile", "b.json", "--pause-timeout=1", "--threads=1")]
    [TestCase("run", "-p", "a.json", "-q", "-p", "b.json", "-v")]
    public void APlainCommandLineIsReadAsTheParserReadsIt(params string[] args)
    {
        var fast = FastArgs.TryParse(args);
        Assert.That(fast, Is.Not.Null, "a plain command line takes the fast path");
        var full = Full(args);
        Assert.That(full, Is.InstanceOf<Parsed<object>>());
        object f = ((Parsed<object>)full).Value;
        Assert.That(fast!.GetType(), Is.EqualTo(f.GetType()));
        foreach (var p in f.GetType().GetProperties().Where(p => p.GetCustomAttribute<OptionAttribute>() != null || p.GetCustomAttribute<ValueAttribute>() != null))
        {
            object? a = p.GetValue(fast), b = p.GetValue(f);
            if (a is IEnumerable<string> la && b is IEnumerable<string> lb) Assert.That(la, Is.EqualTo(lb), p.Name);
            else Assert.That(a, Is.EqualTo(b), p.Name);
        }
    }

    [TestCase("check", "--help")]
    [TestCase("check", "--version")]
    [TestCase("check", "--no-such-option")]
    [TestCase("check", "--json", "--json")]
    [TestCase("check", "--json=false")]
    [TestCase("check", "--shell")]
    [TestCase("check", "--shell", "")]
    [TestCase("check", "--shell", "-x")]
    [TestCase("check", "stray")]
    [TestCase("check", "-pa.json")]
    [TestCase("check", "-Json")]
    [TestCase("check", "--profile", "a.json", "-p", "b.json")] // the parser puts b before a
    [TestCase("check", "-p", "a.json", "--profile=b.json")]
    [TestCase("check", "--profile", "a.json", "b.json")]     // the parser reads both as profiles
    [TestCase("hook", "--profile", "a.json", "gemini")]     // the parser reads gemini as a profile
    [TestCase("hook")]
    [TestCase("hook", "codex", "cursor")]
    [TestCase("hook", "codex", "--timeout")]
    [TestCase("hook", "codex", "--timeout", "99999999999")]
    [TestCase("hook", "codex", "--timeout", "2", "--timeout", "3")]
    [TestCase("hook", "codex", "-q")]
    [TestCase("run", "--help")]
    [TestCase("run", "-q", "-q")]
    [TestCase("run", "--quiet=true")]
    [TestCase("run", "-qv")]
    [TestCase("run", "--threads", "-1")]
    [TestCase("run", "--threads", "two")]
    [TestCase("run", "--pause-timeout")]
    [TestCase("run", "--audit", "")]
    [TestCase("run", "--json")]
    [TestCase("run", "stray")]
    [TestCase("run", "-p", "a.json", "--profile", "b.json")]
    [TestCase("check", "-q")]
    [TestCase("pending")]
    [TestCase("--help")]
    [TestCase("Check", "--json")]
    public void AnythingElseIsLeftToTheParser(params string[] args) =>
        Assert.That(FastArgs.TryParse(args), Is.Null);
}
