using System.Diagnostics;
using System.Text.Json;

namespace AgentShell.Reliability.Tests;

/// <summary>Many processes deciding at once while a paused item waits: every decision is made
/// exactly once, none is lost, a held item does not slow the others, and the supervisor's fds and
/// memory do not grow.</summary>
[TestFixture]
public sealed class LoadTests
{
    private string _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        Workloads.RequireInterception();
        _tmp = Directory.CreateTempSubdirectory("agentshell-load-").FullName;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    // The agent: phase 1 runs the workers with nothing held (the baseline); then it starts a DELETE
    // that pauses and waits for the test's go; phase 2 runs the workers again, round after round,
    // while it is held, and after each round waits for the test to sample the supervisor. A
    // worker's exec fails with ENOENT once allowed (the file does not exist), EPERM if refused.
    private const string Agent = """
        import json, os, socket, subprocess, sys, threading, time
        tmp, workers, execs, connects, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(4096); port = srv.getsockname()[1]
        def accept():
            while True:
                c, _ = srv.accept(); c.close()
        threading.Thread(target=accept, daemon=True).start()
        WORKER = r'''
        import json, os, socket, sys, time
        phase, w, execs, connects, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        lat, refused, connected = [], 0, 0
        every = max(1, execs // max(1, connects))
        for i in range(execs):
            t = time.perf_counter()
            try:
                os.execv('/nonexistent/agentshell-load/curl', ['curl', '-s', f'https://api.example.com/{phase}/{w}/{i}'])
            except FileNotFoundError:
                pass
            except PermissionError:
                refused += 1
            lat.append(time.perf_counter() - t)
            if i % every == 0 and connected < connects:
                s = socket.create_connection(('127.0.0.1', port), timeout=10); s.close(); connected += 1
        while connected < connects:
            s = socket.create_connection(('127.0.0.1', port), timeout=10); s.close(); connected += 1
        lat.sort()
        print(json.dumps({'median': lat[len(lat) // 2], 'refused': refused, 'connected': connected}))
        '''
        def phase(name):
            ps = [subprocess.Popen([sys.executable, '-c', WORKER, name, str(w), str(execs), str(connects), str(port)], stdout=subprocess.PIPE, text=True) for w in range(workers)]
            out = [json.loads(p.communicate()[0]) for p in ps]
            assert all(p.returncode == 0 for p in ps)
            return out
        one = phase('base')
        open(os.path.join(tmp, 'phase1'), 'w').close()
        held = os.fork()  # not Popen: it waits for the (held) exec to finish
        if held == 0:
            os.execv('/usr/bin/curl', ['curl', '-s', '-X', 'DELETE', 'https://held.example.com/v1/volumes/1'])
        two = []
        for r in range(rounds):
            while not os.path.exists(os.path.join(tmp, f'go{r}')): time.sleep(0.05)
            two += phase(f'held{r}')
            open(os.path.join(tmp, f'round{r}'), 'w').close()
        while not os.path.exists(os.path.join(tmp, f'go{rounds}')): time.sleep(0.05)
        print(json.dumps({'base': one, 'held': two, 'heldRunning': os.waitpid(held, os.WNOHANG) == (0, 0)}), flush=True)
        open(os.path.join(tmp, 'phase2'), 'w').close()
        os.waitpid(held, 0)
        """;

    // Memory under load is judged on rounds of the same load while the item is held. The base phase
    // and the first two rounds bring in what the held state and the decisions page in (code) and
    // let the GC's heap reach the size it keeps (its budgets settle over the first few thousand
    // decisions); the last rounds must add no more than RssGrowthMiB over that level. A leak of
    // 1 KiB per exec decision adds (Rounds - 2) × workers × execs KiB: 5.9 MiB in the fast case.
    private const int Rounds = 5, WarmUpRounds = 2;
    private const double RssGrowthMiB = 1.0;

