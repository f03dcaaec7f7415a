using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The `agentshell` verbs that run nothing, as a user (or an agent hook) calls them.</summary>
[TestFixture]
public sealed class CliTests
{
    private const string VolumeDelete = """{"query":"mutation { volumeDelete(volumeId: \"vol-1\") }"}""";
    private const string VolumeQuery = """{"query":"query { volume(id: \"vol-1\") { name } }"}""";

    [TestCase(4, "block", "demo.http:delete-on-production", "curl", "-X", "POST", "https://backboard.railway.app/graphql/v2", "-d", VolumeDelete)]
    [TestCase(0, "allow", "default.any:allow", "curl", "-X", "POST", "https://backboard.railway.app/graphql/v2", "-d", VolumeQuery)]
    [TestCase(4, "block", "demo.http:delete-on-production", "curl", "-X", "DELETE", "http://127.0.0.2:8080/volumes/1")]
    [TestCase(0, "allow", "default.any:allow", "curl", "http://127.0.0.2:8080/volumes/1")]
    [TestCase(3, "pause", "default.any:destructive-on-unknown", "psql", "-h", "db.example.net", "-c", "DROP TABLE t")]
    [TestCase(0, "allow", "default.any:allow", "psql", "-h", "db.example.net", "-c", "SELECT 'DROP TABLE t'")]
    public void CheckPrintsTheVerdictAndExitsWithItsCode(int code, string verdict, string rule, params string[] argv)
    {
        var r = AgentShellRunner.Run(new[] { "check", "--profile", Repo.DemoProfile, "--json", "--" }.Concat(argv));
        Assert.That(r.ExitCode, Is.EqualTo(code), r.Stderr + r.Stdout);
        var doc = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.That(doc.GetProperty("verdict").GetString(), Is.EqualTo(verdict));
        Assert.That(doc.GetProperty("rule").GetString(), Is.EqualTo(rule));
    }

    [Test]
    public void CheckOfAFifoAsTheProgramExitsPromptly()
    {
        // A FIFO with no writer: reading its "#!" line with a blocking open(2) hung the decider.
        var dir = Directory.CreateTempSubdirectory("agentshell-fifo-").FullName;
        try
        {
            string fifo = Path.Combine(dir, "f");
            Assert.That(Mono.Unix.Native.Syscall.mkfifo(fifo, Mono.Unix.Native.FilePermissions.S_IRWXU), Is.Zero);
            var r = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--json", "--", "./f", "-X", "DELETE", "https://backboard.railway.app/v/1"],
                timeout: TimeSpan.FromSeconds(15), cwd: dir);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr + r.Stdout);
            Assert.That(JsonDocument.Parse(r.Stdout).RootElement.GetProperty("verdict").GetString(), Is.EqualTo("allow"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void CheckShellClassifiesEachCommandOfAString()
    {
        var r = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--json", "--shell",
            "echo 'DROP TABLE x' && curl -X DELETE http://127.0.0.2:8080/v/1; kubectl get pods"]);
        Assert.That(r.ExitCode, Is.EqualTo(4), r.Stderr);
        var items = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.That(items.ValueKind, Is.EqualTo(JsonValueKind.Array));
        var verdicts = items.EnumerateArray().Select(i => i.GetProperty("verdict").GetString()).ToList();
        Assert.That(verdicts, Does.Contain("block").And.Not.Contain("pause"));
    }

