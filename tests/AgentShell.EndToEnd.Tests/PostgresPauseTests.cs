using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The issue's own scenario, with a real PostgreSQL on 127.0.0.2 and the real psql: a
/// DROP TABLE waits for a person; approved, the table is gone; denied or unanswered, it is intact.</summary>
[TestFixture]
[NonParallelizable]
public sealed class PostgresPauseTests
{
    private PostgresServer _pg = null!;
    private static string Profile => Repo.PostgresPauseProfile;

    [OneTimeSetUp]
    public void StartServer()
    {
        KernelSetUp.RequireInterception();
        Repo.Which("psql");
        _pg = new PostgresServer("127.0.0.2");
    }

    [OneTimeTearDown]
    public void StopServer() => _pg?.Dispose();

    [SetUp]
    public void CreateTable()
    {
        _pg.Sql("DROP TABLE IF EXISTS customers; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2)");
    }

    private BackgroundRun Drop(int timeout = 30) => new(["--profile", Repo.DemoProfile, "--profile", Profile, "--pause-timeout", timeout.ToString()],
        "bash", "-c", $"psql -h {_pg.Host} -p {_pg.Port} -U postgres -d postgres -c 'DROP TABLE customers'; echo rc=$?");

    [Test]
    public void ApprovedTheTableIsGone()
    {
        using var run = Drop();
        string id = run.WaitForPause();
        Assert.That(_pg.TableExists("customers"), Is.True, "nothing happens while it waits");
        var pending = run.Client("pending");
        Assert.That(pending.Stdout, Does.Contain("psql DROP TABLE customers").And.Contain("(production)").And.Contain("test.pg:destructive-sql-on-production"));
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(run.Stdout, Does.Contain("DROP TABLE").And.Contain("rc=0"));
        Assert.That(_pg.TableExists("customers"), Is.False);
    }

    [Test]
    public void DeniedTheTableIsIntact()
    {
        using var run = Drop();
        string id = run.WaitForPause();
        run.Client("deny", id, "--reason", "use a migration");
        run.WaitForExit();
        Assert.That(run.Stdout, Does.Contain("rc=126"));
        Assert.That(run.Stderr, Does.Contain("agentshell: denied by").And.Contain("psql DROP TABLE customers").And.Contain("use a migration"));
        Assert.That(_pg.Sql("SELECT count(*) FROM customers"), Is.EqualTo("2"));
    }

    [Test]
    public void UnansweredForTwoSecondsItIsRefused()
    {
        using var run = Drop(timeout: 2);
        run.WaitForPause();
        run.WaitForExit();
        Assert.That(run.Stderr, Does.Contain("agentshell: no answer in 2s: psql DROP TABLE customers"));
        Assert.That(_pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void AReadAgainstProductionIsNotPaused()
    {
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--profile", Profile, "--",
            "psql", "-h", _pg.Host, "-p", _pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-tA", "-c", "SELECT count(*) FROM customers"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout.Trim(), Is.EqualTo("2"));
        Assert.That(r.Stderr, Does.Not.Contain("paused"));
    }

    [Test]
    public void WithoutThePauseProfileTheDefaultPolicyBlocksIt()
    {
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--",
            "psql", "-h", _pg.Host, "-p", _pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-c", "DROP TABLE customers"]);
        Assert.That(r.ExitCode, Is.EqualTo(126));
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql").And.Contain("(production) [rule default.any:destructive-on-production]"));
        Assert.That(_pg.TableExists("customers"), Is.True);
    }

    [Test]
    public void ApprovedForTheRunTheSameDropRunsAgainWithoutAnyQuestion()
    {
        // The second DROP is allowed by the for-run approval at its exec, and so is its connect to
        // production: psql named that host.
        string psql = $"psql -h {_pg.Host} -p {_pg.Port} -U postgres -d postgres";
        using var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Profile, "--pause-timeout", "5"],
            "bash", "-c", $"{psql} -c 'DROP TABLE customers'; {psql} -c 'CREATE TABLE customers (id int)'; {psql} -c 'DROP TABLE customers'; echo rc=$?");
        run.Client("approve", run.WaitForPause(), "--for-run");
        run.WaitForExit();
        Assert.That(System.Text.RegularExpressions.Regex.Matches(run.Stderr, "agentshell: paused").Count, Is.EqualTo(1), run.Stderr);
        Assert.That(run.Stdout, Does.Contain("rc=0"));
        Assert.That(_pg.TableExists("customers"), Is.False);
    }
}
