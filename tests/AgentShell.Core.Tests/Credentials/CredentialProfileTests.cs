using AgentShell.Cli.Verbs;
using AgentShell.Core.Credentials;
using AgentShell.Core.Profiles;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Credentials;

/// <summary>Credentials in profiles: typed, with line:column errors; never a secret in their place;
/// `profiles fingerprint` prints the entry to paste.</summary>
public class CredentialProfileTests
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; // sha256("test")

    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private ProfileError Error(string json)
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", json)]))!;
        return e.Errors[0];
    }

    [Test]
    public void AListedCredentialLoads()
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'Environments': {{ 'production': {{ 'Credentials': [ {{ 'Name': 'railway-root', 'Sha256': '{Hash.ToUpperInvariant()}' }} ] }} }} }}")]);
        Assert.That(policy.Credentials.Match("test"u8)?.Name, Is.EqualTo("railway-root"));
        Assert.That(policy.EnvironmentEntries.Single().Pattern, Is.EqualTo("railway-root (sha256 9f86d081884c…)"));
    }

    [Test]
    public void ASecretWrittenInPlaceOfItsFingerprintIsRefusedWhereItStands()
    {
        var e = Error("{ 'Environments': {\n  'production': {\n    'Credentials': [ { 'Name': 'root', 'Sha256': 'rw_live_secret' } ] } } }");
        Assert.That((e.Line, e.Column), Is.EqualTo((3, 50)));
        Assert.That(e.Message, Does.Contain("64 hexadecimal digits").And.Contain("agentshell profiles fingerprint NAME"));
        Assert.That(e.ToString(), Does.Not.Contain("rw_live_secret"), "the message never repeats what was written there");
    }

    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Sha256': '" + Hash + "' } ] } } }", "needs a 'Name'")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a b', 'Sha256': '" + Hash + "' } ] } } }", "must be letters, digits")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a' } ] } } }", "needs a 'Sha256'")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Sha256': '" + Hash + "', 'Secret': 'x' } ] } } }", "unknown key 'Secret'")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': { 'Name': 'a' } } } }", "must be an array")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Sha256': '" + Hash + "' }, { 'Name': 'a', 'Sha256': '" + Hash + "' } ] } } }", "duplicate credential name 'a'")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Sha256': '" + Hash + "' } ] }, 'staging': { 'Credentials': [ { 'Name': 'b', 'Sha256': '" + Hash + "' } ] } } }", "same secret as 'a' of environment production")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Sha256': '" + Hash + "', 'Prefix': 'sk_live_' } ] } } }", "not both")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Prefix': 'sk_' } ] } } }", "5 to 64 printable")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Prefix': 'sk live' } ] } } }", "without spaces")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'a', 'Prefix': 'sk_live_' } ] }, 'staging': { 'Credentials': [ { 'Name': 'b', 'Prefix': 'sk_live_x' } ] } } }", "overlaps 'sk_live_' of 'a'")]
    public void AMistakeInCredentialsIsNamed(string json, string message) =>
        Assert.That(Error(json).Message, Does.Contain(message));

    [Test]
    public void AKindOfKeyMarkedByItsPrefixIsItsEnvironmentAndAListedKeyWins()
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'Environments': {{ 'production': {{ 'Credentials': [ {{ 'Name': 'stripe-live', 'Prefix': 'sk_live_' }} ] }}, "
            + $"'staging': {{ 'Credentials': [ {{ 'Name': 'odd-one', 'Sha256': '{CredentialTable.Fingerprint("sk_live_staging1")}' }} ] }} }} }}")]);
        Assert.That(policy.Credentials.Match("sk_live_51Hx9"u8) is { } m ? (m.Environment, m.Name) : default, Is.EqualTo(("production", "stripe-live (sk_live_…)")));
        Assert.That(policy.Credentials.Match("sk_live_staging1"u8)?.Environment, Is.EqualTo("staging"), "a listed secret names the key");
        Assert.That(policy.Credentials.Match("sk_test_51Hx9"u8), Is.Null);
        Assert.That(policy.Credentials.Match("sk_live_"u8), Is.Null, "the prefix alone is no key");
        Assert.That(policy.Credentials.MatchHeaderValue("Bearer sk_live_51Hx9"u8)?.Name, Is.EqualTo("stripe-live (sk_live_…)"), "the wire layer's headers too");
    }

    [Test]
    public void AProductionKeyIsNotHiddenByAnotherEnvironmentsListedFirst()
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'Environments': {{ 'production': {{ 'Credentials': [ {{ 'Name': 'stripe-live', 'Prefix': 'sk_live_' }} ] }}, "
            + $"'staging': {{ 'Credentials': [ {{ 'Name': 'stage', 'Sha256': '{Hash}' }} ] }} }} }}")]);
        var carried = new List<AgentShell.Core.Model.Credential> { new("URL user", "test"), new("-u password", "sk_live_51Hx") };
        Assert.That(policy.Credentials.Match(carried)?.Environment, Is.EqualTo("production"));
        Assert.That(policy.Credentials.Match(carried[..1])?.Environment, Is.EqualTo("staging"));
    }

    [Test]
    public void ATopLevelCredentialFileListIsProductions()
    {
        var file = _tmp.Write(".env.production", "TOKEN=top-level-secret-1\n");
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'CredentialFiles': [ '{file}' ] }}")]);
        Assert.That(policy.Credentials.Match("top-level-secret-1"u8) is { } m ? (m.Environment, m.Name) : default, Is.EqualTo(("production", file + ":TOKEN")));
    }

    [Test]
    public void FingerprintPrintsTheEntryAndNeverTheSecret()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = ProfilesFingerprint.Execute("railway-root", new StringReader("test\n"), terminal: false, stdout, stderr);
        Assert.That(rc, Is.EqualTo(0));
        Assert.That(stdout.ToString().Trim(), Is.EqualTo($"{{\"Name\": \"railway-root\", \"Sha256\": \"{Hash}\"}}"));
        Assert.That(stdout.ToString() + stderr, Does.Not.Contain("test\n").And.Not.Contain("\"test\""));
        // What it prints loads.
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ \"Environments\": {{ \"production\": {{ \"Credentials\": [ {stdout.ToString().Trim()} ] }} }} }}")]);
        Assert.That(policy.Credentials.Match("test"u8)?.Name, Is.EqualTo("railway-root"));
    }

    [TestCase(null, "x")]
    [TestCase("bad name", "x")]
    [TestCase("ok", "  \n")]
    public void FingerprintWithoutANameOrASecretIsAUsageError(string? name, string input)
    {
        var stdout = new StringWriter();
        Assert.That(ProfilesFingerprint.Execute(name, new StringReader(input), terminal: false, stdout, new StringWriter()), Is.EqualTo(2));
        Assert.That(stdout.ToString(), Is.Empty);
    }
}
