using System.Net.Sockets;
using System.Text.Json;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests;

/// <summary>A daemon's control socket answers for all its sessions: hello lists them with what waits
/// in each, and a request naming a run sees and answers only that run's items.</summary>
[TestFixture]
public sealed class ControlServerSessionsTests
{
    private sealed class Tree(string id) : INotificationResponder
    {
        public readonly List<ulong> Approved = [];
        public PendingScope Scope => new(id, this);
        public void Answer(ulong notifId, int pid, bool allow, string? message) { if (allow) Approved.Add(notifId); }
        public bool IsStillWaiting(ulong notifId) => true;
    }

    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-ctl-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Ask(string sock, string json)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(sock));
        s.ReceiveTimeout = 5000;
        s.Send(System.Text.Encoding.UTF8.GetBytes(json + "\n"));
        return JsonDocument.Parse(new LineReader(s).ReadLine()!).RootElement;
    }

    [Test]
    public void ARequestNamingARunSeesAndAnswersOnlyThatRun()
    {
        var sock = Path.Combine(_dir, "ctl.sock");
        using var registry = new PendingRegistry(PauseSettings.Default);
        var started = DateTimeOffset.UtcNow;
        SessionInfo[] sessions = [new("d0d0d0d0", ["sleep", "infinity"], started, 10), new("5e55a0a0", ["bash"], started, 20)];
        using var server = new ControlServer(sock, "d0d0d0d0", ["sleep", "infinity"], registry, _ => false, TextWriter.Null, () => sessions, kind: "daemon");
        var shell = new Tree("5e55a0a0");
        var decision = new Decision { Action = PolicyAction.Pause, RuleId = "test:pause" };
        var item = registry.Hold(7, 20, (id, now) => new PendingItem
        {
            Id = id, Created = now, Deadline = now.AddMinutes(5), Pid = 20, Chain = ["bash(20)"], Argv = ["psql"],
            Decision = decision, JoinKey = "j", RunKey = "r",
        }, "j", shell.Scope);

        var hello = Ask(sock, """{"v":1,"op":"hello"}""");
        Assert.That(hello.GetProperty("kind").GetString(), Is.EqualTo("daemon"));
        var listed = hello.GetProperty("sessions").EnumerateArray().Select(s => (s.GetProperty("id").GetString(), s.GetProperty("pending").GetInt32())).ToList();
        Assert.That(listed, Is.EqualTo(new[] { ("d0d0d0d0", 0), ("5e55a0a0", 1) }));

        Assert.That(Ask(sock, """{"v":1,"op":"pending","run":"d0d0d0d0"}""").GetProperty("items").GetArrayLength(), Is.EqualTo(0));
        var items = Ask(sock, """{"v":1,"op":"pending","run":"5e55a0a0"}""").GetProperty("items");
        Assert.That(items[0].GetProperty("run").GetString(), Is.EqualTo("5e55a0a0"));
        Assert.That(Ask(sock, """{"v":1,"op":"pending","run":"ffffffff"}""").GetProperty("error").GetString(), Does.Contain("no run or session 'ffffffff'"));

        var wrongRun = Ask(sock, $$"""{"v":1,"op":"approve","id":"{{item.Id}}","run":"d0d0d0d0"}""");
        Assert.That(wrongRun.GetProperty("ok").GetBoolean(), Is.False);
        Assert.That(shell.Approved, Is.Empty);
        var ok = Ask(sock, $$"""{"v":1,"op":"approve","id":"{{item.Id}}","run":"5e55a0a0"}""");
        Assert.That(ok.GetProperty("ok").GetBoolean(), Is.True);
        Assert.That(shell.Approved, Is.EqualTo(new[] { 7UL }));
    }
}