    // A shim or wrapper script (pyenv's python3: ~60 commands of its own) buried the block under one
    // "allow … no parser" stanza per command it runs; they are counted on one line instead.
    [Test]
    public void CheckCountsAScriptsUnremarkableCommandsAndShowsItsBlock()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-wrapper-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "wrap"), "#!/bin/sh\necho start\ntrue\nls /tmp\ncurl -X DELETE http://127.0.0.2:8080/v/1\n");
            File.SetUnixFileMode(Path.Combine(dir, "wrap"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var r = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--", "./wrap"], cwd: dir);
            Assert.That(r.ExitCode, Is.EqualTo(4), r.Stderr + r.Stdout);
            var lines = r.Stdout.Split('\n');
            Assert.That(lines, Has.Some.StartsWith("block  [rule demo.http:delete-on-production]  ↳ curl -X DELETE"), r.Stdout);
            Assert.That(lines, Has.None.Contain("↳ echo start").And.None.Contain("↳ ls /tmp"), r.Stdout);
            Assert.That(lines, Has.Some.EqualTo("allow  ↳ 3 more command(s) it starts that no parser knows (--shell with --json lists each)"), r.Stdout);
            // The command itself is still shown, and --json --shell still lists every command.
            Assert.That(lines[0], Is.EqualTo("allow  [rule default.any:allow]  ./wrap"));
            var json = AgentShellRunner.Run(["check", "--profile", Repo.DemoProfile, "--json", "--shell", "./wrap"], cwd: dir);
            var inputs = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().Select(i => i.GetProperty("input").GetString()).ToList();
            Assert.That(inputs, Does.Contain("echo start").And.Contain("ls /tmp"), json.Stdout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // The look-alike: commands of the string itself are listed, allowed or not.
    [Test]
    public void CheckShellStillListsEachCommandOfTheString()
    {
        var r = AgentShellRunner.Run(["check", "--shell", "ls; pwd"]);
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("allow  [rule default.any:allow]  ls\n").And.Contain("allow  [rule default.any:allow]  pwd\n").And.Not.Contain("more command(s)"));
    }

    [Test]
    public void CheckWithAnInvalidProfileExits2()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"agentshell-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(bad, """{ "Rulez": [] }""");
        var r = AgentShellRunner.Run(["check", "--profile", bad, "--", "ls"]);
        File.Delete(bad);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain("Rulez").And.Contain("Rules"));
    }

    [Test]
    public void EveryShippedProfileValidates()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "profiles"), "*.json").Where(f => Path.GetFileName(f) != "schema.json").ToArray();
        var r = AgentShellRunner.Run(new[] { "profiles", "validate" }.Concat(files));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr + r.Stdout);
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(9));
    }

    [Test]
    public void ValidateNamesTheFileThePathAndTheFix()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"agentshell-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(bad, """{ "Rules": [ { "Id": "x:y", "Effects": ["delet"], "Action": "block", "Reason": "r", "Tests": { "Match": [["rm"]], "NoMatch": [["ls"]] } } ] }""");
        var r = AgentShellRunner.Run(["profiles", "validate", bad]);
        File.Delete(bad);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stdout + r.Stderr, Does.Contain(Path.GetFileName(bad)).And.Contain("Effects").And.Contain("delet").And.Contain("delete"));
    }

    [Test]
    public void ProfilesShowListsTheSupervisorsOwnRulesAfterTheProfiles()
    {
        var r = AgentShellRunner.Run(["profiles", "show", "--profile", Repo.DemoProfile]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        int profileRule = r.Stdout.IndexOf("demo.http:delete-on-production ->", StringComparison.Ordinal);
        Assert.That(profileRule, Is.GreaterThanOrEqualTo(0), r.Stdout);
        foreach (var rule in SupervisorRules.All)
        {
            int at = r.Stdout.IndexOf($"  {rule.Id} -> ", StringComparison.Ordinal);
            Assert.That(at, Is.GreaterThan(profileRule), rule.Id);
            Assert.That(r.Stdout, Does.Contain(rule.Reason));
        }
        Assert.That(r.Stdout, Does.Contain("network:unknown-client-to-production -> pause [built in; action: Network:UnknownClientToProduction]"));
    }

    [Test]
    public void PendingWithoutARunningSupervisorSaysSo()
    {
        var r = AgentShellRunner.Run(["pending", "--socket", Path.Combine(Path.GetTempPath(), "no-such-agentshell.sock")]);
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("cannot connect"));
    }
}
