namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>What the attacks share: the guard mode they run under (skipped where this machine lacks
/// it) and a production stand-in, a real HTTP server on 127.0.0.2.</summary>
public abstract class ProductionFixture(string guard)
{
    private protected readonly string Guard = guard;
    private protected LoopbackHttpServer Prod = null!;

    [SetUp]
    public void StartProduction()
    {
        Attacks.Require(Guard);
        Prod = new LoopbackHttpServer("127.0.0.2");
    }

    [TearDown]
    public void StopProduction() => Prod.Dispose();
}
