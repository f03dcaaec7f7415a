namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, the CLI exemption's premise attacked: the real tmux may reach a server outside
/// the tree because what it sends was judged at its exec. On main 2a8c5c0 only send-keys, run-shell
/// and the new-window family were read: `ls ; run-shell …`, `if-shell`, `pipe-pane`, a format's
/// `#(…)` and control mode (`-C`, commands from stdin) made the outside server run
/// `curl -X DELETE` at the production stand-in, in both modes. Now every command of the sequence is
/// judged (CommandClassifier.Tmux.cs), and commands from stdin pause
/// (default.local:unread-tmux-commands; the run's pause times out, so they are denied).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class TmuxCommandTextTests(string guard) : OutsideTmuxFixture(guard)
{
    private string Delete => $"curl -sS -X DELETE {Prod.Url("/volumes/1")}";

    [TestCase("ls ';' run-shell '{0}'", TestName = "{m}(a sequence)")]
    [TestCase("ls';' run-shell '{0}'", TestName = "{m}(a word ending in ;)")]
    [TestCase("if-shell '{0}' ''", TestName = "{m}(if-shell)")]
    [TestCase("pipe-pane -t pane '{0}'", TestName = "{m}(pipe-pane)")]
    [TestCase("display-message -p '#({0})'", TestName = "{m}(a format's #())")]
    [TestCase("if-shell true \"run-shell '{0}'\"", TestName = "{m}(if-shell's own tmux command)")]
    // Options the server runs (lead s36; before, only default-command by its full name): a hook set
    // through set-option, and an abbreviated name (tmux takes any unambiguous prefix). Not closed
    // (KNOWN-GAPS 5d): a script FILE the server runs (`new-window -d ./x.sh`) is judged only as a
    // command the tree would exec later.
    [TestCase("set-option -g after-new-window \"run-shell '{0}'\" ';' new-window -d", TestName = "{m}(a hook set as an option)")]
    [TestCase("set -g default-c '{0}' ';' new-window -d", TestName = "{m}(an abbreviated option name)")]
    public void ACommandTmuxRunsIsJudged(string args)
    {
        using var home = new TestHome();
        var r = home.Run(Guard, "sh", "-c", $"exec /usr/bin/tmux -L {_server} {string.Format(args, Delete)}");
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the outside server ran the DELETE\n" + r.Stderr);
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule demo.http:delete-on-production]"));
    }

    [Test]
    public void ControlModeCommandsFromStdinAreNotSent()
    {
        using var home = new TestHome();
        var r = home.Run(Guard, "sh", "-c", $"echo \"run-shell '{Delete}'\" | exec /usr/bin/tmux -L {_server} -C attach");
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(2)), Is.False, "the outside server ran the DELETE\n" + r.Stderr);
        Assert.That(r.Stderr, Does.Contain("default.local:unread-tmux-commands"));
    }

    /// <summary>The look-alikes: a sequence of listings and a format without #() still reach the server.</summary>
    [Test]
    public void ASequenceOfListingsStillWorks()
    {
        using var home = new TestHome();
        var r = home.Run(Guard, "sh", "-c", $"exec /usr/bin/tmux -L {_server} ls ';' display-message -p 'session #S'");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("pane: 1 windows").And.Contain("session pane"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule "));
    }
}
