using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

/// <summary><see cref="PositionalParameters"/>: the text a shell would run once $0, $N, "$@", $* and
/// $# are expanded, each value kept as one word, single-quoted text left alone.</summary>
public class PositionalParametersTests
{
    [TestCase("\"$@\"", new[] { "psql", "-c", "DROP TABLE t" }, "\"\"'psql' '-c' 'DROP TABLE t'\"\"")]
    [TestCase("$@", new[] { "a b", "c" }, "'a b' 'c'")]
    [TestCase("\"$*\"", new[] { "a", "b" }, "\"\"'a b'\"\"")]
    [TestCase("psql -h \"$1\" -c x", new[] { "db.prod" }, "psql -h \"\"'db.prod'\"\" -c x")]
    [TestCase("psql -h ${1} -c x", new[] { "db.prod" }, "psql -h 'db.prod' -c x")]
    [TestCase("echo $2", new[] { "only" }, "echo ''")]
    [TestCase("echo $#", new[] { "a", "b", "c" }, "echo '3'")]
    [TestCase("echo '$1' $1", new[] { "x" }, "echo '$1' 'x'")]
    [TestCase("echo \\$1", new[] { "x" }, "echo \\$1")]
    [TestCase("echo $HOME $1", new[] { "it's" }, "echo $HOME 'it'\\''s'")]
    // corpus21: ${10} and beyond take every digit in braces; a bare $10 is $1 then 0.
    [TestCase("psql -h ${10} -c x", new[] { "1", "2", "3", "4", "5", "6", "7", "8", "9", "db.prod" }, "psql -h 'db.prod' -c x")]
    [TestCase("echo $10", new[] { "a", "2", "3", "4", "5", "6", "7", "8", "9", "b" }, "echo 'a'0")]
    [TestCase("echo ${12}", new[] { "a" }, "echo ''")]
    // "$@" with no arguments is no word; inside a longer word it adds nothing to it.
    [TestCase("run \"$@\" end", new string[0], "run  end")]
    [TestCase("run x\"$@\" end", new string[0], "run x end")]
    [TestCase("run \"${@}\"", new string[0], "run ")]
    [TestCase("echo \"a$@\"", new string[0], "echo \"a\"\"\"")]
    public void ExpandsAsTheShellWould(string script, string[] args, string expected) =>
        Assert.That(PositionalParameters.Substitute(script, null, false, args, null), Is.EqualTo(expected));

    [Test]
    public void ZeroIsTheFirstWordAfterTheStringAndLeftAloneForAFunction()
    {
        Assert.That(PositionalParameters.Substitute("eval \"$0\"", "psql -c 'DROP TABLE t'", false, [], null),
            Is.EqualTo("eval \"\"'psql -c '\\''DROP TABLE t'\\'''\"\""));
        Assert.That(PositionalParameters.Substitute("echo $0", null, false, ["x"], null), Is.EqualTo("echo $0"));
    }

    [Test]
    public void AValueBuiltAtRunTimeStaysAnExpansion() =>
        Assert.That(PositionalParameters.Substitute("psql -h $1", null, false, ["$HOST"], [true]), Is.EqualTo("psql -h \"$HOST\""));

    [Test]
    public void AScriptWithoutADollarIsReturnedAsItIs()
    {
        const string s = "psql -c 'SELECT 1'";
        Assert.That(PositionalParameters.Substitute(s, "sh", false, ["x"], null), Is.SameAs(s));
    }
}
