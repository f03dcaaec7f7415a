using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Network;

namespace AgentShell.Reliability.Tests;

/// <summary>Faults injected where the supervisor meets the world (the audit file, an approval
/// client, a held process, the resolver): the loop survives, and every decision they touch fails
/// closed. (A parser that throws and a supervisor that is killed are in the end-to-end FailClosedTests.)</summary>
[TestFixture]
public sealed class FaultTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Workloads.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-fault-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    // The agents are python: a `bash -c` string naming the DELETE would itself be decided (and
    // refused or held) at bash's exec, before any curl.
    private const string Exec = """
        import subprocess, sys
        def run(argv):
            try:
                return f'rc={subprocess.run(argv).returncode}'
            except OSError as e:
                return f'errno{e.errno}'
        """;

    [Test]
    public void WithTheAuditDiskFullABlockStaysABlockAndTheLoopGoesOn()
    {
        var r = AgentShellRunner.Run(["run", "--audit", "/dev/full", "--connect-guard", "seccomp", "--profile", Path.Combine(Repo.Root, "profiles", "railway.json"), "--",
            Repo.Python, "-c", Exec + """

            for i in range(3):
                print(run(['curl', '-s', '-X', 'DELETE', 'https://backboard.railway.app/graphql/v2']), flush=True)
            print(run(['/bin/echo', 'after']), flush=True)
            """]);
        // Each refused exec is ended at its commit with 126 (ExecTracer.Ending), as a shell reports "could not run".
        Assert.That(r.Stdout, Is.EqualTo("rc=126\nrc=126\nrc=126\nafter\nrc=0\n"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("cannot write the audit log /dev/full"));
        Assert.That(r.Stderr, Does.Contain("railway.graphql:destructive-call"));
    }

    /// <summary>A run whose DELETE to 127.0.0.3 (staging in tests/profiles/pause.json) is paused.</summary>
    private BackgroundRun PausedDelete(string audit, string script) =>
        new(["--audit", audit, "--connect-guard", "seccomp", "--pause-timeout", "120", "--profile", Repo.PauseProfile], Repo.Python, "-c", Exec + "\n" + script);

    private static string PendingId(BackgroundRun run)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            var listed = run.Client("pending", "--json").Stdout; // empty until the socket is up
            if (listed.TrimStart().StartsWith('[') && JsonDocument.Parse(listed).RootElement is { } items && items.GetArrayLength() > 0) return items[0].GetProperty("id").GetString()!;
            Thread.Sleep(100);
        }
        Assert.Fail($"nothing was paused; stderr:\n{run.Stderr}");
        return "";
    }

    [Test]
    public void AnApprovalClientThatHangsUpMidMessageApprovesNothing()
    {
        var audit = Path.Combine(_tmp, "audit.jsonl");
        using var run = PausedDelete(audit, """
            print(run(['curl', '-s', '--max-time', '2', '-X', 'DELETE', 'http://127.0.0.3:9/volumes/1']), flush=True)
            print(run(['/bin/echo', 'after']), flush=True)
            """);
        string id = PendingId(run);
        foreach (var partial in new[] { $"{{\"v\":1,\"op\":\"approve\",\"id\":\"{id}", "{\"v\":1.5,\"op\":\"approve\",\"id\":\"" + id + "\"}\n", "\u0000\u00ff{{{\n" })
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(run.Socket));
            s.Send(Encoding.Latin1.GetBytes(partial));
            s.Shutdown(SocketShutdown.Both); // gone mid-message, or after a malformed one
        }
        Thread.Sleep(300);
        Assert.That(run.Client("pending", "--json").Stdout, Does.Contain(id), "still waiting: half a message approves nothing");
        Assert.That(run.Client("deny", id).ExitCode, Is.EqualTo(0), "the control socket still answers");
        Assert.That(run.WaitForExit(60), Is.EqualTo(0));
        Assert.That(run.Stdout, Is.EqualTo("rc=126\nafter\nrc=0\n"), run.Stderr);
        Assert.That(run.Stderr, Does.Contain($"agentshell: denied by"), "ended by the person's deny, not by the partial messages");
    }

    /// <summary>The forked child at the bottom of the chain of live processes whose command lines hold
    /// <paramref name="mark"/> (setsid, agentshell, the launcher and the agent hold it too): the marked
    /// process that has a marked parent and no marked child; or 0.</summary>
    private static int HeldChild(string mark)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            var parents = new Dictionary<int, int>();
            foreach (int pid in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(int.Parse!))
            {
                if (!Read($"/proc/{pid}/cmdline").Contains(mark, StringComparison.Ordinal)) continue;
                // stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after its ')'.
                var fields = Read($"/proc/{pid}/stat").Split(") ");
                if (fields.Length > 1 && fields[1].Split(' ') is [not "Z", var ppid, ..] && int.TryParse(ppid, out int parent)) parents[pid] = parent;
            }
            var leaves = parents.Where(p => parents.ContainsKey(p.Value) && !parents.ContainsValue(p.Key)).Select(p => p.Key).ToArray();
            if (leaves.Length == 1) return leaves[0];
            Thread.Sleep(50);
        }
        return 0;
    }

    private static string Read(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; } // gone: not a candidate
    }

    [Test]
    public void ATargetThatDiesWhileHeldEndsItsItemAndTheLoopGoesOn()
    {
        var audit = Path.Combine(_tmp, "audit.jsonl");
        // The held child is found from outside by a mark in its command line: the tree has its own
        // pid namespace (a pid it names means nothing here) and the audit log's directory is read-only
        // inside it. The forked child shares its parent's command line; the child is the one whose
        // parent has the mark too.
        string mark = $"held-{Guid.NewGuid():N}";
        using var run = PausedDelete(audit, $$"""
            import os, signal
            pid = os.fork()  # not Popen: it waits for the (held) exec to finish
            if pid == 0:
                os.execv('/usr/bin/curl', ['curl', '-s', '-X', 'DELETE', 'http://127.0.0.3:9/volumes/1'])
            status = os.waitpid(pid, 0)[1]  # {{mark}}
            print(f'rc=-{os.WTERMSIG(status)}' if os.WIFSIGNALED(status) else f'rc={os.WEXITSTATUS(status)}', flush=True)
            print(run(['/bin/echo', 'after']), flush=True)
            """);
        string id = PendingId(run);
        int child = HeldChild(mark);
        Assert.That(child, Is.GreaterThan(0), "the agent's held child was found by its mark");
        Process.GetProcessById(child).Kill();
        var sw = Stopwatch.StartNew();
        while (run.Client("pending", "--json").Stdout.Contains(id, StringComparison.Ordinal))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(20)) Assert.Fail("the item of a dead process stayed pending");
            Thread.Sleep(100);
        }
        Assert.That(run.WaitForExit(60), Is.EqualTo(0));
        Assert.That(run.Stdout, Is.EqualTo("rc=-9\nafter\nrc=0\n"), "killed while held, and the loop went on: " + run.Stderr);
        Assert.That(File.ReadAllText(audit), Does.Contain("the process ended while waiting"));
    }

    [Test]
    public void WhenTheResolverFailsAProductionAddressStaysProductionAndItsConnectIsRefused()
    {
        // db.prod.test resolves once to 127.0.0.2, then every resolution fails: the name keeps its
        // address, so a connect to it from an unknown client (python) is still paused, then refused.
        var profile = Path.Combine(_tmp, "prod.json");
        File.WriteAllText(profile, """
            { "Environments": { "production": { "Hosts": ["db.prod.test"], "Wire": { "Http": false, "Postgres": false } } },
              "Network": { "UnknownClientToProduction": "pause" }, "Pause": { "TimeoutSeconds": 1, "OnTimeout": "block" } }
            """);
        var policy = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), profile]);
        int calls = 0;
        using var addresses = new AddressEnvironments(policy, (name, _) =>
            Interlocked.Increment(ref calls) == 1 ? Task.FromResult(new[] { IPAddress.Parse("127.0.0.2") }) : throw new SocketException((int)SocketError.TryAgain));
        addresses.Start();
        addresses.RefreshNow(); // fails: the address is kept
        var listener = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var log = new StringWriter();
        var outFile = Path.Combine(_tmp, "out");
        try
        {
            var run = new SupervisedRun(new RunOptions
            {
                LauncherPath = Repo.Launcher,
                Command = [Repo.Python, "-c", $$"""
                    import socket
                    try:
                        socket.create_connection(('127.0.0.2', {{port}}), timeout=10); r = 'connected'
                    except OSError as e:
                        r = f'errno{e.errno}'
                    open('{{outFile}}', 'w').write(r)
                    """],
                Policy = policy,
                Addresses = addresses,
                ConnectGuard = ConnectGuardMode.Seccomp,
                Log = log,
                Quiet = true,
                OwnsProcess = false,
            });
            Assert.That(run.Run(), Is.EqualTo(0), log.ToString());
            Assert.That(listener.Pending(), Is.False, "nothing reached the production stand-in");
        }
        finally
        {
            listener.Stop();
        }
        Assert.That(calls, Is.GreaterThanOrEqualTo(2), "the failing refresh ran");
        Assert.That(File.ReadAllText(outFile), Is.EqualTo("errno1"), "refused after the pause timed out: " + log);
        Assert.That(addresses.EnvironmentOf([127, 0, 0, 2], port), Is.EqualTo("production"));
    }
}
