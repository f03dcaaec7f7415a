using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>`agentshell check` decides exactly as `agentshell run` does: each case goes through
/// `check --json` and then runs for real under the supervisor, and the most severe decision of
/// each (check's verdict; the run's audit log, where every exec is recorded) has the same action
/// and rule id. Agent hooks are built on check: a disagreement is a hole.</summary>
[TestFixture]
public sealed class CheckAgreesWithRunTests
{
    private LoopbackHttpServer _prod = null!;
    private LoopbackHttpServer _staging = null!;
    private string _dir = "";
    private string _recordAll = "";
    private string _repos = "";

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _prod = new LoopbackHttpServer("127.0.0.2");
        _staging = new LoopbackHttpServer("127.0.0.3");
        _dir = Directory.CreateTempSubdirectory("agentshell-agree-").FullName;
        var curl = Repo.Which("curl");
        File.Copy(curl, Path.Combine(_dir, "fetcher"));
        Executable(Path.Combine(_dir, "s.sh"), $"#!{curl} -XDELETE\n");
        // lead s41: script files an interpreter runs (a literal refusal in them counts, nothing else).
        File.WriteAllText(Path.Combine(_dir, "drop.py"), "import boto3\nboto3.Session(profile_name='prod').client('s3').delete_bucket(Bucket='assets')\n");
        File.WriteAllText(Path.Combine(_dir, "tasks.py"), "import boto3\n\ndef drop():\n    boto3.client('dynamodb', region_name='eu-west-1').delete_table(TableName='orders')\n");
        _recordAll = Path.Combine(_dir, "record-all.json");
        File.WriteAllText(_recordAll, """{ "Description": "test: record every exec", "Audit": { "LogAllowsOfUnparsedTools": true } }""");
        // corpus21: a real repository whose remotes a profile's Repositories classify (git reads the same config).
        _repos = Path.Combine(_dir, "repos.json");
        File.WriteAllText(_repos, """{ "Description": "test: repositories", "Environments": { "production": { "Repositories": ["github.com/acme/api"] }, "staging": { "Repositories": ["github.com/acme/api-staging"] } } }""");
        var app = Path.Combine(_dir, "app");
        Directory.CreateDirectory(app);
        foreach (var git in new[] { "init -q -b main", "remote add origin git@github.com:acme/api.git", "remote add stage https://github.com/acme/api-staging.git" })
            Assert.That(System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", $"-C {app} {git}") { UseShellExecute = false })!.WaitForExitAsync().Wait(10_000), Is.True, git);
    }

