namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>What the attacks on the trust given at an exec share: a production stand-in on 127.0.0.2
/// and a profile that blocks unknown clients there, with the wire off (with it on, every client's
/// HTTP to production is decided per request at the wire, and what these tests prove is the trust
/// given at the exec).</summary>
public abstract class TrustAtExecFixture(string guard) : ProductionFixture(guard)
{
    private protected TestHome Home = null!;
    private protected string Profile = null!;

    [SetUp]
    public void WriteProfile()
    {
        Home = new TestHome();
        Profile = Path.Combine(Home.Dir, "block.json");
        File.WriteAllText(Profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
    }

    [TearDown]
    public void RemoveHome() => Home.Dispose();
}
