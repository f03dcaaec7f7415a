using System.Diagnostics;

namespace AgentShell.Reliability.Tests;

/// <summary>A decision's audit record is written after its answer, on the thread that received it:
/// a run whose agent ends on a refusal must not exit before that record is written (seen under
/// load: ProtectedFilesTests, one of two rows). The write is made slow for real here: the audit log
/// is a FIFO read by a log shipper (a 4 KiB pipe) that drains only after the agent has ended, so the
/// last refusal's row waits in write(2) while the tree ends. Before `run` waited for its receiving
/// threads, that row was lost.</summary>
[TestFixture]
public sealed class AuditAtExitTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Workloads.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-audit-exit-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    // The shipper: opens the FIFO (meeting agentshell's open), shrinks the pipe to one page, waits
    // until the agent says it has ended (at most 30 s), waits a little more, then drains to EOF.
    private const string Shipper = """
        import fcntl, os, sys, time
        fifo, done, out = sys.argv[1:4]
        fd = os.open(fifo, os.O_RDONLY)
        fcntl.fcntl(fd, 1031, 4096)  # F_SETPIPE_SZ
        end = time.monotonic() + 30
        while not os.path.exists(done) and time.monotonic() < end:
            time.sleep(0.01)
        time.sleep(0.5)
        with open(out, 'wb') as f:
            while True:
                b = os.read(fd, 65536)
                if not b:
                    break
                f.write(b)
        """;

    [Test]
    public void TheLastRefusalsRowIsWrittenWhenItsWriteWaitsPastTheAgentsEnd()
    {
        // The log's directory is read-only inside the tree (issue 11): the agent's mark is beside it.
        string fifo = Path.Combine(Directory.CreateDirectory(Path.Combine(_tmp, "log")).FullName, "audit.fifo"), done = Path.Combine(_tmp, "done"), shipped = Path.Combine(_tmp, "shipped.jsonl");
        using (var mk = Process.Start("mkfifo", ["-m", "600", fifo])) { mk.WaitForExit(); Assert.That(mk.ExitCode, Is.Zero, "mkfifo"); }
        var psi = new ProcessStartInfo(Repo.Python) { ArgumentList = { "-c", Shipper, fifo, done, shipped } };
        using var shipper = Process.Start(psi)!;
        // Two refusals, each row ~3 KiB (the argv is recorded): the first fits the pipe, the second's
        // write waits for the shipper, which reads only once the agent has exited.
        var r = AgentShellRunner.Run(["run", "--audit", fifo, "--connect-guard", "seccomp", "--profile", Path.Combine(Repo.Root, "profiles", "railway.json"), "--",
            Repo.Python, "-c", $$"""
            import subprocess
            for i in range(2):
                rc = subprocess.run(['curl', '-s', '-X', 'DELETE', 'https://backboard.railway.app/graphql/v2', '-d', 'row%d' % i + 'x' * 3000]).returncode
                print('rc', rc, flush=True)
            open('{{done}}', 'w').close()
            """], TimeSpan.FromSeconds(60));
        Assert.That(shipper.WaitForExit(TimeSpan.FromSeconds(40)), Is.True, "the shipper did not end");
        // Each refused exec is ended at its commit with 126 (as a shell reports "could not run").
        Assert.That(r.Stdout, Is.EqualTo("rc 126\nrc 126\n"), r.Stderr);
        var rows = File.ReadAllLines(shipped).Where(l => l.Contains("railway.graphql:destructive-call")).ToList();
        Assert.That(rows.Select(l => l.Contains("row0") ? 0 : l.Contains("row1") ? 1 : -1), Is.EqualTo(new[] { 0, 1 }),
            $"both refusals' rows: {rows.Count} shipped\n{r.Stderr}");
    }
}
