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
    // through set-option, and an abbreviated name (tmux takes any unambiguous prefix).
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

    /// <summary>KNOWN-GAPS 5d (lead s36, closed s37): a program FILE the outside server runs was
    /// judged only as a command the tree would exec later — and the server's exec is never the
    /// tree's: the DELETE reached the production stand-in in both modes. A script is now read for
    /// what it shows (its DELETE refused), and one no parser reads (python here) is an unknown
    /// effect there, paused (nobody answers: refused); so is text typed into the pane's shell that
    /// runs a name no parser knows.</summary>
    [TestCase("new-window -d {0}", "sh", TestName = "{m}(new-window runs a shell script)")]
    [TestCase("set -g default-shell {0} ';' new-window -d", "sh", TestName = "{m}(default-shell)")]
    [TestCase("new-window -d {0}", "python", TestName = "{m}(new-window runs a python script)")]
    [TestCase("new-window -d 'python3 {0}'", "python", TestName = "{m}(python3 FILE)")]
    [TestCase("send-keys -t pane '{0}' Enter", "python", TestName = "{m}(typed into the pane)")]
    public void AProgramFileTheServerRunsIsJudged(string args, string kind)
    {
        using var home = new TestHome();
        var script = Path.Combine(home.Dir, "x-" + kind);
        File.WriteAllText(script, kind == "sh"
            ? $"#!/bin/sh\n{Delete}\n"
            : $"#!/usr/bin/python3\nimport urllib.request\nurllib.request.urlopen(urllib.request.Request('{Prod.Url("/volumes/1")}', method='DELETE'))\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var r = home.Run(Guard, "sh", "-c", $"exec /usr/bin/tmux -L {_server} {string.Format(args, script)}");
        Assert.That(Prod.Saw("DELETE", TimeSpan.FromSeconds(3)), Is.False, "the outside server ran the DELETE\n" + r.Stderr);
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        // python3 FILE: the file's literal DELETE is read as well (a script file an interpreter is
        // handed): refused outright, where a file that shows nothing would be the unknown's pause.
        if (args.StartsWith("new-window -d 'python3", StringComparison.Ordinal)) Assert.That(r.Stderr, Does.Contain("[rule demo.http:delete-on-production]"));
        else Assert.That(r.Stderr, Does.Contain(kind == "sh" ? "[rule demo.http:delete-on-production]" : "default.local:unread-tmux-commands"));
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

    /// <summary>The look-alike of a program the server runs: an inert one (sleep) still reaches it.</summary>
    [Test]
    public void AnInertProgramStillRuns()
    {
        using var home = new TestHome();
        var r = home.Run(Guard, "sh", "-c", $"/usr/bin/tmux -L {_server} new-window -d -n inert 'sleep 30' && /usr/bin/tmux -L {_server} list-windows -F '#W'");
        Assert.That(r.ExitCode, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("inert"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule "));
    }
}
