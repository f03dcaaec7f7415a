using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class OptionReaderTests
{
    private static readonly OptionTable Getopt = new("t", OptionRules.Getopt | OptionRules.NoPrefix, """
        -c --command <cmd>
        -v --set --variable <name=value>
        -t --tuples-only
        -A --no-align
        -x --expanded
           --request <m>
           --request-target <t>
           --help [topic]
           --verbose
        """);

    private static readonly OptionTable Curlish = new("c", OptionRules.IgnoreCase | OptionRules.Abbreviations | OptionRules.EqualsValue
        | OptionRules.Bundles | OptionRules.Permute | OptionRules.DoubleDash | OptionRules.NoPrefix, """
        -X --request <m>
           --request-target <t>
        -s --silent
        -G --get
        """) { ExpandPrefix = "expand-" };

    private static readonly OptionTable Exact = new("r", OptionRules.None, """
        -h <host>
        -n <db>
           --tls
        """);

    private static List<string> Read(OptionTable table, params string[] args)
    {
        var r = new OptionReader(table, args);
        var list = new List<string>();
        while (r.Next(out var t))
        {
            list.Add(t.Kind switch
            {
                OptionTokenKind.Option => t.Value == null ? (t.Negated ? "!" : "") + t.Name : $"{t.Name}={t.Value}{(t.Expanded ? " (expanded)" : "")}",
                OptionTokenKind.Operand => "op:" + t.Value,
                _ => $"{t.Kind}:{t.Arg}",
            });
        }
        return list;
    }

    [TestCase(new[] { "-tAc", "DROP TABLE t" }, "--tuples-only|--no-align|--command=DROP TABLE t")]
    [TestCase(new[] { "-tAcDROP" }, "--tuples-only|--no-align|--command=DROP")]
    [TestCase(new[] { "--comm=x" }, "--command=x")]
    [TestCase(new[] { "--comm", "x" }, "--command=x")]
    [TestCase(new[] { "--var", "a=1", "--se", "b=2" }, "--set=a=1|--set=b=2")]
    [TestCase(new[] { "--req", "x" }, "Ambiguous:--req|op:x")]
    [TestCase(new[] { "--request", "DELETE" }, "--request=DELETE")]
    [TestCase(new[] { "--Request", "x" }, "Unknown:--Request|op:x")]
    [TestCase(new[] { "db", "-c", "x", "--", "-c" }, "op:db|--command=x|op:-c")]
    [TestCase(new[] { "-", "-c" }, "op:-|MissingValue:-c")]
    [TestCase(new[] { "--help" }, "--help")]
    [TestCase(new[] { "--help=commands", "x" }, "--help=commands|op:x")]
    [TestCase(new[] { "--verbose=1" }, "UnexpectedValue:--verbose=1")]
    [TestCase(new[] { "-tZc", "x" }, "--tuples-only|Unknown:-Z (in -tZc)|op:x")]
    [TestCase(new[] { "--no-expanded", "--no-align" }, "!--expanded|--no-align")]
    public void GetoptRules(string[] args, string expected) =>
        Assert.That(string.Join('|', Read(Getopt, args)), Is.EqualTo(expected));

    [TestCase(new[] { "--REQUEST", "DELETE" }, "--request=DELETE")]
    [TestCase(new[] { "--ReQuEsT=DELETE" }, "--request=DELETE")]
    [TestCase(new[] { "--REQ", "DELETE" }, "Ambiguous:--REQ|op:DELETE")]
    [TestCase(new[] { "--request-t", "/x" }, "--request-target=/x")]
    [TestCase(new[] { "-sGX", "DELETE", "u" }, "--silent|--get|--request=DELETE|op:u")]
    [TestCase(new[] { "u", "-XDELETE" }, "op:u|--request=DELETE")]
    [TestCase(new[] { "--no-get" }, "!--get")]
    [TestCase(new[] { "--no-request", "x" }, "Unknown:--no-request|op:x")]
    [TestCase(new[] { "--expand-request", "{{m}}" }, "--request={{m}} (expanded)")]
    [TestCase(new[] { "--expand-silent" }, "Unknown:--expand-silent")]
    [TestCase(new[] { "-X" }, "MissingValue:-X")]
    public void CurlRules(string[] args, string expected) =>
        Assert.That(string.Join('|', Read(Curlish, args)), Is.EqualTo(expected));

    [TestCase(new[] { "-h", "db", "-n", "0", "FLUSHDB", "-h", "x" }, "-h=db|-n=0|op:FLUSHDB|op:-h|op:x")]
    [TestCase(new[] { "-hdb", "GET" }, "Unknown:-hdb|op:GET")]
    [TestCase(new[] { "--tl", "GET" }, "Unknown:--tl|op:GET")]
    public void ExactRulesStopAtTheFirstOperand(string[] args, string expected) =>
        Assert.That(string.Join('|', Read(Exact, args)), Is.EqualTo(expected));

    [Test]
    public void ATableWithADuplicateNameIsRefused() =>
        Assert.That(() => new OptionTable("x", OptionRules.Getopt, "-a --all\n-a --any"), Throws.ArgumentException);

    [Test]
    public void EvidenceTextQuotesTheWordsTheOptionCameFrom()
    {
        var r = new OptionReader(Curlish, ["-sX", "DELETE"]);
        Assert.That(r.Next(out _), Is.True);
        Assert.That(r.Next(out var t), Is.True);
        Assert.That(t.Text, Is.EqualTo("-sX DELETE"));
    }
}
