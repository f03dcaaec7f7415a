using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

// corpus16: a switch that takes a whole service out of use terminates; a flag, webhook or key does not.
public class ServiceSwitchTests
{
    [TestCase("/v1/maintenance", """{"enabled": true}""")]
    [TestCase("/v1/maintenance-mode", """{"enabled": "on"}""")]
    [TestCase("/admin/read_only", """{"value": 1}""")]
    [TestCase("/admin/readOnly/", """{"state": "enabled"}""")]
    [TestCase("/admin/maintenance/enable", null)]
    [TestCase("/api/lockdown/on?x=1", null)]
    [TestCase("/v2/services/checkout", """{"enabled": false}""")]
    [TestCase("/v1/apps/shop", """{"name": "shop", "active": false}""")]
    public void TakesTheServiceOutOfUse(string path, string? body) =>
        Assert.That(ServiceSwitch.Of(path, body, "t", []), Is.EqualTo(Effect.Terminate));

    [TestCase("/v1/maintenance", """{"enabled": false}""")]
    [TestCase("/v1/maintenance", null)]
    [TestCase("/admin/maintenance/disable", null)]
    [TestCase("/v1/flags/new-checkout", """{"enabled": false}""")]
    [TestCase("/v1/webhooks/12", """{"active": false}""")]
    [TestCase("/v2/services/checkout", """{"enabled": true}""")]
    [TestCase("/repos/acme/app/keys", """{"key": "ssh-ed25519 AAA", "read_only": true}""")]
    [TestCase("/v1/maintenance", "not json")]
    [TestCase("/v1/maintenance", """["enabled"]""")]
    public void LeavesOtherRequestsAlone(string path, string? body) =>
        Assert.That(ServiceSwitch.Of(path, body, "t", []), Is.Null);

    [Test]
    public void NamesWhatItFound()
    {
        var evidence = new List<Evidence>();
        ServiceSwitch.Of("/v1/maintenance", """{"enabled": true}""", "https://h/v1/maintenance", evidence);
        Assert.That(evidence.Single().ToString(), Does.Contain("turns maintenance on"));
    }
}
