using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests;

/// <summary>`check` decides through the decider `run` uses: files found as execvp finds them and
/// identified by content, script interpreters, nested commands at their own exec, and the
/// supervisor's own rules. Real files in a temporary directory; no kernel needed.</summary>
[TestFixture]
public sealed class CommandCheckTests
{
    private const string Prod = "http://127.0.0.2:8080/volumes/1";
    private const string Staging = "http://127.0.0.3:8080/volumes/1";
    private static readonly Lazy<Policy> s_policy = new(() =>
        Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), Repo.DemoProfile, Repo.PauseProfile]));
    private static readonly Lazy<CommandCheck> s_check = new(() => new CommandCheck(s_policy.Value));
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-check-").FullName;
        File.Copy(Repo.Which("curl"), Path.Combine(_dir, "fetcher"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private LocalExecContext Ctx(string? path = null) => new(new Dictionary<string, string>
    {
        ["PATH"] = path ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["HOME"] = _dir,
    }, _dir);

    private string Script(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static CheckedExec Worst(IReadOnlyList<CheckedExec> r) => r.First(e => e.Decision.Action == r.Max(x => x.Decision.Action));

    [Test]
    public void ACopyOfCurlUnderAnotherNameIsDecidedAsCurl()
    {
        var r = s_check.Value.Command(["./fetcher", "-X", "DELETE", Prod], Ctx());
        Assert.That(r, Has.Count.EqualTo(1));
        Assert.That(r[0].Program, Is.EqualTo(Path.Combine(_dir, "fetcher")));
        Assert.That((r[0].Decision.Action, r[0].Decision.RuleId), Is.EqualTo((PolicyAction.Block, "demo.http:delete-on-production")));
        // The look-alike: the same copy reading.
        var get = s_check.Value.Command(["./fetcher", Prod], Ctx());
        Assert.That(get[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void AScriptWhoseInterpreterIsCurlIsDecidedAsWhatTheKernelRuns()
    {
        Script("s.sh", $"#!{Repo.Which("curl")} -XDELETE\n");
        var r = s_check.Value.Command(["./s.sh", Prod], Ctx());
        Assert.That((r[0].Decision.Action, r[0].Decision.RuleId), Is.EqualTo((PolicyAction.Block, "demo.http:delete-on-production")));
        Script("get.sh", $"#!{Repo.Which("curl")}\n");
        Assert.That(s_check.Value.Command(["./get.sh", Prod], Ctx())[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void APauseInsideBashDashCIsDecidedAtTheNestedCommandsOwnExec()
    {
        var r = s_check.Value.Command(["bash", "-c", $"curl -X DELETE {Staging}"], Ctx());
        Assert.That(r.Select(e => (e.Depth, e.Decision.Action, e.Decision.RuleId)), Is.EqualTo(new[]
        {
            (0, PolicyAction.Allow, SupervisorRules.NestedExec.Id),
            (1, PolicyAction.Pause, "test.pause:destructive-on-staging"),
        }));
    }

    [Test]
    public void APauseOfWhatInterpreterCodeDoesItselfStaysWithTheInterpreter()
    {
        // requests.delete and a boto3 call run inside python: no curl or aws is exec'd whose own
        // decision could pause them, so leaving the pause to a nested exec allowed them.
        var http = s_check.Value.Command(["python3", "-c", $"import requests; requests.delete('{Staging}')"], Ctx());
        Assert.That((http[0].Decision.Action, http[0].Decision.RuleId), Is.EqualTo((PolicyAction.Pause, "test.pause:destructive-on-staging")));
        var sdk = s_check.Value.Command(["python3", "-c", "import boto3; boto3.client('dynamodb').delete_table(TableName='orders')"], Ctx());
        Assert.That((sdk[0].Decision.Action, sdk[0].Decision.RuleId), Is.EqualTo((PolicyAction.Pause, "default.any:destructive-on-unknown")));
        // The look-alikes: a read, and subprocess's curl, which is an exec of its own (paused there).
        var read = s_check.Value.Command(["python3", "-c", "import boto3; print(boto3.client('dynamodb').list_tables())"], Ctx());
        Assert.That(read[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
        var sub = s_check.Value.Command(["python3", "-c", $"import subprocess; subprocess.run(['curl', '-X', 'DELETE', '{Staging}'])"], Ctx());
        Assert.That((sub[0].Decision.Action, sub[0].Decision.RuleId), Is.EqualTo((PolicyAction.Allow, SupervisorRules.NestedExec.Id)));
    }

    [Test]
    public void ABlockInsideBashDashCStaysAtTheWrapper()
    {
        var r = s_check.Value.Command(["bash", "-c", $"curl -X DELETE {Prod}"], Ctx());
        Assert.That(r.Select(e => e.Decision.Action), Is.All.EqualTo(PolicyAction.Block));
    }

    [Test]
    public void ACommandAfterCdIsFoundInThatDirectory()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        File.Move(Path.Combine(_dir, "fetcher"), Path.Combine(sub, "fetcher"));
        var r = s_check.Value.Command(["bash", "-c", $"cd sub && ./fetcher -X DELETE {Prod}"], Ctx());
        var fetcher = r.Single(e => e.Argv[0] == "./fetcher");
        Assert.That(fetcher.Program, Is.EqualTo(Path.Combine(sub, "fetcher")));
        Assert.That(fetcher.Decision.RuleId, Is.EqualTo("demo.http:delete-on-production"));
    }

    [Test]
    public void TheCommandsOfAShellScriptAreDecidedAsTheirOwnExecs()
    {
        Script("deploy.sh", $"#!/bin/sh\nls\n./fetcher -X DELETE {Prod}\n");
        var r = s_check.Value.Command(["./deploy.sh"], Ctx());
        Assert.That(r[0].Decision.Action, Is.EqualTo(PolicyAction.Allow), "the script itself names nothing");
        Assert.That(Worst(r).Argv[0], Is.EqualTo("./fetcher"));
        Assert.That(Worst(r).Decision.RuleId, Is.EqualTo("demo.http:delete-on-production"));
        // Through env, as `#!/usr/bin/env bash` scripts run: env starts bash, which reads the script.
        Script("env.sh", $"#!/usr/bin/env bash\n./fetcher -X DELETE {Prod}\n");
        Assert.That(Worst(s_check.Value.Command(["./env.sh"], Ctx())).Decision.RuleId, Is.EqualTo("demo.http:delete-on-production"));
    }

    [Test]
    public void AgentshellApproveIsRefusedBySelfApproval()
    {
        var r = s_check.Value.Command(["agentshell", "approve", "7"], Ctx());
        Assert.That((r[0].Decision.Action, r[0].Decision.RuleId), Is.EqualTo((PolicyAction.Block, "supervisor:self-approval")));
        // The look-alike: the words as arguments of another program.
        Assert.That(s_check.Value.Command(["echo", "agentshell", "approve", "7"], Ctx())[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void AgentshellUnderAnotherNameIsRecognisedByItsFile()
    {
        var tool = Path.Combine(_dir, "helper");
        File.Copy("/bin/true", tool);
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var identity = Interop.Files.TryStat(tool, out var st) ? st.Identity : throw new IOException(tool);
        var classifier = new CommandClassifier(s_policy.Value.Tools);
        var check = new CommandCheck(new ExecDecider(classifier, s_policy.Value, null, identity), classifier);
        Assert.That(check.Command(["./helper", "deny", "7"], Ctx())[0].Decision.RuleId, Is.EqualTo("supervisor:self-approval"));
        // The look-alike: another file with the same verb.
        Assert.That(check.Command(["./fetcher", "deny"], Ctx())[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void AnArgvLargerThanTheSupervisorReadsIsRefusedLikeInARun()
    {
        var large = new[] { "/bin/true" }.Concat(Enumerable.Range(0, ExecReader.MaxArgs + 1).Select(i => i.ToString())).ToArray();
        Assert.That(s_check.Value.Command(large, Ctx())[0].Decision.RuleId, Is.EqualTo("supervisor:unreadable-argv"));
        var under = large[..ExecReader.MaxArgs];
        Assert.That(s_check.Value.Command(under, Ctx())[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    [Test]
    public void AProgramThatCannotBeFoundIsDecidedByName()
    {
        var r = s_check.Value.Command(["curl", "-X", "DELETE", Prod], Ctx(path: Path.Combine(_dir, "empty")));
        Assert.That(r[0].Program, Is.Null);
        Assert.That(r[0].Decision.RuleId, Is.EqualTo("demo.http:delete-on-production"));
    }

    [Test]
    public void APathSearchPassesOverFilesItMayNotRun()
    {
        var first = Directory.CreateDirectory(Path.Combine(_dir, "a")).FullName;
        var second = Directory.CreateDirectory(Path.Combine(_dir, "b")).FullName;
        File.WriteAllText(Path.Combine(first, "tool"), "not executable");
        File.Copy("/bin/true", Path.Combine(second, "tool"));
        var ctx = Ctx(path: $"{first}:{second}");
        Assert.That(ProgramSearch.Find("tool", ctx), Is.EqualTo(Path.Combine(second, "tool")));
        Assert.That(ProgramSearch.Find("./fetcher", ctx), Is.EqualTo(Path.Combine(_dir, "fetcher")));
        Assert.That(ProgramSearch.Find("nothing-here", ctx), Is.Null);
    }

    [Test]
    public void AShellStringIsDecidedAsShDashCAndEachOfItsCommands()
    {
        var r = s_check.Value.Shell($"ls; curl -X DELETE {Prod}", Ctx());
        Assert.That(r.Select(e => e.Argv[0]), Is.EqualTo(new[] { "sh", "ls", "curl" }));
        Assert.That(r.Select(e => e.Decision.Action), Is.EqualTo(new[] { PolicyAction.Block, PolicyAction.Allow, PolicyAction.Block }));
    }

    [Test]
    public void AFailureWhileDecidingRefuses()
    {
        // A parser asks for a variable and the context fails: as in a run, the exec is refused.
        var r = s_check.Value.Command(["psql", "-c", "SELECT 1"], new ThrowingContext(_dir));
        Assert.That((r[0].Decision.Action, r[0].Decision.RuleId), Is.EqualTo((PolicyAction.Block, "supervisor:decision-error")));
        // The look-alike: the same command with a context that answers.
        Assert.That(s_check.Value.Command(["psql", "-c", "SELECT 1"], Ctx())[0].Decision.Action, Is.EqualTo(PolicyAction.Allow));
    }

    private sealed class ThrowingContext(string cwd) : IExecContext
    {
        public string? GetEnvironmentVariable(string name) => name == "PATH" ? "/usr/bin:/bin" : throw new InvalidOperationException("injected");
        public string? WorkingDirectory => cwd;
        public byte[]? ReadFile(string path, int maxBytes) => null;
    }
}
