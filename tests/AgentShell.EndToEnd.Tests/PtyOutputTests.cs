using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>What an agent harness that runs agentshell in a pty (script, a pty-backed tool) captures
/// on stdout: the supervised command's bytes, nothing of agentshell's (.NET's Console used to send
/// the terminal's keypad_xmit, ESC[?1h ESC=, on its first write).</summary>
[TestFixture]
public sealed class PtyOutputTests
{
    private static (int Code, byte[] Stdout) InPty(string commandLine)
    {
        var psi = new ProcessStartInfo("script", ["-qec", commandLine, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.Environment["TERM"] = "xterm"; // a terminal whose terminfo has keypad_xmit, as a user's has
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        using var ms = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail($"'{commandLine}' did not finish under script"); }
        copy.Wait();
        return (p.ExitCode, ms.ToArray());
    }

    [Test]
    public void ARunsStdoutInAPtyIsExactlyTheCommands()
    {
        KernelSetUp.RequireInterception();
        // agentshell's own start-up line goes to stderr (here a file), the command's bytes to the pty.
        var err = Path.GetTempFileName();
        try
        {
            var (code, stdout) = InPty($"{Repo.AgentShell} run --profile {Repo.DemoProfile} -- printf 'out' 2>{err}");
            Assert.That(code, Is.EqualTo(0));
            Assert.That(System.Text.Encoding.ASCII.GetString(stdout), Is.EqualTo("out"), "no escape sequence or other byte of agentshell's");
            Assert.That(File.ReadAllText(err), Does.StartWith("agentshell: profiles: "), "the start-up line is still printed, on stderr");
        }
        finally { File.Delete(err); }
    }

    [Test]
    public void AVerbsOutputInAPtyHasNoTerminalModeSequence()
    {
        var (code, stdout) = InPty($"{Repo.AgentShell} check --profile {Repo.DemoProfile} -- echo hi");
        Assert.That(code, Is.EqualTo(0));
        var text = System.Text.Encoding.UTF8.GetString(stdout);
        Assert.That(text, Does.StartWith("allow"));
        Assert.That(text, Does.Not.Contain("\u001b"), "the keypad mode is left as it was");
    }

    // The verbs the option parser reads (help, the version, usage errors, every verb but run, check
    // and hook): CommandLineParser asks Console for the window width, which set the terminal up.
    [TestCase("--version")]
    [TestCase("--help")]
    [TestCase("run --help")]
    [TestCase("doctor --help")]
    [TestCase("hook --help")]
    [TestCase("profiles show")]
    [TestCase("runs")]
    [TestCase("pending")]
    [TestCase("log --since 1m")]
    [TestCase("run --no-such-option -- true")]
    public void TheOptionParsersVerbsInAPtyHaveNoTerminalModeSequence(string args)
    {
        var (_, output) = InPty($"{Repo.AgentShell} {args} 2>&1");
        var text = System.Text.Encoding.UTF8.GetString(output);
        Assert.That(text.Trim(), Is.Not.Empty, "the verb printed its text");
        Assert.That(text, Does.Not.Contain("\u001b"), "the keypad mode is left as it was");
    }
}
