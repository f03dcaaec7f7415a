namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11 with GNU screen, the other command server the CLI exemption covers (untested until
/// s37: screen was not installed here). A screen session started outside the run, as a terminal's,
/// runs what `screen -X stuff` types into its window where nothing is supervised. The real screen CLI
/// reaches it with its typed text judged at its exec: a DELETE typed is refused, a script no parser
/// reads pauses (nobody answers: refused), an echo goes through; a renamed copy of screen is refused
/// at its connect (network:command-server-outside-tree).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ScreenServerTests(string guard) : ProductionFixture(guard)
{
    private string _session = "";
    private string _dir = "";

    [SetUp]
    public void StartOutsideSession()
    {
        if (!File.Exists("/usr/bin/screen")) Assert.Ignore("screen is not installed here");
        _dir = Directory.CreateTempSubdirectory("agentshell-adv-screen-").FullName;
        _session = $"agentshell-adv-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        Screen("-dmS", _session, "sh");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Listed() && DateTime.UtcNow < until) Thread.Sleep(50);
        Assert.That(Listed(), Is.True, "the outside screen session did not start");
    }

    [TearDown]
    public void StopOutsideSession()
    {
        if (_session != "") System.Diagnostics.Process.Start("/usr/bin/screen", ["-S", _session, "-X", "quit"])?.WaitForExit();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private bool Listed() => Directory.Exists("/run/screen") && Directory.EnumerateFiles("/run/screen", "*." + _session, SearchOption.AllDirectories).Any();

    private static void Screen(params string[] args)
    {
        var p = System.Diagnostics.Process.Start("/usr/bin/screen", args)!;
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, "screen " + string.Join(' ', args));
    }

    private AgentShellRunner.Result Stuff(TestHome home, string program, string text) =>
        home.Run(Guard, program, "-S", _session, "-X", "stuff", text + "\\n");

    /// <summary>KNOWN-GAPS 5d for screen: a script file typed into the window was judged as a later exec
    /// of the tree (none comes: the window runs it).</summary>
    [Test]
    public void AScriptTypedIntoTheWindowPauses()
    {
        using var home = new TestHome();
        var script = Path.Combine(_dir, "x.py");
        File.WriteAllText(script, $"#!/usr/bin/python3\nimport urllib.request\nurllib.request.urlopen(urllib.request.Request('{Prod.Url("/volumes/1")}', method='DELETE'))\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var r = Stuff(home, "/usr/bin/screen", script);
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(3)), Is.False, "the outside window ran the DELETE\n" + r.Stderr);
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("default.local:unread-tmux-commands"));
    }

    /// <summary>A DELETE typed by the real CLI is refused at its exec; by a renamed copy (no CLI to the
    /// classifier), at its connect to the outside session's socket.</summary>
    [TestCase(false, "[rule demo.http:delete-on-production]", TestName = "{m}(the real CLI)")]
    [TestCase(true, "[rule network:command-server-outside-tree]", TestName = "{m}(a renamed copy)")]
    public void ADeleteTypedIntoTheWindowIsRefused(bool copied, string rule)
    {
        using var home = new TestHome();
        var program = "/usr/bin/screen";
        if (copied)
        {
            program = Path.Combine(_dir, "mytool");
            File.Copy("/usr/bin/screen", program);
            File.SetUnixFileMode(program, (UnixFileMode)0b111_101_101);
        }
        var r = Stuff(home, program, $"curl -sS -X DELETE {Prod.Url("/volumes/1")}");
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the outside window ran the DELETE\n" + r.Stderr);
        Assert.That(r.Stderr, Does.Contain(rule));
    }

    /// <summary>The look-alike: an inert command typed by the real CLI reaches the window.</summary>
    [Test]
    public void AnEchoTypedByTheRealCliRuns()
    {
        using var home = new TestHome();
        var mark = Path.Combine(_dir, "mark");
        var r = Stuff(home, "/usr/bin/screen", $"echo typed > {mark}");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!File.Exists(mark) && DateTime.UtcNow < until) Thread.Sleep(100);
        Assert.That(File.Exists(mark), Is.True, "the window did not run the echo\n" + r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule "));
    }
}
