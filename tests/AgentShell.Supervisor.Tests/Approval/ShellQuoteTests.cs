using System.Diagnostics;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests.Approval;

/// <summary>What a person is shown of a command: pasteable, and never acted on by their terminal.</summary>
[TestFixture]
public sealed class ShellQuoteTests
{
    [TestCase("curl", "curl")]
    [TestCase("a b", "'a b'")]
    [TestCase("it's", "'it'\\''s'")]
    [TestCase("", "''")]
    [TestCase("née", "'née'")]
    public void PrintableArgumentsAreQuotedAsBefore(string arg, string shown) => Assert.That(ShellQuote.Quote(arg), Is.EqualTo(shown));

    [TestCase("\r\e[2Kcurl GET", "$'\\r\\x1b[2Kcurl GET'")]
    [TestCase("a\nb", "$'a\\nb'")]
    [TestCase("x\u202e'y\\", "$'x\\u202e\\'y\\\\'")]
    [TestCase("\u009b2K", "$'\\u009b2K'")]
    [TestCase("\u007f", "$'\\x7f'")]
    public void ArgumentsWithTerminalControlsAreAnsiCQuoted(string arg, string shown)
    {
        Assert.That(ShellQuote.JoinShown([arg]), Is.EqualTo(shown));
        Assert.That(ShellQuote.Quote(arg), Is.EqualTo("'" + arg.Replace("'", "'\\''") + "'"), "the logged and exported form is as before");
    }

    [TestCase("\r\e[2Kcurl GET\u202e")]
    [TestCase("x\u202e'y\\ \t z\n")]
    [TestCase("plain ' quote")]
    [TestCase("\u009b2K")]
    public void WhatIsShownPastesAsTheSameArgument(string arg)
    {
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        psi.Environment["LC_ALL"] = "C.UTF-8"; // \u escapes are written in the locale's encoding
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("printf %s " + ShellQuote.JoinShown([arg]));
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(o, Is.EqualTo(arg));
    }

    [Test]
    public void JoinShownQuotesEachArgumentOnItsOwn() =>
        Assert.That(ShellQuote.JoinShown(["python3", "-c", "x", "\r\e[1Acurl GET /health", "a b"]), Is.EqualTo("python3 -c x $'\\r\\x1b[1Acurl GET /health' 'a b'"));

    [TestCase("w\e[2Kx", "w\\x1b[2Kx")]
    [TestCase("\r\ncurl", "\\r\\ncurl")]
    [TestCase("plain text (production)", "plain text (production)")]
    public void InertTextShowsControlsAsEscapes(string text, string shown) => Assert.That(ShellQuote.Inert(text), Is.EqualTo(shown));
}