    [TearDown]
    public void TearDown()
    {
        _prod?.Dispose();
        _staging?.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string Expand(string s) => s.Replace("{prod}", _prod.Url("")).Replace("{staging}", _staging.Url(""))
        .Replace("{dir}", _dir).Replace("{agentshell}", Repo.AgentShell);

    private string[] Profiles() => ["--profile", Repo.DemoProfile, "--profile", Repo.PauseProfile, "--profile", _recordAll, "--profile", _repos];

    private static int ExitCodeOf(string action) => action switch { "block" => 4, "pause" => 3, _ => 0 };

    private static (string Action, string Rule) Worst(IEnumerable<(string Action, string Rule)> decisions)
    {
        var all = decisions.ToList();
        int Severity(string a) => a switch { "block" => 2, "pause" => 1, _ => 0 };
        int max = all.Max(d => Severity(d.Action));
        return all.First(d => Severity(d.Action) == max);
    }

    /// <summary>`check --json`: its verdict (for --shell, the most severe of the array).</summary>
    private (string Action, string Rule) Check(IEnumerable<string> args, string expectedAction)
    {
        var r = AgentShellRunner.Run(new[] { "check", "--json" }.Concat(Profiles()).Concat(args), cwd: _dir);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodeOf(expectedAction)), $"check: {r.Stdout}{r.Stderr}");
        var doc = JsonDocument.Parse(r.Stdout).RootElement;
        var items = doc.ValueKind == JsonValueKind.Array ? doc.EnumerateArray().ToList() : [doc];
        return Worst(items.Select(i => (i.GetProperty("verdict").GetString()!, i.GetProperty("rule").GetString()!)));
    }

    /// <summary>`run`: the most severe decision in its audit log (a pause times out after a second).</summary>
    private (string Action, string Rule) Run(params string[] command)
    {
        var audit = Path.Combine(_dir, $"audit-{Guid.NewGuid():N}.jsonl");
        var r = AgentShellRunner.Run(new[] { "run" }.Concat(Profiles()).Concat(["--audit", audit, "--pause-timeout", "1", "--"]).Concat(command), cwd: _dir);
        Assert.That(File.Exists(audit), Is.True, $"nothing was recorded: {r.Stderr}");
        var records = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(records, Is.Not.Empty, r.Stderr);
        return Worst(records.Select(x => (x.GetProperty("action").GetString()!, x.GetProperty("ruleId").GetString()!)));
    }

    [TestCase("allow", "default.any:allow", "ls", "/")]
    [TestCase("pause", "test.pause:destructive-on-staging", "curl", "-sS", "-X", "DELETE", "{staging}/volumes/1")]
    [TestCase("block", "demo.http:delete-on-production", "./fetcher", "-sS", "-X", "DELETE", "{prod}/volumes/1")]
    [TestCase("allow", "default.any:allow", "./fetcher", "-sS", "-o", "/dev/null", "{prod}/volumes/1")]
    [TestCase("block", "demo.http:delete-on-production", "./s.sh", "{prod}/volumes/1")]
    [TestCase("pause", "test.pause:destructive-on-staging", "bash", "-c", "curl -sS -X DELETE {staging}/volumes/2")]
    [TestCase("block", "demo.http:delete-on-production", "bash", "-c", "cd {dir} && ./fetcher -sS -X DELETE {prod}/volumes/3")]
    [TestCase("pause", "default.any:destructive-on-unknown", "bash", "-c", "echo 'DROP TABLE t' | psql -h db.example.net")]
    [TestCase("pause", "default.any:destructive-on-unknown", "bash", "-c", "npx prisma migrate reset")]
    // corpus18: indirection read at the exec that hands the command over (inline code, git aliases).
    [TestCase("block", "demo.http:delete-on-production", "python3", "-c", "import urllib.request as u; u.urlopen(u.Request('{prod}/volumes/6', method='DELETE'))")]
    [TestCase("block", "demo.http:delete-on-production", "node", "-e", "fetch('{prod}/volumes/7', {method: 'DELETE'}).catch(() => {})")]
    [TestCase("allow", "default.any:allow", "python3", "-c", "import urllib.request as u; u.urlopen('{prod}/volumes/6').read()")]
    [TestCase("block", "demo.http:delete-on-production", "git", "-c", "alias.purge=!curl -sS -X DELETE {prod}/volumes/8", "purge")]
    [TestCase("block", "demo.http:delete-on-production", "bash", "-c", "eval \"$0\"", "curl -sS -X DELETE {prod}/volumes/9")]
    [TestCase("block", "demo.http:delete-on-production", "bash", "-c", "run() { \"$@\"; }; run curl -sS -X DELETE {prod}/volumes/10")]
    [TestCase("allow", "default.any:allow", "bash", "-c", "\"$@\"", "_", "curl", "-sS", "-o", "/dev/null", "{prod}/volumes/11")]
    // corpus21: the remote's repository is production by the profile's Repositories (git's own config, read as git reads it).
    // lead s40: an AWS SDK call is the aws command it amounts to, under run too (AWS's endpoints are no production
    // host the gate or the wire layer could judge it by); its pause stays with python (no aws is exec'd to pause).
    [TestCase("block", "default.any:destructive-on-production", "python3", "-c", "import boto3; boto3.Session(profile_name='prod').client('s3').delete_bucket(Bucket='assets')")]
    [TestCase("pause", "default.any:destructive-on-unknown", "python3", "-c", "import boto3; boto3.client('dynamodb', region_name='eu-west-1').delete_table(TableName='orders')")]
    [TestCase("allow", "default.any:allow", "python3", "-c", "import boto3; s = boto3.Session(profile_name='prod'); print(s.profile_name)")]
    // lead s41: the same call in a script file is refused before python starts; a delete whose target no profile
    // knows, in a function of a file that may never call it, is no pause (only a refusal of a file's text counts).
    [TestCase("block", "default.any:destructive-on-production", "python3", "drop.py")]
    [TestCase("block", "default.any:destructive-on-production", "bash", "-c", "cd {dir} && python3 -u ./drop.py")]
    [TestCase("allow", "default.any:allow", "python3", "tasks.py")]
    // lead s41: a live key its issuer marks (default.json's key prefixes) sent to a host no gate or wire layer
    // intercepts: the one-liner's literal call is read under run too (only its refusal counts), as check reads it.
    [TestCase("block", "demo.http:delete-on-production", "python3", "-c", "import urllib.request as u; u.urlopen(u.Request('{staging}/v1/customers/1', method='DELETE', headers={'Authorization': 'Bearer sk_live_51HxTest'}))")]
    // lead s42: a one-liner's literal delete to a host the gate does not intercept (staging here; the seed incident's
    // control-plane host alike): its pause counts under run too, where nothing else would see the request.
    [TestCase("pause", "test.pause:destructive-on-staging", "python3", "-c", "import urllib.request as u; u.urlopen(u.Request('{staging}/volumes/12', method='DELETE'))")]
    [TestCase("allow", "default.any:allow", "python3", "-c", "import urllib.request as u; u.urlopen('{staging}/volumes/12').read()")]
    [TestCase("block", "default.any:destructive-on-production", "git", "-C", "{dir}/app", "push", "--force", "origin", "main")]
    [TestCase("block", "default.any:destructive-on-production", "bash", "-c", "cd {dir}/app && git push origin :main")]
    [TestCase("pause", "default.git:force-push-default-branch", "git", "-C", "{dir}/app", "push", "--force", "stage", "main")]
    // redteam31: a staging remote made to push to production by git's own config rules (every pushurl; -c case).
    [TestCase("block", "default.any:destructive-on-production", "git", "-C", "{dir}/app", "-c", "remote.stage.pushurl=https://github.com/acme/api-staging.git", "-c", "remote.stage.pushurl=git@github.com:acme/api.git", "push", "stage", ":main")]
    [TestCase("block", "default.any:destructive-on-production", "git", "-C", "{dir}/app", "-c", "Remote.stage.PushUrl=git@github.com:acme/api.git", "push", "stage", ":main")]
    [TestCase("block", "supervisor:self-approval", "{agentshell}", "approve", "7")]
    [TestCase("allow", "default.any:allow", "echo", "agentshell", "approve", "7")]
    public void CheckAndRunReachTheSameDecision(string action, string rule, params string[] command)
    {
        var argv = command.Select(Expand).ToArray();
        var check = Check(new[] { "--" }.Concat(argv), action);
        Assert.That(check, Is.EqualTo((action, rule)), "check");
        Assert.That(Run(argv), Is.EqualTo((action, rule)), "run");
        if (action != "allow") Assert.That(_prod.Requests, Is.Empty, "a refused or unanswered request reached production");
        if (action == "pause") Assert.That(_staging.Requests, Is.Empty, "an unanswered pause let its request reach staging");
    }

    [TestCase("block", "demo.http:delete-on-production", "cd {dir} && ./fetcher -sS -X DELETE {prod}/volumes/4; ls /")]
    [TestCase("pause", "test.pause:destructive-on-staging", "timeout 5 curl -sS -X DELETE {staging}/volumes/5")]
    [TestCase("allow", "default.any:allow", "ls / | wc -l")]
    public void CheckShellDecidesAStringAsARunDecidesShDashC(string action, string rule, string script)
    {
        var s = Expand(script);
        Assert.That(Check(["--shell", s], action), Is.EqualTo((action, rule)), "check --shell");
        Assert.That(Run("sh", "-c", s), Is.EqualTo((action, rule)), "run -- sh -c");
    }

    [Test]
    public void AnArgvTooLargeToInspectIsRefusedByTheSameRule()
    {
        var argv = new[] { "/bin/true" }.Concat(Enumerable.Range(1, 5000).Select(i => i.ToString())).ToArray();
        Assert.That(Check(new[] { "--" }.Concat(argv), "block"), Is.EqualTo(("block", "supervisor:unreadable-argv")), "check");
        Assert.That(Run(argv), Is.EqualTo(("block", "supervisor:unreadable-argv")), "run");
    }
}
