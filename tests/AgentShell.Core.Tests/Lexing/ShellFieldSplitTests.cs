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
    public void AnUnquotedExpansionIsItsFields(string line, string words)
    {
        var script = ShellParser.Parse(System.Text.Encoding.UTF8.GetBytes(line), _ => null);
        Assert.That(string.Join('|', script.Commands[^1].Words), Is.EqualTo(words));
    }
}