    private void Run(int workers, int execs, int connects)
    {
        // The audit log in a directory of its own: its directory is read-only inside the tree, and
        // the agent writes its phase files into _tmp.
        var audit = Path.Combine(Directory.CreateDirectory(Path.Combine(_tmp, "audit")).FullName, "audit.jsonl");
        using var run = new BackgroundRun(["--quiet", "--audit", audit, "--connect-guard", "seccomp", "--pause-timeout", "600"],
            Repo.Python, "-c", Agent, _tmp, workers.ToString(), execs.ToString(), connects.ToString(), Rounds.ToString());
        int supervisor = Workloads.SupervisorOf(run.Pid);
        WaitFor(Path.Combine(_tmp, "phase1"), run, minutes: 5);
        var before = Workloads.Footprint(supervisor);
        // The DELETE is paused: wait until it is listed, then let phase 2 run while it is held.
        var sw = Stopwatch.StartNew();
        while (!run.Client("pending").Stdout.Contains("held.example.com", StringComparison.Ordinal))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail($"the DELETE was never paused; stderr:\n{run.Stderr}");
            Thread.Sleep(100);
        }
        var rss = new long[Rounds];
        for (int r = 0; r < Rounds; r++)
        {
            File.WriteAllText(Path.Combine(_tmp, $"go{r}"), "");
            WaitFor(Path.Combine(_tmp, $"round{r}"), run, minutes: 5);
            rss[r] = Workloads.Footprint(supervisor).Rss;
        }
        var after = Workloads.Footprint(supervisor);
        File.WriteAllText(Path.Combine(_tmp, $"go{Rounds}"), "");
        WaitFor(Path.Combine(_tmp, "phase2"), run, minutes: 5);
        Assert.That(run.Client("pending").Stdout, Does.Contain("held.example.com"), "still held after the load");
        var id = JsonDocument.Parse(run.Client("pending", "--json").Stdout).RootElement.EnumerateArray()
            .First(i => i.GetProperty("command").GetString()!.Contains("held.example.com", StringComparison.Ordinal)).GetProperty("id").GetString()!;
        Assert.That(run.Client("deny", id).ExitCode, Is.EqualTo(0));
        Assert.That(run.WaitForExit(120), Is.EqualTo(0), run.Stderr);

        var result = JsonDocument.Parse(run.Stdout.Trim().Split('\n').Last()).RootElement;
        Assert.That(result.GetProperty("heldRunning").GetBoolean(), Is.True, "the held DELETE stayed held through phase 2");
        foreach (var phase in new[] { "base", "held" })
        {
            foreach (var w in result.GetProperty(phase).EnumerateArray())
            {
                Assert.That(w.GetProperty("refused").GetInt32(), Is.Zero, $"{phase}: an allowed exec was refused");
                Assert.That(w.GetProperty("connected").GetInt32(), Is.EqualTo(connects), $"{phase}: connects lost");
            }
        }
        // Every exec decision made exactly once: one audit record per (phase, worker, i), no more.
        var urls = File.ReadLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("argv").GetArrayLength() == 3 && r.GetProperty("argv")[2].GetString()!.StartsWith("https://api.example.com/", StringComparison.Ordinal))
            .Select(r => r.GetProperty("argv")[2].GetString()!).ToList();
        Assert.That(urls, Is.Unique, "a decision recorded twice");
        Assert.That(urls, Has.Count.EqualTo((1 + Rounds) * workers * execs), "decisions lost (audit records of the workers' execs)");

        double Median(string phase) => result.GetProperty(phase).EnumerateArray().Select(w => w.GetProperty("median").GetDouble()).Order()
            .ElementAt(result.GetProperty(phase).GetArrayLength() / 2);
        Assert.That(Median("held"), Is.LessThan(3 * Median("base")), "allow latency with an item held, against the same load without");
        Assert.That(after.Fds, Is.LessThanOrEqualTo(before.Fds + 2), "supervisor fds grew");
        string trace = $"KiB after phase 1: {before.Rss}, after each held round: {string.Join(", ", rss)}";
        TestContext.Out.WriteLine($"supervisor RSS {trace}");
        Assert.That((rss[^1] - rss[WarmUpRounds - 1]) / 1024.0, Is.LessThanOrEqualTo(RssGrowthMiB),
            $"supervisor RSS grew over the last {Rounds - WarmUpRounds} rounds of the same load (MiB; {trace})");
    }

    private static void WaitFor(string file, BackgroundRun run, int minutes)
    {
        var sw = Stopwatch.StartNew();
        while (!File.Exists(file))
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(minutes)) Assert.Fail($"{Path.GetFileName(file)} never came; stderr:\n{run.Stderr}\nstdout:\n{run.Stdout}");
            Thread.Sleep(50);
        }
    }

    [Test]
    public void EightProcessesDecideEveryExecAndConnectOnceWhileAnItemIsHeld() => Run(workers: 8, execs: 250, connects: 40);

    [Test, Category("Soak")]
    public void EightProcessesOf500ExecsAnd200ConnectsDecideEachOnceWhileAnItemIsHeld() => Run(workers: 8, execs: 500, connects: 200);
}
