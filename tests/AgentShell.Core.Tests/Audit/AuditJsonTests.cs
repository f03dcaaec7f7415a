using System.Text;
using System.Text.Json;
using AgentShell.Core.Audit;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Audit;

[TestFixture]
public class AuditJsonTests
{
    private static AuditRecord Sample(IReadOnlyList<string>? argv = null, string? cwd = "/home/me/app") => new()
    {
        Time = new DateTimeOffset(2026, 11, 24, 9, 30, 15, 123, TimeSpan.Zero),
        RunId = "run-7f3a",
        Syscall = AuditSyscall.Execve,
        Pid = 131,
        PidChain = ["claude(100)", "bash(120)", "psql(131)"],
        Argv = argv ?? ["psql", "-h", "db.prod.acme.io", "-c", "DROP TABLE customers"],
        Cwd = cwd,
        Tool = "psql",
        Effect = "drop",
        Targets = ["db.prod.acme.io:5432/shop"],
        Environment = "production",
        RuleId = "default.any:destructive-on-production",
        Action = AuditAction.Pause,
        Outcome = AuditOutcome.Approved,
        ApprovedBy = "uid 1000 pid 4242 (agentshell approve)",
        WaitedMs = 12_345,
        Reason = "drop on production",
    };

    private static string LineOf(AuditRecord r) => Encoding.UTF8.GetString(AuditJson.ToLine(r));

