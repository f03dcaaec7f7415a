using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Issue 15: a trusted tool made to send what its argv does not say. Under `agentshell run`,
/// in both connect-guard modes, with the real curl and psql against the loopback production HTTP
/// server and a real PostgreSQL on 127.0.0.2 (production in the demo profile): option spellings
/// the tool reads as a DELETE or a DROP, schemes that carry raw bytes, control characters that
/// smuggle a second request, stdin under another name, and SQL that acts later or elsewhere. Each
/// ends with nothing destroyed; each look-alike still goes through.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class RedTeamTests(string guard)
{
    private LoopbackHttpServer _prod = null!;
    private PostgresServer _pg = null!;
    private string _curl = null!;
    private string _marker = null!;

    [OneTimeSetUp]
    public void StartServers()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _curl = Repo.Which("curl");
        Repo.Which("psql");
        _pg = new PostgresServer("127.0.0.2");
    }

    [OneTimeTearDown]
    public void StopServers() => _pg?.Dispose();

    [SetUp]
    public void SetUp()
    {
        _prod = new LoopbackHttpServer("127.0.0.2");
        _marker = Path.Combine(Path.GetTempPath(), $"agentshell-redteam-{Guid.NewGuid():N}");
        _pg.Sql("DROP TABLE IF EXISTS customers CASCADE; CREATE TABLE customers (id int); INSERT INTO customers VALUES (1), (2);"
            + " DROP FUNCTION IF EXISTS wipe(); DROP FUNCTION IF EXISTS tidy();"
            + " CREATE FUNCTION tidy() RETURNS void AS $$ DELETE FROM customers $$ LANGUAGE sql");
        _pg.Sql("ALTER SYSTEM RESET work_mem");
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        if (File.Exists(_marker)) File.Delete(_marker);
    }

    private AgentShellRunner.Result Supervise(params string[] command) =>
        AgentShellRunner.Run(["run", "--connect-guard", guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", .. command]);

    private string[] Psql(params string[] rest) => ["psql", "-h", _pg.Host, "-p", _pg.Port.ToString(), "-U", "postgres", "-d", "postgres", .. rest];

    private string PsqlLine => $"psql -h {_pg.Host} -p {_pg.Port} -U postgres -d postgres";

    private void AssertNothingDestroyed(AgentShellRunner.Result r)
    {
        Assert.Multiple(() =>
        {
            Assert.That(_prod.Requests, Is.Empty, r.Stderr);
            Assert.That(_pg.Sql("SELECT count(*) FROM customers"), Is.EqualTo("2"), r.Stderr);
            Assert.That(File.Exists(_marker), Is.False, "the database server ran a program");
        });
    }

    // Option grammar: curl 7.88 takes long names in any case, curl 8 takes --name=value, and
    // short options bundle: each of these is a DELETE.
    [TestCase("--Request", "DELETE")]
    [TestCase("--request=DELETE")]
    [TestCase("-sSLX", "DELETE")]
    [TestCase("-sS", "--expand-request", "DELETE")]
    [TestCase("-X", "POST", "-H", "X-HTTP-Method-Override: DELETE")]
    public void ACurlDeleteSpelledAsCurlReadsItIsBlocked(params string[] options)
    {
        var r = Supervise([_curl, .. options, _prod.Url("/volumes/1")]);
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked curl").And.Contain("(production)"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void AnOptionAfterTheUrlIsStillAnOption()
    {
        var r = Supervise(_curl, "-sS", _prod.Url("/volumes/1"), "-XDELETE");
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        AssertNothingDestroyed(r);
    }

    // Schemes that carry raw bytes: gopher sends the path as written, so "GET" over gopher can be
    // a DELETE request on the wire.
    [Test]
    public void GopherToProductionIsNotTrustedAsAGet()
    {
        var r = Supervise(_curl, "-sS", $"gopher://{_prod.Address}:{_prod.Port}/_DELETE%20/volumes/1%20HTTP/1.1%0d%0aHost:%20x%0d%0a%0d%0a");
        Assert.That(r.Stderr, Does.Contain("[rule default.any:unknown-effect-on-production]"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void DictToProductionIsNotTrustedAsAGet()
    {
        var r = Supervise(_curl, "-sS", $"dict://{_prod.Address}:{_prod.Port}/DELETE");
        Assert.That(r.Stderr, Does.Contain("[rule default.any:unknown-effect-on-production]"));
        AssertNothingDestroyed(r);
    }

    // Control characters: a CR LF in the method ends the request line; what follows is a request.
    [Test]
    public void ACrLfInTheMethodDoesNotSmuggleADelete()
    {
        var r = Supervise(_curl, "-sS", "-X", $"DELETE /volumes/1 HTTP/1.1\r\nHost: {_prod.Address}\r\n\r\nGET", _prod.Url("/status"));
        Assert.That(r.Stderr, Does.Contain("[rule default.any:unknown-effect-on-production]"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void ACrLfInAHeaderDoesNotSmuggleAnOverride()
    {
        var r = Supervise(_curl, "-sS", "-X", "POST", "-H", "X-A: 1\r\nX-HTTP-Method-Override: DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.Stderr, Does.Contain("agentshell:").And.Contain("(production)"));
        AssertNothingDestroyed(r);
    }

    // stdin by another name: the body is what the pipe carries.
    [Test]
    public void ABodyReadFromDevStdinIsJudgedByWhatThePipeCarries()
    {
        var r = Supervise("bash", "-c", $"echo '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"v\\\") }}\"}}' | {_curl} -sS -d @/dev/stdin {_prod.Url("/graphql")}; echo rc=$?");
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked").And.Contain("volumeDelete"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void APsqlFileThatIsStdinIsJudgedByWhatThePipeCarries()
    {
        var r = Supervise("bash", "-c", $"echo 'DROP TABLE customers' | {PsqlLine} -f /dev/stdin; echo rc=$?");
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked").And.Contain("DROP TABLE customers"));
        AssertNothingDestroyed(r);
    }

    // psql's option grammar: -tAc is -t -A -c.
    [Test]
    public void BundledPsqlOptionsCarryTheDrop()
    {
        var r = Supervise(Psql("-tAc", "DROP TABLE customers"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked psql").And.Contain("[rule default.any:destructive-on-production]"));
        AssertNothingDestroyed(r);
    }

    // SQL that acts later: a function whose body deletes is as destructive as the delete.
    [Test]
    public void CreatingAFunctionThatDeletesIsBlocked()
    {
        var r = Supervise(Psql("-c", "CREATE FUNCTION wipe() RETURNS void AS $$ DELETE FROM customers $$ LANGUAGE sql"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(_pg.Sql("SELECT count(*) FROM pg_proc WHERE proname = 'wipe'"), Is.EqualTo("0"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void CallingAFunctionTheScannerCannotSeeIntoIsNotARead()
    {
        // tidy() was created outside the run; its body deletes every row.
        var r = Supervise(Psql("-tAc", "SELECT tidy()"));
        Assert.That(r.Stderr, Does.Contain("[rule default.any:unknown-effect-on-production]"));
        AssertNothingDestroyed(r);
    }

    // SQL that acts elsewhere: the database server would run a program outside the supervised tree.
    [Test]
    public void CopyToProgramOnProductionIsBlocked()
    {
        var r = Supervise(Psql("-c", $"COPY customers TO PROGRAM 'touch {_marker}'"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule default.sql:server-program-on-production]"));
        AssertNothingDestroyed(r);
    }

    [Test]
    public void AlterSystemOnProductionWaitsForAPerson()
    {
        var r = Supervise(Psql("-c", "ALTER SYSTEM SET work_mem = '8MB'"));
        Assert.That(r.Stderr, Does.Contain("[rule default.sql:server-admin-on-production]").And.Contain("no answer in 1s"));
        Assert.That(_pg.Sql("SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem'"), Is.EqualTo("0"));
        AssertNothingDestroyed(r);
    }

    // Look-alikes go through.
    [Test]
    public void AMixedCaseGetAndABundledPsqlReadGoThrough()
    {
        var get = Supervise(_curl, "-sS", "--Request", "GET", _prod.Url("/status"));
        Assert.That(get.ExitCode, Is.EqualTo(0), get.Stderr);
        Assert.That(_prod.Requests.Select(q => (q.Method, q.Path)), Is.EqualTo(new[] { ("GET", "/status") }));
        var read = Supervise(Psql("-tAc", "SELECT count(*) FROM customers"));
        Assert.That(read.ExitCode, Is.EqualTo(0), read.Stderr);
        Assert.That(read.Stdout.Trim(), Is.EqualTo("2"));
        Assert.That(read.Stderr, Does.Not.Contain("paused"));
    }
}
