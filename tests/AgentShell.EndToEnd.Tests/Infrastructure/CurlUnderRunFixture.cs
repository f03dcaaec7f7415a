namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>The set-up shared by the tests of the real curl under `agentshell run` against the
/// loopback production server (127.0.0.2), each with a home directory of its own for the tool's
/// configuration files.</summary>
public abstract class CurlUnderRunFixture
{
    private protected LoopbackHttpServer Prod { get; private set; } = null!;
    protected string Home { get; private set; } = null!;
    protected string Curl { get; private set; } = null!;

    [SetUp]
    public void SetUpCurlUnderRun()
    {
        KernelSetUp.RequireInterception();
        Curl = Repo.Which("curl");
        Prod = new LoopbackHttpServer("127.0.0.2");
        Home = Directory.CreateTempSubdirectory("agentshell-home-").FullName;
    }

    [TearDown]
    public void TearDownCurlUnderRun()
    {
        Prod?.Dispose();
        if (Home != null) Directory.Delete(Home, recursive: true);
    }
}
