using System.Text;
using AgentShell.Core.Lexing;

namespace AgentShell.Core.Tests.Lexing;

public class ShellWordTests
{
    private static string? Vars(string n) => n switch { "HOME" => "/home/u", "X" => "x1", _ => null };

    [TestCase("plain", "plain", false)]
    [TestCase("'a b'", "a b", false)]
    [TestCase("\"a b\"", "a b", false)]
    [TestCase("a\\ b", "a b", false)]
    [TestCase("r''m", "rm", false)]
    [TestCase("\"a\\\"b\"", "a\"b", false)]
    [TestCase("\"a\\nb\"", "a\\nb", false)]
    [TestCase("$'\\x72\\x6d'", "rm", false)]
    [TestCase("$'a\\tb\\n'", "a\tb\n", false)]
    [TestCase("$'\\101'", "A", false)]
    [TestCase("$X", "x1", false)]
    [TestCase("${X}", "x1", false)]
    [TestCase("\"$X-y\"", "x1-y", false)]
    [TestCase("'$X'", "$X", false)]
    [TestCase("~", "/home/u", false)]
    [TestCase("~/a", "/home/u/a", false)]
    [TestCase("a~", "a~", false)]
    [TestCase("$NOPE", "$NOPE", true)]
    [TestCase("${NOPE:-d}", "${NOPE:-d}", true)]
    [TestCase("$(cmd)", "$(cmd)", true)]
    [TestCase("`cmd`", "`cmd`", true)]
    [TestCase("$1", "$1", true)]
    [TestCase("a$", "a$", false)]
    public void Decodes(string raw, string expected, bool dynamic)
    {
        var value = ShellWord.Decode(Encoding.UTF8.GetBytes(raw), Vars, null, out bool dyn);
        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(expected));
            Assert.That(dyn, Is.EqualTo(dynamic));
        });
    }

    [TestCase("$(a b)", "a b")]
    [TestCase("\"x $(a; b) y\"", "a; b")]
    [TestCase("`a \\`b\\``", "a `b`")]
    [TestCase("<(a)", "a")]
    [TestCase("${X:-$(a)}", "a")]
    public void CollectsCommandSubstitutions(string raw, string inner)
    {
        var subs = new List<string>();
        ShellWord.Decode(Encoding.UTF8.GetBytes(raw), Vars, subs, out _);
        Assert.That(subs, Is.EqualTo(new[] { inner }));
    }
}
