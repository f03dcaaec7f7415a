using System.Text.RegularExpressions;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, KNOWN-GAPS (2): the sockaddr race of a Unix connect. The check read sun_path and
/// resolved it, then answered CONTINUE, and the kernel copied and resolved the path again. A tree
/// program (tests/adversarial/native/unix-race.c) whose sibling thread flips sun_path between a socket
/// of its own and the outside tmux server's, or swaps a symlink between them, reached the outside
/// server in both modes on main caea47c (200 tries each: flip 1 and 3, link 3 and 1). While a listed
/// server outside the tree exists, each Unix connect of the tree is now made by the supervisor to the
/// file it judged (UnixOnBehalf): the race never lands on the outside server, and the program's own
/// socket, the look-alike, is still reached.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed partial class UnixConnectRaceTests(string guard) : OutsideTmuxFixture(guard)
{
    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("AGENTSHELL_ADVERSARIAL_TRIES"), out int n) && n > 0 ? n : 1000;

    [GeneratedRegex(@"tries (\d+) harmless (\d+) outside (\d+) refused (\d+) failed (\d+) torn (\d+)")]
    private static partial Regex Summary();

    [TestCase("flip", TestName = "{m}(SunPathFlippedByASiblingThread)")]
    [TestCase("link", TestName = "{m}(ASymlinkSwappedInATreeDirectory)")]
    public void TheRaceNeverReachesTheOutsideServer(string race)
    {
        using var home = new TestHome();
        var r = home.Run(Guard, Attacks.Program("unix-race"), race, Path.Combine(_dir, "h.sock"), _socket, Tries.ToString());
        var m = Summary().Match(r.Stdout);
        Assert.That(m.Success, Is.True, $"no summary; stdout: {r.Stdout}\nstderr: {r.Stderr}");
        TestContext.Out.WriteLine($"{Guard} {race}: {m.Value}");
        Assert.That(r.Stdout, Does.Not.Contain("connected to outside server"), r.Stderr);
        Assert.That(int.Parse(m.Groups[3].Value), Is.Zero, "connects that reached the outside server");
        // The look-alike: the program's own socket (a server of the tree) is still reached.
        Assert.That(int.Parse(m.Groups[2].Value), Is.GreaterThan(0), $"no connect reached the tree's own socket\n{r.Stderr}");
        // A path read mid-flip (a mix of the two, naming no file) fails ENOENT, as the kernel's own
        // read would (counted apart as torn); any other failure is a fault of the connect made.
        Assert.That(int.Parse(m.Groups[5].Value), Is.Zero, $"connects that failed otherwise than refused or torn\n{r.Stderr}");
    }

    /// <summary>The listener was asked by the listed path: with the outside socket moved away and a
    /// socket of the tree's own bound at the listed path, the probe met the tree's listener and the
    /// moved outside socket (listed by identity) was let through. The probe now goes to the listed
    /// identity only.</summary>
    [Test]
    public void ATreeSocketPutAtTheListedPathDoesNotVouchForTheMovedServer()
    {
        using var home = new TestHome();
        string moved = Path.Combine(_dir, "moved.sock");
        string py = """
            import os, socket, sys
            os.rename(sys.argv[1], sys.argv[2])
            own = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            own.bind(sys.argv[1]); own.listen(4)
            for name in (sys.argv[2], sys.argv[1]):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(name); print("connected", "own" if name == sys.argv[1] else "outside")
                except OSError as e:
                    print("refused", e.errno)
            own.close(); os.unlink(sys.argv[1])
            os.rename(sys.argv[2], sys.argv[1])
            """;
        var r = home.Run(Guard, "python3", "-c", py, _socket, moved);
        Assert.That(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "refused 1", "connected own" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"refused a connect to the command server {_socket}").And.Contain("[rule network:command-server-outside-tree]"));
    }
}
