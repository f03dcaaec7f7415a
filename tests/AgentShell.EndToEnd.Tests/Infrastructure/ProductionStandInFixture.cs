namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>The set-up of a fixture that runs once per connect guard ("seccomp", "kernel") against
/// the plain-HTTP production stand-in: interception required (and root mode's guard for
/// "kernel"), a fresh stand-in and a temporary directory per test.</summary>
public abstract class ProductionStandInFixture(string guard, string tmpPrefix)
{
    /// <summary>The <c>--connect-guard</c> value this fixture runs with.</summary>
    protected string Guard { get; } = guard;
    /// <summary>The production stand-in (127.0.0.2), recording what reached it.</summary>
    private protected ProductionServer Http { get; private set; } = null!;
    /// <summary>This test's temporary directory, removed after it.</summary>
    protected string Tmp { get; private set; } = null!;

    [SetUp]
    public void StartStandIn()
    {
        KernelSetUp.RequireInterception();
        if (Guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        Http = new ProductionServer();
        Tmp = Directory.CreateTempSubdirectory(tmpPrefix).FullName;
    }

    [TearDown]
    public void StopStandIn()
    {
        Http.Dispose();
        Directory.Delete(Tmp, true);
    }
}
