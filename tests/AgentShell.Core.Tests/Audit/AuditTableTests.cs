using AgentShell.Core.Audit;

namespace AgentShell.Core.Tests.Audit;

[TestFixture]
public class AuditTableTests
{
    private static readonly TimeZoneInfo Plus2 = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2");

    [TestCase("psql|-c|DROP TABLE t", "psql -c 'DROP TABLE t'")]
    [TestCase("echo|it's", "echo 'it'\\''s'")]
    [TestCase("sh|-c|a\nb", "sh -c $'a\\nb'")]
    [TestCase("printf|\t\\x", "printf $'\\t\\\\x'")]
    [TestCase("curl|https://h/p?a=1&b=2", "curl 'https://h/p?a=1&b=2'")]
    [TestCase("echo|", "echo ''")]
    [TestCase("psql|-c|SELECT 'ü'", "psql -c 'SELECT '\\''ü'\\'''")]
    public void ArgvIsQuotedSoItCanBePasted(string argv, string expected)
    {
        Assert.That(AuditTable.ShortArgv(argv.Split('|'), 200), Is.EqualTo(expected));
    }

    [Test]
    public void LongArgvIsCutWithAnEllipsis()
    {
        string[] argv = ["echo", new string('a', 50), new string('b', 50)];
        string s = AuditTable.ShortArgv(argv, 40);
        Assert.That(s, Has.Length.EqualTo(40));
        Assert.That(s, Does.StartWith("echo aaa").And.EndWith("…"));
    }

    [Test]
    public void RowsShowLocalTimeAndColumnsLineUp()
    {
        var table = new AuditTable(Plus2);
        AuditRecord[] records =
        [
            new() { Time = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero), Outcome = AuditOutcome.Blocked,
                    RuleId = "default.any:destructive-on-production", Environment = "production", Tool = "psql",
                    Argv = ["psql", "-c", "DROP TABLE t"], Action = AuditAction.Block },
            new() { Time = new DateTimeOffset(2026, 11, 24, 9, 5, 0, TimeSpan.Zero), Outcome = AuditOutcome.Allowed,
                    RuleId = "x", Environment = "none", Syscall = AuditSyscall.Connect, Targets = ["10.0.0.1:443"], Action = AuditAction.Allow },
        ];
        var rows = records.Select(table.Cells).ToList();
        table.Fit(rows);
        string header = table.HeaderLine();
        var lines = rows.Select(table.Line).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rows[0][0], Is.EqualTo("2026-11-24 11:00:00"));
            Assert.That(rows[1][4], Is.EqualTo("-"));
            Assert.That(rows[1][5], Is.EqualTo("10.0.0.1:443"));
            foreach (string column in AuditTable.Columns.Skip(1))
            {
                int at = header.IndexOf(column, StringComparison.Ordinal);
                Assert.That(lines.Select(l => l[at - 2]), Is.All.EqualTo(' '), column);
            }
            Assert.That(lines[0][header.IndexOf("RULE", StringComparison.Ordinal)..], Does.StartWith(records[0].RuleId));
            Assert.That(lines[1][header.IndexOf("COMMAND", StringComparison.Ordinal)..], Is.EqualTo("10.0.0.1:443"));
        });
    }
}
