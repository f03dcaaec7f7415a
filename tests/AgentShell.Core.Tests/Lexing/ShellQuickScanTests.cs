using System.Text;
using AgentShell.Core.Lexing;

namespace AgentShell.Core.Tests.Lexing;

public class ShellQuickScanTests
{
    private static ShellQuickScan.KnownName Known(ReadOnlySpan<byte> n) =>
        n.SequenceEqual("git"u8) ? ShellQuickScan.KnownName.WithArguments
        : n.SequenceEqual("rm"u8) || n.SequenceEqual("sh"u8) || n.SequenceEqual("psql"u8) ? ShellQuickScan.KnownName.Yes
        : ShellQuickScan.KnownName.No;

    private static bool Push(ReadOnlySpan<byte> command, ReadOnlySpan<byte> word) => word.SequenceEqual("push"u8);

    [TestCase("ls -la && npm test", false)]
    [TestCase("echo rm -rf /", false)]
    [TestCase("grep -r psql .", false)]
    [TestCase("A=1 ls > out 2>&1", false)]
    [TestCase("cat <<'EOF'\nrm -rf /\nEOF", false)]
    [TestCase("for f in *; do echo $f; done", false)]
    [TestCase("ls; rm x", true)]
    [TestCase("ls | sh", true)]
    [TestCase("A=1 /bin/rm x", true)]
    [TestCase("if true; then psql; fi", true)]
    [TestCase("case x in a) rm y;; esac", true)]
    [TestCase("f() { rm y; }", true)]
    [TestCase("echo $(ls)", true)]
    [TestCase("ls > $(rm x)", true)]
    [TestCase("\"ls\"", true)]
    [TestCase("$CMD x", true)]
    [TestCase("echo 'unterminated", true)]
    [TestCase("cat <<EOF\n$(rm -rf /)\nEOF", true)]
    [TestCase("git status && git log", false)]
    [TestCase("git status; git push -f", true)]
    [TestCase("function f { rm x; }", true)]
    [TestCase(";;", true)]
    public void DecidesWhetherAStringNeedsParsing(string script, bool matters) =>
        Assert.That(ShellQuickScan.MayMatter(Encoding.UTF8.GetBytes(script), Known, Push), Is.EqualTo(matters));
}
