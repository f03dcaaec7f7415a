using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The tree is pointed at the run CA through each CA-bundle variable: where the person set
/// one, their bundle plus ours; where not, the system bundle plus ours (Node's extra list: ours).</summary>
[TestFixture]
public sealed class CaBundleTests
{
    private string _dir = null!;

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-ca-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private const string Ours = "-----BEGIN CERTIFICATE-----\nOURS\n-----END CERTIFICATE-----\n";

    [Test]
    public void EveryVariableGetsABundleWithTheRunCa()
    {
        string theirs = Path.Combine(_dir, "theirs.pem");
        File.WriteAllText(theirs, "THEIRS");
        var env = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = theirs, ["REQUESTS_CA_BUNDLE"] = theirs, ["PGSSLROOTCERT"] = Path.Combine(_dir, "missing.pem") };
        string out_ = Path.Combine(_dir, "run");
        var plan = CaBundle.Plan(out_, v => env.GetValueOrDefault(v), TextWriter.Null);
        CaBundle.Fill(out_, plan, Ours, v => env.GetValueOrDefault(v));

        Assert.That(plan.Keys, Is.EquivalentTo(CaBundle.Variables.Where(v => v != "PGSSLROOTCERT")), "an unreadable file of theirs is left as it is");
        Assert.That(File.ReadAllText(plan["SSL_CERT_FILE"]), Is.EqualTo("THEIRS\n" + Ours));
        Assert.That(plan["REQUESTS_CA_BUNDLE"], Is.EqualTo(plan["SSL_CERT_FILE"]), "one copy of a bundle two variables extend");
        Assert.That(File.ReadAllText(plan["NODE_EXTRA_CA_CERTS"]), Is.EqualTo(Ours));
        Assert.That(plan["CURL_CA_BUNDLE"], Is.EqualTo(plan["GIT_SSL_CAINFO"]));
        string bundle = File.ReadAllText(plan["CURL_CA_BUNDLE"]);
        Assert.That(bundle, Does.EndWith(Ours));
        if (CaBundle.SystemBundle() is { } system) Assert.That(bundle, Does.StartWith(system.TrimEnd('\n')));
        Assert.That(File.GetUnixFileMode(plan["CURL_CA_BUNDLE"]) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), Is.EqualTo((UnixFileMode)0));
    }
}
