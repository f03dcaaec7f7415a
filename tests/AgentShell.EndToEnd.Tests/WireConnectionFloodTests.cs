using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A tree that opens more production connections than the wire layer serves at once
/// (red team 7): each held a supervisor thread for as long as its client liked (half an HTTP
/// request is enough), with no limit, so thousands used up the machine's threads (pid_max is 32768
/// here). Past <c>WireDispatcher.MaxOpenConnections</c> (1024) a new connection is reset with a
/// reason; nothing is let through, and once the flood ends requests are decided as before.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireConnectionFloodTests(string guard) : ProductionStandInFixture(guard, "agentshell-wire-flood-")
{
    [Test]
    public void ConnectionsPastTheLimitAreRefusedAndNothingIsLetThrough()
    {
        string held = Http.Url("/held"), item = Http.Url("/items/7");
        string script = $$"""
            import os, socket, sys, time, urllib.request, urllib.parse
            u = urllib.parse.urlparse('{{held}}')
            kids = []
            for p in range(4):
                r, w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    socks = []
                    for i in range(300):
                        try:
                            s = socket.create_connection((u.hostname, u.port), timeout=10)
                            s.sendall(b'GET /held HTTP/1.1\r\nHost: prod\r\n')  # half a request: the rest never comes
                            socks.append(s)
                        except OSError:
                            pass
                    os.write(w, b'x'); time.sleep(120); os._exit(0)
                os.close(w); kids.append((pid, r))
            for pid, r in kids: os.read(r, 1)
            def call(m):
                try: return str(urllib.request.urlopen(urllib.request.Request('{{item}}', method=m), timeout=20).status)
                except urllib.error.HTTPError as e: return str(e.code)
                except Exception as e: return 'failed'
            print('during', call('DELETE'), flush=True)
            for pid, r in kids: os.kill(pid, 9); os.waitpid(pid, 0)
            time.sleep(1)
            print('after', call('GET'), call('DELETE'), flush=True)
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", Repo.Python, "-c", script],
            timeout: TimeSpan.FromMinutes(3));
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "during failed", "after 200 403" }), r.Stdout + r.Stderr[^Math.Min(r.Stderr.Length, 3000)..]);
        Assert.That(r.Stderr, Does.Contain("the run already holds 1024 open production connections"));
        Assert.That(Http.Requests.Where(q => q.Method == "DELETE"), Is.Empty, "no DELETE reached production");
        Assert.That(Http.Requests.Count(q => q.Path == "/items/7"), Is.EqualTo(1), "the GET after the flood did");
    }
}
