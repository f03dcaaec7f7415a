using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>Environments.NAME.Wire: the wire layer on by default, switched off per environment
/// (a later layer's switch wins), pinned hosts adding up across layers; and the decision in an
/// environment the connection fixes (Policy.DecideIn).</summary>
public class WireSettingsTests
{
    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private PolicyT Load(params string[] jsons) =>
        PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), .. jsons.Select((j, i) => _tmp.Write($"p{i}.json", j))]);

    [Test]
    public void WithoutAWireKeyBothProtocolsAreDecidedAtTheWire()
    {
        var w = Load("{ 'Environments': { 'production': { 'Hosts': ['127.0.0.2'] } } }").WireFor("production");
        Assert.That((w.Http, w.Postgres, w.Off, w.PinnedHosts.Count), Is.EqualTo((true, true, false, 0)));
    }

    [Test]
    public void AnEnvironmentSwitchesOneProtocolOff()
    {
        var p = Load("{ 'Environments': { 'production': { 'Hosts': ['127.0.0.2'], 'Wire': { 'Postgres': false } }, 'staging': { 'Hosts': ['127.0.0.3'] } } }");
        Assert.That((p.WireFor("production").Http, p.WireFor("production").Postgres), Is.EqualTo((true, false)));
        Assert.That(p.WireFor("staging").Postgres, Is.True, "another environment keeps the default");
    }

    [Test]
    public void ALaterLayersSwitchWinsAndPinnedHostsAddUp()
    {
        var p = Load("{ 'Environments': { 'production': { 'Wire': { 'Http': false, 'Postgres': false, 'PinnedHosts': ['bank.example.com'] } } } }",
            "{ 'Environments': { 'production': { 'Wire': { 'Http': true, 'PinnedHosts': ['10.9.0.0/16'] } } } }");
        var w = p.WireFor("production");
        Assert.That((w.Http, w.Postgres, w.Off), Is.EqualTo((true, false, false)));
        Assert.That(w.IsPinned("bank.example.com", 443), Is.True);
        Assert.That(w.IsPinned("10.9.1.2", 443), Is.True);
        Assert.That(w.IsPinned("api.example.com", 443), Is.False, "a look-alike is not pinned");
        Assert.That(p.SettingSources["Environments:production:Wire"], Does.EndWith("p1.json"));
    }

    [Test]
    public void BothSwitchesOffTurnTheLayerOff() =>
        Assert.That(Load("{ 'Environments': { 'production': { 'Wire': { 'Http': false, 'Postgres': false } } } }").WireFor("production").Off, Is.True);

    [Test]
    public void ARequestIsDecidedInTheConnectionsEnvironmentWhateverItsHostSays()
    {
        var p = Load("{ 'Environments': { 'production': { 'Hosts': ['api.prod.example.com'] } } }");
        var lie = new CommandIntent
        {
            Tool = "curl", Effect = Effect.Delete, Summary = "DELETE http://localhost/v1/x",
            Targets = [new Target { Kind = TargetKind.Url, Scheme = "http", Host = "localhost", Path = "/v1/x" }],
        };
        Assert.That(p.Decide([lie]).Action, Is.EqualTo(PolicyAction.Allow), "by its own facts the target is local");
        var d = p.DecideIn([lie], "production");
        Assert.That((d.Action, d.RuleId, d.Environment), Is.EqualTo((PolicyAction.Block, "default.any:destructive-on-production", "production")));
        Assert.That(p.DecideIn([lie], "no-such-environment").Environment, Is.EqualTo("unknown"));
    }
}
