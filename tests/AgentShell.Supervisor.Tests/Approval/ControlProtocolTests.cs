using System.Buffers;
using System.Text;
using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Tests.Approval;

/// <summary>What `pending` and `watch` receive for a paused request: the command and its summary
/// with every secret masked, the credential by name.</summary>
[TestFixture]
public sealed class ControlProtocolTests
{
    private const string Token = "tok_live_7a6b5c4d3e2f";

    [Test]
    public void APendingItemNeverCarriesTheSecret()
    {
        string[] argv = ["curl", "-X", "PATCH", "-H", "Authorization: Bearer " + Token, "https://deploy:" + Token + "@api.example.net/v1/x"];
        var intent = new CommandIntent { Tool = "curl", Effect = Effect.Unknown, Summary = $"PATCH https://deploy:{Token}@api.example.net/v1/x", Argv = argv };
        var item = new PendingItem
        {
            Id = "7f3", Created = DateTimeOffset.UtcNow, Deadline = DateTimeOffset.UtcNow.AddMinutes(5), Pid = 42, Chain = ["bash(41)", "curl(42)"],
            Cwd = "/srv/app", Argv = argv, JoinKey = "j", RunKey = "r",
            Decision = new Decision { Action = PolicyAction.Pause, RuleId = "default.any:unknown-effect-on-production", Intent = intent, Environment = "production", Credential = "railway-root" },
        };
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) ControlProtocol.WriteItem(w, item);
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.That(json, Does.Not.Contain(Token));
        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("credential").GetString(), Is.EqualTo("railway-root"));
        Assert.That(doc.RootElement.GetProperty("command").GetString(), Does.Contain("Authorization: Bearer ***"));
    }
}
