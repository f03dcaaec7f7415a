using System.Text.Json;
using AgentShell.Core.Profiles;
using AgentShell.Core.Tools;
using Json.Schema;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>profiles/schema.json (for editors) agrees with the loader: every profile we ship, every
/// test profile and every built-in tool table validates, and profiles the loader refuses are
/// refused by the schema too.</summary>
public class ProfileSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(Path.Combine(TempProfiles.ShippedDir, "schema.json")));

    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    public static IEnumerable<TestCaseData> ProfileFiles() =>
        Directory.GetFiles(TempProfiles.ShippedDir, "*.json").Where(f => Path.GetFileName(f) != "schema.json")
            .Concat(Directory.GetFiles(TempProfiles.TestProfilesDir, "*.json"))
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(Path.GetRelativePath(Path.GetDirectoryName(TempProfiles.ShippedDir)!, f)));

    private static List<string> Problems(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = Schema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        return (result.Details ?? []).Where(d => d.Errors != null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).DefaultIfEmpty("invalid").ToList();
    }

    [TestCaseSource(nameof(ProfileFiles))]
    public void ShippedAndTestProfilesValidateAgainstTheSchema(string file)
    {
        Assert.That(Problems(File.ReadAllBytes(file)), Is.Empty);
        Assert.That(File.ReadAllText(file), Does.Contain("\"$schema\""), "editors find the schema through $schema");
    }

    [TestCaseSource(typeof(BuiltInTools), nameof(BuiltInTools.Names))]
    public void BuiltInToolTablesValidateAgainstTheSchema(string tool) =>
        Assert.That(Problems(BuiltInTools.Text(tool)), Is.Empty);

    [TestCase("{ 'Enviroments': {} }", TestName = "AnUnknownKeyIsRefusedByBoth")]
    [TestCase("{ 'Rules': { 'Id': 'x' } }", TestName = "RulesThatAreNotAnArrayAreRefusedByBoth")]
    [TestCase("{ 'Pause': { 'TimeoutSeconds': 'soon' } }", TestName = "ATimeoutThatIsNotANumberIsRefusedByBoth")]
    [TestCase("{ 'Pause': { 'TimeoutSeconds': 0 } }", TestName = "ATimeoutOutOfRangeIsRefusedByBoth")]
    [TestCase("{ 'Pause': { 'OnTimeout': 'pause' } }", TestName = "OnTimeoutPauseIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'KubeContexts': ['prod-?'] } } }", TestName = "AWildcardOtherThanStarIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'none': {} } }", TestName = "ABuiltInEnvironmentNameIsRefusedByBoth")]
    [TestCase("{ 'Rules': [ { 'Id': 't:r', 'Effects': ['destroy'], 'Action': 'block', 'Reason': 'r', 'Tests': { 'Match': [['rm', 'x']], 'NoMatch': [['ls']] } } ] }", TestName = "AnUnknownEffectIsRefusedByBoth")]
    [TestCase("{ 'Rules': [ { 'Id': 't:r', 'Action': 'deny', 'Reason': 'r', 'Tests': { 'Match': [['rm', 'x']], 'NoMatch': [['ls']] } } ] }", TestName = "AnUnknownActionIsRefusedByBoth")]
    [TestCase("{ 'Rules': [ { 'Id': 't:r', 'Action': 'block', 'Reason': 'r', 'Tests': { 'Match': [['rm', 'x']] } } ] }", TestName = "ARuleWithoutNoMatchCasesIsRefusedByBoth")]
    [TestCase("{ 'Rules': [ { 'Id': 't:r', 'Action': 'block', 'Reason': 'r', 'Paths': ['tmp/*'], 'Tests': { 'Match': [['rm', 'x']], 'NoMatch': [['ls']] } } ] }", TestName = "ARelativePathPatternIsRefusedByBoth")]
    [TestCase("{ 'Tools': { 'mycli': { 'Subcommands': [['db drop', 'destroy']] } } }", TestName = "AToolSubcommandWithAnUnknownEffectIsRefusedByBoth")]
    [TestCase("{ 'Tools': { 'mycli': { 'Subcommands': [['db drop']] } } }", TestName = "AToolSubcommandWithoutAnEffectIsRefusedByBoth")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Flags': ['--env'], 'EnvVar': 'ENV', 'Kind': 'environment' } ] } } }", TestName = "AToolTargetWithTwoSourcesIsRefusedByBoth")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Flags': ['--env'] } ] } } }", TestName = "AToolTargetWithoutAKindIsRefusedByBoth")]
    [TestCase("{ 'Tools': { 'mycli': { 'TargetFlags': { 'env': 'environment' } } } }", TestName = "ATargetFlagThatIsNotAFlagIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'Wire': { 'Http': 'no' } } } }", TestName = "AWireSwitchThatIsNotABooleanIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'Wire': { 'Grpc': true } } } }", TestName = "AnUnknownWireKeyIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'Wire': { 'PinnedHosts': 'bank.example.com' } } } }", TestName = "PinnedHostsThatAreNotAListAreRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Name': 'root', 'Sha256': 'rw_live_secret' } ] } } }", TestName = "ASecretInPlaceOfAFingerprintIsRefusedByBoth")]
    [TestCase("{ 'Environments': { 'production': { 'Credentials': [ { 'Sha256': '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' } ] } } }", TestName = "ACredentialWithoutANameIsRefusedByBoth")]
    [TestCase("{ 'CredentialFiles': '.env.production' }", TestName = "CredentialFilesThatAreNotAListAreRefusedByBoth")]
    public void InvalidProfiles(string json)
    {
        string file = _tmp.Write("p.json", json);
        Assert.That(Problems(File.ReadAllBytes(file)), Is.Not.Empty, "the schema accepts it");
        Assert.Throws<ProfileException>(() => PolicyT.Load([file]), "the loader accepts it");
    }
}
