using System.Security.Cryptography.X509Certificates;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>One real PostgreSQL for every relay test: TLS on (a certificate from the test server
/// CA), SCRAM for role <c>app</c>, cleartext passwords for role <c>clear</c>, trust for
/// <c>postgres</c>. Each test makes its own tables.</summary>
[SetUpFixture]
public sealed class PostgresRelaySetUp
{
    internal const string AppPassword = "app-secret-7f";
    internal const string ClearPassword = "clear-secret-3a";

    internal static PostgresServer Server { get; private set; } = null!;
    internal static TestCa RunCa { get; private set; } = null!;
    internal static TestCa ServerCa { get; private set; } = null!;
    internal static string Dir { get; private set; } = "";

    /// <summary>The run CA as a file, for a client's sslrootcert.</summary>
    internal static string RunCaFile => Path.Combine(Dir, "run-ca.pem");

    [OneTimeSetUp]
    public void Start()
    {
        Dir = Directory.CreateTempSubdirectory("agentshell-pgwire-").FullName;
        RunCa = new TestCa("agentshell test run CA");
        ServerCa = new TestCa("agentshell test server CA");
        File.WriteAllText(RunCaFile, RunCa.Pem);
        using var leaf = ServerCa.Issue("127.0.0.1", "localhost");
        Server = new PostgresServer("127.0.0.1", new PostgresServerOptions(
            Settings: ["password_encryption = 'scram-sha-256'"],
            HbaLines: ["host all app 127.0.0.1/32 scram-sha-256", "host all clear 127.0.0.1/32 password"],
            CertificatePem: leaf.ExportCertificatePem(), KeyPem: leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()));
        Server.Sql($"CREATE ROLE app LOGIN PASSWORD '{AppPassword}'; CREATE ROLE clear LOGIN PASSWORD '{ClearPassword}'; GRANT ALL ON SCHEMA public TO app, clear");
    }

    [OneTimeTearDown]
    public void Stop()
    {
        Server?.Dispose();
        RunCa?.Dispose();
        ServerCa?.Dispose();
        if (Dir.Length > 0) Directory.Delete(Dir, recursive: true);
    }

    /// <summary>Shipped default.json, then <paramref name="more"/> (paths relative to the repository).</summary>
    internal static Policy LoadPolicy(params string[] more) =>
        Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), .. more.Select(m => Path.Combine(Repo.Root, m))]);

    /// <summary>A relay in front of the shared server.</summary>
    internal static RelayHarness Relay(Policy? policy = null, Supervisor.Wire.Postgres.PostgresRelayLimits? limits = null) =>
        new(Server, policy ?? LoadPolicy(), RunCa, ServerCa, limits);
}
