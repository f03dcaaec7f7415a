namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>The set-up of a fixture that runs once per connect guard ("seccomp", "kernel") against a
/// real PostgreSQL on the production address 127.0.0.2: interception required (and root mode's
/// guard for "kernel"), psql present, one server for the whole fixture (each test sets up its tables).</summary>
public abstract class ProductionPostgresFixture(string guard)
{
    /// <summary>The <c>--connect-guard</c> value this fixture runs with.</summary>
    protected string Guard { get; } = guard;
    /// <summary>The production PostgreSQL (127.0.0.2).</summary>
    private protected PostgresServer Pg { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartPostgres()
    {
        KernelSetUp.RequireInterception();
        if (Guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        Repo.Which("psql");
        Pg = new PostgresServer("127.0.0.2");
    }

    [OneTimeTearDown]
    public void StopPostgres() => Pg?.Dispose();
}
