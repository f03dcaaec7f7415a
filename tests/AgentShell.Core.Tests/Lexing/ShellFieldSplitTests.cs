using AgentShell.Core.Lexing;

namespace AgentShell.Core.Tests.Lexing;

/// <summary>corpus28: field splitting of unquoted expansions by IFS.</summary>
[TestFixture]
public sealed class ShellFieldSplitTests
{
    [TestCase("a b  c", " \t\n", "a|b|c")]
    [TestCase("  a b ", " \t\n", "a|b")]
    [TestCase("a,,b", ",", "a||b")]
    [TestCase("a , b", ", ", "a|b")]
    [TestCase("a:b:", ":", "a|b")]
    public void SplitsAsBashDoes(string text, string ifs, string expected) =>
        Assert.That(string.Join('|', ShellFieldSplit.Split(text, ifs)), Is.EqualTo(expected));

    [TestCase("cmd='kubectl --context prod delete ns x'; $cmd", "kubectl|--context|prod|delete|ns|x")]
    [TestCase("IFS=,; c='psql,-h,db,-c,DROP TABLE t'; $c", "psql|-h|db|-c|DROP TABLE t")]
    [TestCase("IFS=,; c=a,b; \"$c\"", "a,b")]
    [TestCase("c='a b'; x$c", "xa|b")]
    [TestCase("IFS=,; c=a,b; x,$c", "x,a,b")] // a literal IFS character beside it: not modelled, one word
    [TestCase("IFS=,; c=a,b; ${c}", "a|b")]
    // review42 F8: empty quotes beside the expansion, as bash 5 splits them (printf '[%s]').
    [TestCase("c='a b c'; $c\"\"", "a|b|c")]
    [TestCase("c='a b c'; $c''", "a|b|c")]
    [TestCase("c='a b '; $c\"\"", "a|b|")]
    [TestCase("c=' '; \"\"$c\"\"", "|")]
    [TestCase("c='a b'; ''$c", "a|b")]
    [TestCase("IFS=,; c=a,b,; $c\"\"", "a|b|")]
    [TestCase("c='a b'; $c\"x\"", "a bx")] // a quoted non-empty part: not modelled, one word
    public void AnUnquotedExpansionIsItsFields(string line, string words)
    {
        var script = ShellParser.Parse(System.Text.Encoding.UTF8.GetBytes(line), _ => null);
        Assert.That(string.Join('|', script.Commands[^1].Words), Is.EqualTo(words));
    }

    /// <summary>review42 F7: bash and dash start with IFS space, tab, newline whatever the environment
    /// holds; only an IFS the string assigns counts.</summary>
    [Test]
    public void AnInheritedIfsIsIgnored()
    {
        var line = System.Text.Encoding.UTF8.GetBytes("c='kubectl --context prod delete ns x'; $c");
        var script = ShellParser.Parse(line, n => n == "IFS" ? "," : null);
        Assert.That(string.Join('|', script.Commands[^1].Words), Is.EqualTo("kubectl|--context|prod|delete|ns|x"));
        var own = ShellParser.Parse("IFS=,; c=a,b; $c"u8, n => n == "IFS" ? ":" : null);
        Assert.That(string.Join('|', own.Commands[^1].Words), Is.EqualTo("a|b"));
    }
}
