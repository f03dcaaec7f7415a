using AgentShell.Core.Policy;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

[TestFixture]
public sealed class TelemetryDoctorTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-doctor-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void NothingConfiguredIsANoteThatExportIsOff()
    {
        var (refused, detail, _) = TelemetryDoctor.Check(TelemetrySettings.Default, _ => null, _dir);
        Assert.That(refused, Is.False);
        Assert.That(detail, Does.StartWith("export off"));
    }

    [Test]
    public void ABadConfigurationIsAFailureWithItsReason()
    {
        var (refused, detail, fix) = TelemetryDoctor.Check(TelemetrySettings.Default,
            k => k == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "collector" : null, _dir);
        Assert.That(refused, Is.True);
        Assert.That(detail, Does.Contain("OTEL_EXPORTER_OTLP_ENDPOINT").And.Contain("not an OTLP/HTTP endpoint"));
        Assert.That(fix, Is.Not.Null);
    }

    [Test]
    public void ALiveExporterShowsItsEndpointCountsAndLastFailureButNeverItsHeaders()
    {
        var env = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://c:4318", ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-api-key=hidden-key" };
        var s = OtlpSettings.Resolve(k => env.GetValueOrDefault(k), TelemetrySettings.Default, out _)!;
        var status = new ExporterStatus { Endpoint = s.Describe(), RunId = "abcd1234" };
        status.Succeeded(5);
        status.Fail("connection refused", 3);
        status.AddDropped();
        status.Save(_dir);
        var (refused, detail, _) = TelemetryDoctor.Check(TelemetrySettings.Default, k => env.GetValueOrDefault(k), _dir);
        Assert.That(refused, Is.False);
        Assert.That(detail, Does.Contain("run abcd1234 -> http://c:4318/v1/logs").And.Contain("(connection refused)")
            .And.Contain("5 exported, 3 failed, 1 dropped").And.Not.Contain("hidden-key"));
        ExporterStatus.Remove(_dir, "abcd1234");
        Assert.That(TelemetryDoctor.Check(TelemetrySettings.Default, k => env.GetValueOrDefault(k), _dir).Detail,
            Does.Contain("a run started here would export to http://c:4318/v1/logs"));
    }
}
