using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The production token where the argv never shows it (issue 14, corpus19): in curl's
/// <c>~/.netrc</c>, in libpq's <c>~/.pgpass</c>, in a JSON request body. Sent to the staging stand-in
/// (127.0.0.3) it still makes the command production: the real curl and psql under `agentshell run`
/// are refused by the credential's name, staging receives nothing, and the token is in no output or
/// audit record. Each look-alike (the same file without the production token, or curl without
/// <c>-n</c>) goes through to staging.</summary>
[TestFixture]
[NonParallelizable]
public sealed class StoredCredentialsUnderRunTests
{
    private const string Token = Repo.ProductionToken;
    private string _home = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        _home = Directory.CreateTempSubdirectory("agentshell-stored-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_home, recursive: true);

    private (AgentShellRunner.Result Run, string Audit) Run(params string[] command)
    {
        var audit = Path.Combine(_home, "audit.jsonl");
        var r = AgentShellRunner.Run(new[] { "run", "--profile", Repo.DemoProfile, "--profile", Repo.CredentialsProfile, "--audit", audit, "--", "env", $"HOME={_home}" }.Concat(command), cwd: _home);
        return (r, File.Exists(audit) ? File.ReadAllText(audit) : "");
    }

    private void Netrc(string password)
    {
        var file = Path.Combine(_home, ".netrc");
        File.WriteAllText(file, $"machine 127.0.0.3\n  login deploy\n  password {password}\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    public void CurlNSendingTheNetrcsProductionPasswordToStagingIsBlockedByName()
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        Netrc(Token);
        var (r, audit) = Run(Repo.Which("curl"), "-sS", "-n", "-X", "DELETE", staging.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {staging.Url("/volumes/1")} (production credential e2e-root)"));
        Assert.That(staging.Requests, Is.Empty, "staging must have received nothing");
        Assert.That(r.Stdout + r.Stderr + audit, Does.Not.Contain(Token));
        Assert.That(audit, Does.Contain("e2e-root"));
    }

    [Test]
    public void WithoutNTheNetrcIsNotSentAndStagingWorkGoesThrough()
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        Netrc(Token);
        var (r, _) = Run(Repo.Which("curl"), "-sS", "-X", "DELETE", staging.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }), "without -n curl sends no netrc login: staging work goes through");
    }

    [Test]
    public void ANetrcWithAStagingPasswordGoesThrough()
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        Netrc("staging-pass-0123456789");
        var (r, _) = Run(Repo.Which("curl"), "-sS", "-n", "-X", "DELETE", staging.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }), "a staging login in the netrc leaves staging work to the agent");
    }

    [Test]
    public void AProductionTokenInAJsonBodyToStagingIsBlockedByName()
    {
        using var staging = new LoopbackHttpServer("127.0.0.3");
        File.WriteAllText(Path.Combine(_home, "body.json"), $"{{\"volumeId\": \"v1\", \"apiKey\": \"{Token}\"}}");
        var (r, audit) = Run(Repo.Which("curl"), "-sS", "-X", "DELETE", "-H", "Content-Type: application/json", "-d", "@body.json", staging.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain("(production credential e2e-root)"));
        Assert.That(staging.Requests, Is.Empty);
        Assert.That(r.Stdout + r.Stderr + audit, Does.Not.Contain(Token));
        var (inline, inlineAudit) = Run(Repo.Which("curl"), "-sS", "-X", "DELETE", "--json", $"{{\"token\":\"{Token}\"}}", staging.Url("/volumes/1"));
        Assert.That(inline.Stderr, Does.Contain("(production credential e2e-root)"));
        Assert.That(staging.Requests, Is.Empty);
        Assert.That(inline.Stdout + inline.Stderr + inlineAudit, Does.Not.Contain(Token));
    }

    [Test]
    public void PsqlWithThePgpassProductionPasswordForStagingIsBlockedAndTheTableStays()
    {
        Repo.Which("psql");
        using var pg = new PostgresServer("127.0.0.3");
        pg.Sql("CREATE TABLE customers (id int)");
        var pgpass = Path.Combine(_home, ".pgpass");
        File.WriteAllText(pgpass, $"{pg.Host}:{pg.Port}:*:postgres:{Token}\n");
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string[] drop = ["psql", "-h", pg.Host, "-p", pg.Port.ToString(), "-U", "postgres", "-d", "postgres", "-X", "-c", "DROP TABLE customers"];
        var (r, audit) = Run(drop);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql DROP TABLE customers").And.Contain("production credential e2e-root"));
        Assert.That(pg.TableExists("customers"), Is.True);
        Assert.That(r.Stdout + r.Stderr + audit, Does.Not.Contain(Token));
        // The look-alike: the same file with a staging password; the staging drop is the agent's to make.
        File.WriteAllText(pgpass, $"{pg.Host}:{pg.Port}:*:postgres:staging-pass-0123456789\n");
        var (ok, _) = Run(drop);
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(pg.TableExists("customers"), Is.False, "staging work with a staging password goes through");
    }

    [Test]
    public void CheckQuotesNoTokenAParserTookForAWord()
    {
        // railway's table does not know --token takes a value: the token was quoted as a subcommand in the evidence.
        foreach (var json in new[] { false, true })
        {
            string[] args = ["check", "--profile", Repo.DemoProfile, "--profile", Repo.CredentialsProfile, .. json ? new[] { "--json" } : [], "--", "railway", "--token", Token, "down"];
            var r = AgentShellRunner.Run(args);
            Assert.That(r.ExitCode, Is.EqualTo(4), r.Stdout + r.Stderr);
            Assert.That(r.Stdout, Does.Contain("e2e-root"));
            Assert.That(r.Stdout + r.Stderr, Does.Not.Contain(Token));
        }
    }
}
