using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>What a tool's own configuration files make it do is decided with its command: the real
/// curl and psql under `agentshell run`, against the loopback production server and a real
/// PostgreSQL on 127.0.0.2. Each case ends with nothing destroyed, and its look-alike shows the
/// tool really does what the file says when it is let through.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ToolConfigUnderRunTests : CurlUnderRunFixture
{
    private AgentShellRunner.Result Run(params string[] command) =>
        AgentShellRunner.Run(new[] { "run", "--profile", Repo.DemoProfile, "--", "env", $"HOME={Home}" }.Concat(command), cwd: Home);

    [Test]
    public void ACurlrcThatMakesAGetADeleteIsBlocked()
    {
        File.WriteAllText(Path.Combine(Home, ".curlrc"), "# left by someone\nsilent\nrequest = DELETE\n");
        var r = Run(Curl, Prod.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {Prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(Prod.Requests, Is.Empty, "the production server must have received nothing");
    }

    [Test]
    public void WithQFirstTheCurlrcIsSkippedAndTheGetGoesThrough()
    {
        File.WriteAllText(Path.Combine(Home, ".curlrc"), "request = DELETE\n");
        var r = Run(Curl, "-q", "-sS", Prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }), "curl skipped .curlrc as predicted");
    }

    [Test]
    public void ASettingsOnlyCurlrcIsReadAndTheGetGoesThrough()
    {
        File.WriteAllText(Path.Combine(Home, ".curlrc"), "silent\nshow-error\nuser-agent = \"agent/1.0\"\n");
        var r = Run(Curl, Prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }));
    }

    [Test]
    public void AConfigFileGivenWithKIsFolded()
    {
        File.WriteAllText(Path.Combine(Home, "req.cfg"), "request = DELETE\n");
        var r = Run(Curl, "-sK", "req.cfg", Prod.Url("/volumes/2"));
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked curl DELETE"));
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void APsqlrcThatDropsATableBlocksEveryPsqlUntilXSkipsIt()
    {
        Repo.Which("psql");
        using var pg = new PostgresServer("127.0.0.2");
        pg.Sql("CREATE TABLE customers (id int); INSERT INTO customers VALUES (1)");
        File.WriteAllText(Path.Combine(Home, ".psqlrc"), "\\set QUIET 1\nDROP TABLE customers;\n");
        string[] select = ["psql", "-h", pg.Host, "-p", pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-tA", "-c", "SELECT 1"];
        var r = Run(select);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql DROP TABLE customers (in ").And.Contain("(production) [rule default.any:destructive-on-production]"));
        Assert.That(pg.TableExists("customers"), Is.True);
        r = Run([select[0], "-X", .. select[1..]]);
        Assert.That((r.ExitCode, r.Stdout.Trim()), Is.EqualTo((0, "1")), r.Stderr);
        Assert.That(pg.TableExists("customers"), Is.True, "with -X psql did not run the file");
    }

    [Test]
    public void AScriptIncludedWithIIsRead()
    {
        Repo.Which("psql");
        using var pg = new PostgresServer("127.0.0.2");
        pg.Sql("CREATE TABLE orders (id int)");
        File.WriteAllText(Path.Combine(Home, "cleanup.sql"), "TRUNCATE orders;\n");
        var r = Run("psql", "-h", pg.Host, "-p", pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-X", "-c", "\\i cleanup.sql");
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql TRUNCATE orders"));
        Assert.That(pg.TableExists("orders"), Is.True);
    }

    [Test]
    public void ARefusedDebianPsqlSaysWhyOnItsOneLine()
    {
        // /usr/bin/psql is pg_wrapper, a perl script, on Debian: bash reports any failed exec of a
        // "#!" file as a bad interpreter, after the refusal's own line.
        var psql = Repo.Which("psql");
        if (AgentShell.Supervisor.Network.ExecFiles.Shebang(psql) is null) Assert.Ignore($"{psql} is not a script here");
        var script = Path.Combine(Home, "agent.sh");
        File.WriteAllText(script, "#!/bin/bash\npsql -h 127.0.0.2 -c 'DROP TABLE t'\necho rc=$?\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--", script]);
        var line = r.Stderr.Split('\n').Single(l => l.StartsWith("agentshell: blocked psql DROP TABLE t", StringComparison.Ordinal));
        Assert.That(line, Does.Contain("(production) [rule default.any:destructive-on-production]").And.Contain("is a script: a shell may add").And.Contain("this refusal is why"));
        Assert.That(r.Stdout, Does.Contain("rc=126"));
    }
}