    private static void AssertSame(AuditRecord actual, AuditRecord expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.Time, Is.EqualTo(expected.Time));
            Assert.That(actual.RunId, Is.EqualTo(expected.RunId));
            Assert.That(actual.Syscall, Is.EqualTo(expected.Syscall));
            Assert.That(actual.Pid, Is.EqualTo(expected.Pid));
            Assert.That(actual.PidChain, Is.EqualTo(expected.PidChain));
            Assert.That(actual.Argv, Is.EqualTo(expected.Argv));
            Assert.That(actual.Cwd, Is.EqualTo(expected.Cwd));
            Assert.That(actual.Tool, Is.EqualTo(expected.Tool));
            Assert.That(actual.Effect, Is.EqualTo(expected.Effect));
            Assert.That(actual.Targets, Is.EqualTo(expected.Targets));
            Assert.That(actual.Environment, Is.EqualTo(expected.Environment));
            Assert.That(actual.RuleId, Is.EqualTo(expected.RuleId));
            Assert.That(actual.Action, Is.EqualTo(expected.Action));
            Assert.That(actual.Outcome, Is.EqualTo(expected.Outcome));
            Assert.That(actual.ApprovedBy, Is.EqualTo(expected.ApprovedBy));
            Assert.That(actual.WaitedMs, Is.EqualTo(expected.WaitedMs));
            Assert.That(actual.Reason, Is.EqualTo(expected.Reason));
        });
    }

    [Test]
    public void RoundTripKeepsEveryField()
    {
        var record = Sample();
        Assert.That(AuditJson.TryParse(AuditJson.ToLine(record), out var back, out var error), Is.True, error);
        AssertSame(back!, record);
    }

    [Test]
    public void NullFieldsAreLeftOutAndReadBackAsNull()
    {
        var record = new AuditRecord
        {
            Time = DateTimeOffset.UnixEpoch, RunId = "r", Syscall = AuditSyscall.Connect, Pid = 1,
            RuleId = Decision.DefaultAllowRuleId, Action = AuditAction.Allow, Outcome = AuditOutcome.Allowed,
        };
        string line = LineOf(record);
        Assert.That(line, Does.Not.Contain("approvedBy").And.Not.Contain("waitedMs").And.Not.Contain("\"cwd\""));
        Assert.That(AuditJson.TryParse(line, out var back, out var error), Is.True, error);
        AssertSame(back!, record);
    }

    [Test]
    public void LineCarriesTheVersionAndEndsInOneNewline()
    {
        string line = LineOf(Sample());
        using var doc = JsonDocument.Parse(line);
        Assert.That(doc.RootElement.GetProperty("v").GetInt32(), Is.EqualTo(AuditJson.Version));
        Assert.That(line.IndexOf('\n'), Is.EqualTo(line.Length - 1));
    }

    [TestCase("a\nb")]
    [TestCase("a\r\nb")]
    [TestCase("\u2028sep\u2029")]
    [TestCase("tab\there\0nul")]
    [TestCase("quote\" and \\ backslash")]
    public void ControlCharactersInArgvNeverBreakTheLine(string arg)
    {
        var record = Sample(argv: ["sh", "-c", arg], cwd: "/tmp/" + arg);
        string line = LineOf(record);
        Assert.That(line.TrimEnd('\n'), Does.Not.Contain("\n").And.Not.Contain("\r"));
        Assert.That(AuditJson.TryParse(line, out var back, out var error), Is.True, error);
        Assert.That(back!.Argv[2], Is.EqualTo(arg));
        Assert.That(back.Cwd, Is.EqualTo(record.Cwd));
    }

    [TestCase("DROP TABLE „Kunden“")]
    [TestCase("日本語のテーブル")]
    [TestCase("emoji 🚀 arg")]
    public void UnicodeRoundTrips(string arg)
    {
        var record = Sample(argv: ["psql", "-c", arg]);
        Assert.That(AuditJson.TryParse(AuditJson.ToLine(record), out var back, out var error), Is.True, error);
        Assert.That(back!.Argv[2], Is.EqualTo(arg));
    }

    // Characters outside the BMP are written as \u escapes by System.Text.Json's encoders; the rest stays as is.
    [TestCase("DROP TABLE „Kunden“")]
    [TestCase("日本語のテーブル")]
    public void UnicodeStaysReadableInTheFile(string arg)
    {
        Assert.That(LineOf(Sample(argv: ["psql", "-c", arg])), Does.Contain(arg));
    }

    [Test]
    public void LoneSurrogateStillGivesAValidLine()
    {
        var record = Sample(argv: ["echo", "bad \ud800 half"]);
        string line = LineOf(record);
        Assert.That(AuditJson.TryParse(line, out var back, out var error), Is.True, error);
        Assert.That(back!.Argv[1], Does.StartWith("bad ").And.EndWith(" half"));
    }

    [Test]
    public void UnknownFieldsAreIgnored()
    {
        string line = LineOf(Sample()).TrimEnd('\n');
        string future = "{\"v\":2,\"newField\":{\"nested\":[1,2]},\"flag\":true," + line[1..];
        Assert.That(AuditJson.TryParse(future, out var back, out var error), Is.True, error);
        AssertSame(back!, Sample());
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("not json", "not JSON")]
    [TestCase("{\"time\":\"2026-11-24T09:30:15Z\",\"action\":\"allow\"", "not JSON")]
    [TestCase("[1,2,3]", "not a JSON object")]
    [TestCase("{\"action\":\"allow\"}", "time")]
    [TestCase("{\"time\":\"yesterday\",\"action\":\"allow\"}", "time")]
    [TestCase("{\"time\":\"2026-11-24T09:30:15Z\"}", "action")]
    [TestCase("{\"time\":\"2026-11-24T09:30:15Z\",\"action\":\"allow\",\"pid\":\"12\"}", "pid")]
    [TestCase("{\"time\":\"2026-11-24T09:30:15Z\",\"action\":\"allow\",\"argv\":\"ls\"}", "argv")]
    [TestCase("{\"time\":\"2026-11-24T09:30:15Z\",\"action\":\"allow\",\"argv\":[\"ls\",1]}", "argv")]
    public void MalformedLinesAreReportedNotThrown(string line, string errorMentions)
    {
        bool ok = AuditJson.TryParse(line, out var record, out var error);
        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.False);
            Assert.That(record, Is.Null);
            Assert.That(error, Does.Contain(errorMentions));
        });
    }

    [Test]
    public void TruncatedLineFromACrashIsMalformed()
    {
        byte[] line = AuditJson.ToLine(Sample());
        for (int cut = 1; cut < line.Length - 2; cut += 7)
            Assert.That(AuditJson.TryParse(line.AsSpan(0, cut), out _, out _), Is.False, $"cut at {cut}");
    }
}
