using AgentShell.Core.Profiles;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>The profile's <c>Telemetry.Otlp</c> section: read with positions, layered key by key.</summary>
[TestFixture]
public sealed class TelemetrySettingsTests
{
    private TempProfiles _tmp = null!;

    [SetUp]
    public void SetUp() => _tmp = new TempProfiles();

    [TearDown]
    public void TearDown() => _tmp.Dispose();

    [Test]
    public void AnEndpointAndHeadersAreRead()
    {
        var p = PolicyT.Load([_tmp.Write("p.json", "{ 'Telemetry': { 'Otlp': { 'Endpoint': 'http://collector:4318', 'Headers': { 'x-api-key': 'k1' } } } }")]);
        Assert.That(p.Telemetry.Endpoint, Is.EqualTo("http://collector:4318"));
        Assert.That(p.Telemetry.Headers["X-API-KEY"], Is.EqualTo("k1"));
    }

    [Test]
    public void NoSectionMeansNoExport() =>
        Assert.That(PolicyT.Load([_tmp.Write("p.json", "{ }")]).Telemetry.Endpoint, Is.Null);

    [Test]
    public void ALaterLayerOverridesTheEndpointAndAddsHeadersByName()
    {
        string a = _tmp.Write("a.json", "{ 'Telemetry': { 'Otlp': { 'Endpoint': 'http://a:4318', 'Headers': { 'x-team': 'a', 'x-api-key': 'old' } } } }");
        string b = _tmp.Write("b.json", "{ 'Telemetry': { 'Otlp': { 'Endpoint': 'https://b.example', 'Headers': { 'x-api-key': 'new' } } } }");
        var t = PolicyT.Load([a, b]).Telemetry;
        Assert.That(t.Endpoint, Is.EqualTo("https://b.example"));
        Assert.That(t.Headers.OrderBy(h => h.Key).Select(h => $"{h.Key}={h.Value}"), Is.EqualTo(new[] { "x-api-key=new", "x-team=a" }));
    }

    [TestCase("{ 'Telemetry': { 'Otlp': { 'Endpoint': 'collector:4318' } } }", "Telemetry.Otlp.Endpoint", "not an OTLP/HTTP endpoint")]
    [TestCase("{ 'Telemetry': { 'Otlp': { 'Endpoint': 'https://u:pw@c' } } }", "Telemetry.Otlp.Endpoint", "must not carry user:password")]
    [TestCase("{ 'Telemetry': { 'Otlp': { 'Endpoint': 4318 } } }", "Telemetry.Otlp.Endpoint", "must be a string")]
    [TestCase("{ 'Telemetry': { 'Otlp': { 'Headers': { 'bad header': 'v' } } } }", "Telemetry.Otlp.Headers.bad header", "not a valid HTTP header name")]
    [TestCase("{ 'Telemetry': { 'Otlp': { 'Endpiont': 'http://c' } } }", "Telemetry.Otlp.Endpiont", "Endpoint")]
    [TestCase("{ 'Telemetry': { 'Zipkin': { } } }", "Telemetry.Zipkin", "Otlp")]
    public void MistakesAreErrorsAtTheirKey(string json, string path, string why)
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", json)]))!;
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
        Assert.That(e.Message, Does.Not.Contain("pw@"), "credentials in a URL are not echoed");
    }
}
