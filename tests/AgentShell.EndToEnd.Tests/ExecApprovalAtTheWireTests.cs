using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A person's approval of <c>psql -c 'DROP TABLE customers_old'</c> covers that DROP at the
/// wire and nothing else. The attack: while the exec waits for the person, a process of the tree
/// writes <c>DROP TABLE customers;</c> into the psqlrc the exec's decision already read (empty
/// then); once approved, psql sends it first. Its text is a prefix of the approved statement, so a
/// substring match took it as approved. Real PostgreSQL and psql on 127.0.0.2, profile pausing
/// destructive SQL on production.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ExecApprovalAtTheWireTests
{
    private PostgresServer _pg = null!;
    private string _tmp = null!;

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
    public void SetUp()
    {
        _pg.Sql("DROP TABLE IF EXISTS customers, customers_old; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2); CREATE TABLE customers_old (id int)");
        _tmp = Directory.CreateTempSubdirectory("agentshell-approval-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, true);

    [Test]
    public void AStatementThatIsOnlyAPrefixOfTheApprovedOneWaitsForItsOwnAnswer()
    {
        string rc = Path.Combine(_tmp, "psqlrc"), go = Path.Combine(_tmp, "go");
        File.WriteAllText(rc, "");
        // The writer runs in the tree; the test only tells it when the exec is waiting.
        string script = $"(while [ ! -e {go} ]; do sleep 0.05; done; echo 'DROP TABLE customers;' > {rc}) & " +
            $"PSQLRC={rc} psql -h {_pg.Host} -p {_pg.Port} -U postgres -d postgres -c 'DROP TABLE customers_old'; echo rc=$?";
        using var run = new BackgroundRun(["--profile", Repo.DemoProfile, "--profile", Repo.PostgresPauseProfile, "--pause-timeout", "4"], "bash", "-c", script);
        string id = run.WaitForPause();
        Assert.That(run.Client("pending").Stdout, Does.Contain("psql DROP TABLE customers_old"));
        File.WriteAllText(go, "");
        while (File.ReadAllText(rc).Length == 0) Thread.Sleep(20);
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(_pg.TableExists("customers"), Is.True, "the statement nobody approved reached production: " + run.Stdout + run.Stderr);
        Assert.That(run.Stderr, Does.Contain("DROP TABLE customers").And.Contain("no answer in 4s"), "it waited for its own answer");
        Assert.That(_pg.TableExists("customers_old"), Is.False, "the approved statement ran: " + run.Stdout + run.Stderr);
    }
}
