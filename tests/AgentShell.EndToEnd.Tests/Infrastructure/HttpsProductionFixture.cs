namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A fixture against the HTTPS production stand-in (127.0.0.2): a test CA made once for
/// the fixture, which agentshell is given through SSL_CERT_FILE (<see cref="CaEnv"/>) to verify the
/// stand-in, and a fresh stand-in per test; interception required.</summary>
public abstract class HttpsProductionFixture
{
    private protected TestCa Ca = null!;
    private protected ProductionServer Https = null!;

    [OneTimeSetUp] public void MakeCa() => Ca = new TestCa();
    [OneTimeTearDown] public void DropCa() => Ca.Dispose();

    [SetUp]
    public void StartHttps()
    {
        KernelSetUp.RequireInterception();
        Https = new ProductionServer(Ca.Server);
    }

    [TearDown] public void StopHttps() => Https.Dispose();

    /// <summary>agentshell's own environment: production's certificate verifies against the test CA.</summary>
    private protected Dictionary<string, string> CaEnv => new() { ["SSL_CERT_FILE"] = Ca.PemFile };
}
