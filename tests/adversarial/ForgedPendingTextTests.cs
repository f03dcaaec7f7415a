namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>The person approves what `pending` shows. A tree process whose argv, working directory or
/// name (comm, PR_SET_NAME) holds terminal controls (CR, ESC sequences that erase a line and move
/// the cursor up, a bidi override) rewrote that text on the person's terminal: on main 4d7a276 a
/// python3 about to send a DELETE was shown, on a terminal, as `command: curl GET …/health`
/// (`pending`, `watch`, and the pause notice on the run's terminal carried the bytes as they were).
/// Every such character is now shown as an escape (<c>\x1b</c>, <c>\r</c>; an argument as bash's
/// <c>$'…'</c>, still pasteable). A connection's argv is labelled as the process's own claim, with
/// the program that runs beside it (redteam23: any process can rewrite its /proc/PID/cmdline).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ForgedPendingTextTests(string guard) : ProductionFixture(guard)
{
    [Test]
    public void TerminalControlsInAPausedRequestAreShownAsEscapes()
    {
        const string Forged = "\r\e[2K\e[1A\e[2K";
        string dir = Directory.CreateTempSubdirectory("agentshell-adv-esc-").FullName;
        string cwd = Directory.CreateDirectory(Path.Combine(dir, "w" + Forged + "x")).FullName;
        string profile = Path.Combine(dir, "p.json");
        File.WriteAllText(profile, """{ "Description": "test: the wire off for production", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } } }""");
        string sock = Path.Combine(dir, "s.sock");
        // An unknown client's connect is paused for a person; its name and argv carry the controls.
        string py = "import ctypes, os, socket, sys\n" +
            "ctypes.CDLL(None).prctl(15, b'\\x1b[2K\\rcurl', 0, 0, 0)\n" +
            $"s = socket.create_connection(('127.0.0.2', {Prod.Port}))\n" +
            "s.sendall(b'DELETE /volumes/1 HTTP/1.0\\r\\n\\r\\n'); print(s.recv(12))\n";
        try
        {
            using var run = new BackgroundRun(sock, ["--connect-guard", Guard, "--profile", profile, "--pause-timeout", "30"],
                ["bash", "-c", $"cd \"$1\" && exec {Repo.Python} -c \"$2\" \"$3\"", "sh", cwd, py, Forged + $"curl GET {Prod.Url("/health")}\u202e"]);
            string id = run.WaitForPause();
            var pending = run.Client("pending");
            Assert.That(pending.ExitCode, Is.EqualTo(0), pending.Stderr);
            // A connection's argv is what the process shows (it can rewrite /proc/PID/cmdline): it
            // is labelled so, and the program that runs (/proc/PID/exe) is shown beside it.
            Assert.That(pending.Stdout, Does.Contain("argv:").And.Contain("it can rewrite this"), pending.Stdout);
            var program = pending.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("program:", StringComparison.Ordinal));
            Assert.That(program, Does.Contain("python").And.Not.Contain("curl"), pending.Stdout);
            var acting = pending.Stdout.Where(c => c != '\n' && (char.IsControl(c) || c is >= '\u202a' and <= '\u202e')).Select(c => $"U+{(int)c:X4}").Distinct();
            Assert.That(acting, Is.Empty, pending.Stdout);
            Assert.That(pending.Stdout, Does.Contain("\\x1b[2K").And.Contain("$'"), pending.Stdout);
            // The run's own notice (its stderr here, the terminal it was started from otherwise).
            Assert.That(run.Stderr.Split('\n').Where(l => l.Contains("paused")).SelectMany(l => l).Where(char.IsControl), Is.Empty, run.Stderr);
            Assert.That(run.Client("deny", id).ExitCode, Is.EqualTo(0));
            run.WaitForExit();
            Assert.That(Prod.Requests, Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
