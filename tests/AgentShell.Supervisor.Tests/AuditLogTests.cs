using System.Text;
using AgentShell.Core.Audit;
using AgentShell.Supervisor.Audit;

namespace AgentShell.Supervisor.Tests;

/// <summary>The audit log against a real file in a temporary directory.</summary>
[TestFixture]
public sealed class AuditLogTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-audit-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static AuditRecord Record(string action = AuditAction.Block, string syscall = AuditSyscall.Execve,
        IReadOnlyList<string>? argv = null, int pid = 42) => new()
    {
        Time = DateTimeOffset.UtcNow,
        RunId = "run1",
        Syscall = syscall,
        Pid = pid,
        PidChain = ["bash(1)", $"curl({pid})"],
        Argv = argv ?? ["curl", "-X", "DELETE", "https://api.prod.example.com/v1/volumes/1"],
        Environment = "production",
        RuleId = "default.any:destructive-on-production",
        Action = action,
        Outcome = action == AuditAction.Allow ? AuditOutcome.Allowed : AuditOutcome.Blocked,
    };

    private static List<AuditRecord> ReadAll(string path)
    {
        var records = new List<AuditRecord>();
        foreach (string line in File.ReadAllLines(path))
        {
            Assert.That(AuditJson.TryParse(line, out var r, out var error), Is.True, $"{error}: {line}");
            records.Add(r!);
        }
        return records;
    }

    [Test]
    public void CreatesTheDirectory0700AndTheFile0600()
    {
        string path = Path.Combine(_dir, "state", "agentshell", "audit.jsonl");
        using (var log = new AuditLog(path))
            Assert.That(log.Append(Record(), parsedTool: true), Is.EqualTo(AuditWrite.Written));
        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(path)!),
                Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        });
    }

    [Test]
    public void AnExistingWorldReadableFileIsNarrowedTo0600()
    {
        string path = Path.Combine(_dir, "audit.jsonl");
        File.WriteAllText(path, "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var log = new AuditLog(path);
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void FileIsOpenedAppendAndCloseOnExec()
    {
        using var log = new AuditLog(Path.Combine(_dir, "audit.jsonl"));
        // /proc/self/fdinfo/N "flags:" is octal: O_APPEND 02000, O_CLOEXEC 02000000.
        string flagsLine = File.ReadLines($"/proc/self/fdinfo/{log.Fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        int flags = Convert.ToInt32(flagsLine["flags:".Length..].Trim(), 8);
        Assert.That(flags & (Interop.Files.O_APPEND | Interop.Files.O_CLOEXEC | Interop.Files.O_WRONLY),
            Is.EqualTo(Interop.Files.O_APPEND | Interop.Files.O_CLOEXEC | Interop.Files.O_WRONLY));
    }

    [Test]
    public void AppendsAfterWhatAnotherWriterAdded()
    {
        string path = Path.Combine(_dir, "audit.jsonl");
        File.WriteAllText(path, "");
        using var log = new AuditLog(path);
        log.Append(Record(pid: 1), parsedTool: true);
        string foreign = LineOf(Record(pid: 2));
        File.AppendAllText(path, foreign);          // another supervisor, another fd
        log.Append(Record(pid: 3), parsedTool: true);
        Assert.That(ReadAll(path).Select(r => r.Pid), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    private static string LineOf(AuditRecord r) => Encoding.UTF8.GetString(AuditJson.ToLine(r));

    [TestCase(1, 16, 300)]
    [TestCase(3, 8, 200)]
    public void ConcurrentAppendsGiveOnlyWholeLines(int logs, int threadsPerLog, int perThread)
    {
        string path = Path.Combine(_dir, "audit.jsonl");
        var opened = Enumerable.Range(0, logs).Select(_ => new AuditLog(path)).ToArray();
        // Lines well above PIPE_BUF (4096) so atomicity does not come from a small size.
        string big = new('x', 6000);
        var threads = new List<Thread>();
        for (int l = 0; l < logs; l++)
        {
            for (int t = 0; t < threadsPerLog; t++)
            {
                var log = opened[l];
                int id = l * 1000 + t;
                threads.Add(new Thread(() =>
                {
                    for (int i = 0; i < perThread; i++)
                        log.Append(Record(argv: ["echo", big, $"{id}:{i}"], pid: id), parsedTool: true);
                }));
            }
        }
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var log in opened) log.Dispose();

        var records = ReadAll(path);
        Assert.Multiple(() =>
        {
            Assert.That(records, Has.Count.EqualTo(logs * threadsPerLog * perThread));
            Assert.That(records.All(r => r.Argv.Count == 3 && r.Argv[1] == big && r.Argv[2].StartsWith($"{r.Pid}:", StringComparison.Ordinal)));
            Assert.That(records.Select(r => r.Argv[2]).Distinct().Count(), Is.EqualTo(records.Count));
            Assert.That(opened.Sum(l => l.Written), Is.EqualTo(records.Count));
        });
    }

    [Test]
    public void SecretsAreRedactedOnWrite()
    {
        string path = Path.Combine(_dir, "audit.jsonl");
        using (var log = new AuditLog(path))
        {
            log.Append(Record(argv: ["curl", "-H", "Authorization: Bearer sk_live_SECRET1", "-u", "bob:SECRET2",
                "https://bob:SECRET3@api.prod.example.com/"]), parsedTool: true);
            log.Append(Record(argv: ["env", "PGPASSWORD=SECRET4", "psql", "-c", "drop table t"]), parsedTool: true);
        }
        string text = File.ReadAllText(path);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("SECRET"));
            Assert.That(ReadAll(path)[0].Argv, Is.EqualTo(new[]
                { "curl", "-H", "Authorization: Bearer ***", "-u", "bob:***", "https://bob:***@api.prod.example.com/" }));
        });
    }

    // The sampling rule: non-allows always, allows of parsed tools always, other allows only with the setting.
    [TestCase(AuditAction.Allow, AuditSyscall.Execve, false, false, AuditWrite.Skipped)]
    [TestCase(AuditAction.Allow, AuditSyscall.Execve, false, true, AuditWrite.Written)]
    [TestCase(AuditAction.Allow, AuditSyscall.Execve, true, false, AuditWrite.Written)]
    [TestCase(AuditAction.Allow, AuditSyscall.Connect, false, false, AuditWrite.Skipped)]
    [TestCase(AuditAction.Block, AuditSyscall.Execve, false, false, AuditWrite.Written)]
    [TestCase(AuditAction.Pause, AuditSyscall.Execveat, false, false, AuditWrite.Written)]
    [TestCase(AuditAction.Block, AuditSyscall.Connect, false, false, AuditWrite.Written)]
    public void Sampling(string action, string syscall, bool parsedTool, bool logAllowsOfUnparsed, AuditWrite expected)
    {
        string path = Path.Combine(_dir, "audit.jsonl");
        AuditWrite result;
        using (var log = new AuditLog(path, logAllowsOfUnparsedTools: logAllowsOfUnparsed))
            result = log.Append(Record(action, syscall), parsedTool);
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(expected));
            Assert.That(File.ReadAllLines(path), Has.Length.EqualTo(expected == AuditWrite.Written ? 1 : 0));
        });
    }

    [Test]
    public void AFailingWriteIsCountedAndReportedOnceWithoutThrowing()
    {
        if (!File.Exists("/dev/full")) Assert.Ignore("/dev/full is not available here");
        var modeBefore = File.GetUnixFileMode("/dev/full");
        var diagnostics = new StringWriter();
        using var log = new AuditLog("/dev/full", diagnostics);
        Assert.That(File.GetUnixFileMode("/dev/full"), Is.EqualTo(modeBefore), "a device's mode is never touched");
        var results = Enumerable.Range(0, 3).Select(_ => log.Append(Record(), parsedTool: true)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(results, Is.All.EqualTo(AuditWrite.Failed));
            Assert.That(log.FailedWrites, Is.EqualTo(3));
            Assert.That(log.Written, Is.Zero);
            string report = diagnostics.ToString();
            Assert.That(report, Does.Contain("/dev/full"));
            Assert.That(report.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void AppendAfterDisposeFailsQuietly()
    {
        var log = new AuditLog(Path.Combine(_dir, "audit.jsonl"));
        log.Dispose();
        Assert.That(log.Append(Record(), parsedTool: true), Is.EqualTo(AuditWrite.Failed));
        Assert.That(log.FailedWrites, Is.EqualTo(1));
    }

    [Test]
    public void UnopenablePathIsAClearError()
    {
        string file = Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "");
        var e = Assert.Throws<IOException>(() => new AuditLog(Path.Combine(file, "audit.jsonl")));
        Assert.That(e!.Message, Does.Contain("plain-file"));
    }

    [TestCase("/state", "/home/u", "/state/agentshell/audit.jsonl")]
    [TestCase(null, "/home/u", "/home/u/.local/state/agentshell/audit.jsonl")]
    [TestCase("", "/home/u", "/home/u/.local/state/agentshell/audit.jsonl")]
    [TestCase("relative/state", "/home/u", "/home/u/.local/state/agentshell/audit.jsonl")]
    public void DefaultPath(string? xdgStateHome, string home, string expected)
    {
        var env = new Dictionary<string, string?> { ["XDG_STATE_HOME"] = xdgStateHome, ["HOME"] = home };
        Assert.That(AuditLog.DefaultPath(n => env.GetValueOrDefault(n)), Is.EqualTo(expected));
    }
}
