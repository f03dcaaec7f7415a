using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class OtlpSettingsTests
{
    private static OtlpSettings? Resolve(Dictionary<string, string> env, out string? error, TelemetrySettings? profile = null) =>
        OtlpSettings.Resolve(k => env.GetValueOrDefault(k), profile ?? TelemetrySettings.Default, out error);

    [Test]
    public void NothingConfiguredMeansExportIsOff()
    {
        Assert.That(Resolve([], out var error), Is.Null);
        Assert.That(error, Is.Null);
    }

    [Test]
    public void TheGeneralEndpointGetsTheSignalPathsAndASignalEndpointIsUsedAsIs()
    {
        var s = Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318/", ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "https://m.example/ingest" }, out var error)!;
        Assert.That(error, Is.Null);
        Assert.That(s.LogsEndpoint!.ToString(), Is.EqualTo("http://collector:4318/v1/logs"));
        Assert.That(s.MetricsEndpoint!.ToString(), Is.EqualTo("https://m.example/ingest"));
    }

    [Test]
    public void TheEnvironmentOverridesTheProfileAndHeadersMergeByName()
    {
        var profile = new TelemetrySettings
        {
            Endpoint = "http://from-profile:4318",
            Headers = new Dictionary<string, string> { ["x-api-key"] = "from-profile", ["x-team"] = "a" },
        };
        var s = Resolve(new() { ["OTEL_EXPORTER_OTLP_HEADERS"] = "X-Api-Key=from%20env,other=1" }, out var error, profile)!;
        Assert.That(error, Is.Null);
        Assert.That(s.LogsEndpoint!.Host, Is.EqualTo("from-profile"));
        Assert.That(s.LogsHeaders.ToDictionary(k => k.Key.ToLowerInvariant(), k => k.Value),
            Is.EqualTo(new Dictionary<string, string> { ["x-team"] = "a", ["x-api-key"] = "from env", ["other"] = "1" }));
        var env = Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://from-env:4318" }, out _, profile)!;
        Assert.That(env.LogsEndpoint!.Host, Is.EqualTo("from-env"));
    }

    [Test]
    public void OnlyALogsEndpointExportsOnlyLogs()
    {
        var s = Resolve(new() { ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "http://l:4318/v1/logs" }, out _)!;
        Assert.That(s.LogsEndpoint, Is.Not.Null);
        Assert.That(s.MetricsEndpoint, Is.Null);
    }

    [TestCase("collector:4318", "is not an OTLP/HTTP endpoint")]
    [TestCase("ftp://collector/", "is not an OTLP/HTTP endpoint")]
    [TestCase("/v1/logs", "is not an OTLP/HTTP endpoint")]
    [TestCase("https://u:hunter2@collector:4318", "must not carry user:password")]
    public void ABadEndpointIsAnError(string url, string why)
    {
        Assert.That(Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = url }, out var error), Is.Null);
        Assert.That(error, Does.StartWith("OTEL_EXPORTER_OTLP_ENDPOINT: ").And.Contain(why).And.Not.Contain("hunter2"));
    }

    [TestCase("grpc")]
    [TestCase("http/json")]
    public void AProtocolOtherThanHttpProtobufIsRefused(string protocol)
    {
        Assert.That(Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4317", ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol }, out var error), Is.Null);
        Assert.That(error, Does.Contain("not supported"));
        Assert.That(Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4318", ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" }, out error), Is.Not.Null);
    }

    [Test]
    public void AMalformedHeaderListIsRefusedWithoutEchoingItsValue()
    {
        Assert.That(Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4318", ["OTEL_EXPORTER_OTLP_HEADERS"] = "secret-value-only" }, out var error), Is.Null);
        Assert.That(error, Does.Contain("OTEL_EXPORTER_OTLP_HEADERS").And.Not.Contain("secret-value-only"));
    }

    [Test]
    public void TheSdkSwitchTurnsExportOff()
    {
        Assert.That(Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4318", ["OTEL_SDK_DISABLED"] = "true" }, out var error), Is.Null);
        Assert.That(error, Is.Null);
    }

    [Test]
    public void PrintingTheSettingsNeverShowsTheHeaders()
    {
        var s = Resolve(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4318", ["OTEL_EXPORTER_OTLP_HEADERS"] = "authorization=Bearer%20xyz" }, out _)!;
        Assert.That(s.ToString(), Is.EqualTo("http://c:4318/v1/logs"));
    }
}
