using System.Text;
using AgentShell.Core.Lexing;

namespace AgentShell.Core.Tests.Lexing;

public class ShellLexerTests
{
    private static string Tokens(string input)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var lexer = new ShellLexer(bytes);
        var sb = new StringBuilder();
        for (int guard = 0; guard < 1000; guard++)
        {
            var t = lexer.Next();
            if (t.Kind == ShellTokenKind.End) break;
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(t.Kind switch
            {
                ShellTokenKind.Word => "W(" + Encoding.UTF8.GetString(t.Text) + ")",
                ShellTokenKind.HereDoc => "H(" + Encoding.UTF8.GetString(t.Body).Replace("\n", "|") + ")",
                _ => t.Kind + "(" + Encoding.UTF8.GetString(t.Text).Replace("\n", "\\n") + ")",
            });
        }
        return sb.ToString();
    }

    [TestCase("ls -la", "W(ls) W(-la)")]
    [TestCase("a;b", "W(a) Separator(;) W(b)")]
    [TestCase("a && b || c", "W(a) AndIf(&&) W(b) OrIf(||) W(c)")]
    [TestCase("a | b |& c", "W(a) Pipe(|) W(b) Pipe(|&) W(c)")]
    [TestCase("a & b", "W(a) Background(&) W(b)")]
    [TestCase("a\nb", "W(a) Separator(\\n) W(b)")]
    [TestCase("(a) ", "OpenParen(() W(a) CloseParen())")]
    [TestCase("echo 'a b' \"c d\"", "W(echo) W('a b') W(\"c d\")")]
    [TestCase("echo a\\ b", "W(echo) W(a\\ b)")]
    [TestCase("echo $(a; b) c", "W(echo) W($(a; b)) W(c)")]
    [TestCase("echo \"$(a \")\" b)\"", "W(echo) W(\"$(a \")\" b)\")")]
    [TestCase("echo `a | b`", "W(echo) W(`a | b`)")]
    [TestCase("x=1 y", "W(x=1) W(y)")]
    [TestCase("a >f 2>>g <h", "W(a) Redirect(>) W(f) Redirect(2>>) W(g) Redirect(<) W(h)")]
    [TestCase("a &>f 2>&1", "W(a) Redirect(&>) W(f) Redirect(2>&) W(1)")]
    [TestCase("a # b; c\nd", "W(a) Separator(\\n) W(d)")]
    [TestCase("a#b", "W(a#b)")]
    [TestCase("a \\\n b", "W(a) W(b)")]
    [TestCase("cat <<EOF\nx\ny\nEOF\nz", "W(cat) H(x|y|) Separator(\\n) W(z)")]
    [TestCase("cat <<-'E'\n\tx\n\tE\nz", "W(cat) H(\tx|) Separator(\\n) W(z)")]
    [TestCase("a <<A <<B\n1\nA\n2\nB\nz", "W(a) H(1|) H(2|) Separator(\\n) W(z)")]
    [TestCase("a <<< 'x y'", "W(a) HereString(<<<) W('x y')")]
    [TestCase("diff <(a) >(b)", "W(diff) W(<(a)) W(>(b))")]
    [TestCase("echo $'a\\'b' c", "W(echo) W($'a\\'b') W(c)")]
    [TestCase("case x in a) b;; esac", "W(case) W(x) W(in) W(a) CloseParen()) W(b) CaseEnd(;;) W(esac)")]
    public void SplitsIntoTokens(string input, string expected) =>
        Assert.That(Tokens(input), Is.EqualTo(expected));

    [TestCase("echo 'abc")]
    [TestCase("echo \"abc")]
    [TestCase("echo $(abc")]
    [TestCase("echo `abc")]
    [TestCase("cat <<EOF\nbody")]
    public void ReportsUnterminatedInput(string input)
    {
        var lexer = new ShellLexer(Encoding.UTF8.GetBytes(input));
        while (lexer.Next().Kind != ShellTokenKind.End) { }
        Assert.That(lexer.SawUnterminated, Is.True);
    }

    [Test]
    public void LexingAllocatesNothing()
    {
        var bytes = Encoding.UTF8.GetBytes("sudo -u x env A=1 bash -c 'psql -c \"DROP TABLE t\"' | tee log 2>&1 && echo $(date) `id` <<EOF\nbody\nEOF\n");
        static int Count(byte[] b)
        {
            var l = new ShellLexer(b);
            int n = 0;
            while (l.Next().Kind != ShellTokenKind.End) n++;
            return n;
        }
        Count(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = Count(bytes);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(n, Is.GreaterThan(10));
    }
}
