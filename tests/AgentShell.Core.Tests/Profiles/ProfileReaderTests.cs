using AgentShell.Core.Profiles;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>A profile is read once, typed, and every problem points at its token: file:line:column.</summary>
public class ProfileReaderTests
{
    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private const string Env = "{\n  'Environments': { 'production': { 'Hosts': ['127.0.0.2'] } },\n";
    private const string Cases = "'Tests': {\n        'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']],\n        'NoMatch': [['curl', 'http://127.0.0.2/x']] }";

    private static string OneRule(string fields, string tests = Cases) =>
        Env + "  'Rules': [\n    {\n      'Id': 't:r', 'Action': 'block', 'Reason': 'r',\n      " + fields + "\n      " + tests + "\n    }\n  ]\n}";

    // (1-based line, column) of the n-th occurrence of token in the text.
    private static (int, int) Where(string text, string token, int occurrence)
    {
        int at = -1;
        for (int i = 0; i < occurrence; i++) at = text.IndexOf(token, at + 1, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"'{token}' not in the test profile");
        int lineStart = text.LastIndexOf('\n', Math.Max(at - 1, 0)) + 1;
        return (text[..at].Count(c => c == '\n') + 1, at - lineStart + 1);
    }

    public static IEnumerable<TestCaseData> Problems()
    {
        TestCaseData Case(string name, string json, string path, string token, int occurrence = 1) =>
            new TestCaseData(json, path, token, occurrence).SetName($"{{m}}({name})");
        yield return Case("unknown key", "{\n  'Enviroments': {}\n}", "Enviroments", "'Enviroments'");
        yield return Case("wrong type", "{\n  'Pause': {\n    'TimeoutSeconds': 'soon'\n  }\n}", "Pause.TimeoutSeconds", "'soon'");
        yield return Case("bad host pattern", "{\n 'Environments': { 'production': {\n  'Hosts': ['a.example.com', 'db.*.example.com'] } } }", "Environments.production.Hosts[1]", "'db.*");
        yield return Case("bad path pattern", OneRule("'Paths': ['/srv', 'tmp/*'],"), "Rules[0].Paths[1]", "'tmp/*'");
        yield return Case("unknown effect", OneRule("'Effects': ['delete', 'destroy'],"), "Rules[0].Effects[1]", "'destroy'");
        yield return Case("unknown environment", OneRule("'Environments': ['prodution'],"), "Rules[0].Environments[0]", "'prodution'");
        yield return Case("unknown action", OneRule("'Effects': ['delete'],").Replace("'block'", "'deny'"), "Rules[0].Action", "'deny'");
        yield return Case("rule without NoMatch", OneRule("'Effects': ['delete'],", "'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']] }"), "Rules[0].Tests", "{ 'Match'");
        yield return Case("rule without tests", OneRule("'Effects': ['delete'],", "'Explanation': 'e'"), "Rules[0].Tests", "{\n      'Id'");
        yield return Case("case the rule does not catch", OneRule("'Effects': ['delete'],", Cases.Replace("'-X', 'DELETE', ", "")), "Rules[0].Tests.Match[0]", "['curl', 'http://127.0.0.2/x']");
        yield return Case("duplicate rule id", Env + "  'Rules': [\n    { 'Id': 't:r', 'Action': 'block', 'Reason': 'r', " + Cases + " },\n    { 'Id': 't:r', 'Action': 'block', 'Reason': 'r', " + Cases + " }\n  ]\n}", "Rules[1].Id", "'t:r'", 2);
        yield return Case("duplicate key", "{\n  'Pause': {},\n  'pause': {}\n}", "pause", "'pause'");
        yield return Case("tool subcommand effect", "{\n  'Tools': {\n    'mycli': { 'Subcommands': [['db drop', 'wipe'], ['nuke', 'destroy']] }\n  }\n}", "Tools.mycli.Subcommands[1][1]", "'destroy'");
        yield return Case("network client environment", "{\n  'Network': { 'Clients': {\n    'prod': ['/usr/bin/psql'] } }\n}", "Network.Clients.prod", "'prod'");
        yield return Case("wire switch", "{\n 'Environments': { 'production': {\n  'Wire': { 'Http': true, 'Postgres': 'off' } } } }", "Environments.production.Wire.Postgres", "'off'");
        yield return Case("wire key", "{\n 'Environments': { 'production': {\n  'Wire': { 'Http': true, 'Htpp': false } } } }", "Environments.production.Wire.Htpp", "'Htpp'");
        yield return Case("pinned host pattern", "{\n 'Environments': { 'production': {\n  'Wire': { 'PinnedHosts': ['bank.example.com', 'db.*.example.com'] } } } }", "Environments.production.Wire.PinnedHosts[1]", "'db.*");
        yield return Case("characters, not bytes", "{ 'Description': 'Überprüfung — ✓ 日本', 'Zebra': 1 }", "Zebra", "'Zebra'");
    }

    [TestCaseSource(nameof(Problems))]
    public void EveryKindOfProblemNamesTheLineAndColumnOfItsToken(string json, string path, string token, int occurrence)
    {
        string file = _tmp.Write("p.json", json);
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([file]))!;
        var error = e.Errors.FirstOrDefault(x => x.JsonPath == path);
        Assert.That(error, Is.Not.Null, e.Message);
        Assert.That((error!.Line, error.Column), Is.EqualTo(Where(json, token, occurrence)), e.Message);
        Assert.That(error.ToString(), Does.StartWith($"{file}:{error.Line}:{error.Column}: {path}: "));
    }

    [Test]
    public void ASyntaxErrorNamesWhereTheJsonBreaks()
    {
        string json = "{\n  'Rules': [\n    { 'Id': 'x' }\n    { 'Id': 'y' }\n  ]\n}";
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", json)]))!;
        var error = e.Errors.Single();
        Assert.That((error.Line, error.Column), Is.EqualTo((4, 5)), error.ToString());
        Assert.That(error.Message, Does.StartWith("not a valid profile: invalid JSON at line 4, byte 5: "));
    }

    [Test]
    public void BytesThatAreNotUtf8AreAnErrorAtTheirPlaceNotACrash()
    {
        // Found by AFL++ (tests/fuzz/profile): a key with such bytes threw from the JSON reader.
        string file = Path.Combine(_tmp.Dir, "p.json");
        File.WriteAllBytes(file, [.. "{\n  \"Description\": \"caf\u00e9\",\n  \"Env"u8, 0xff, .. "\": {}\n}"u8]);
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([file]))!;
        var error = e.Errors.Single();
        Assert.That(error.Message, Is.EqualTo("not a valid profile: not UTF-8 text (byte 0xFF)"));
        Assert.That((error.Line, error.Column), Is.EqualTo((3, 7)), "the look-alike é before it is read as one character");
    }

    [Test]
    public void MessagesReadLikeACompilers()
    {
        string file = _tmp.Write("p.json", "{\n  'Enviroments': {}\n}");
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([file]))!;
        Assert.That(e.Message, Is.EqualTo($"{file}:2:3: Enviroments: unknown key 'Enviroments' (did you mean 'Environments'?)"));
    }

    [Test]
    public void TheSchemaKeyIsAcceptedAtTheTopLevelOnly()
    {
        Assert.That(PolicyT.Load([_tmp.Write("a.json", "{ '$schema': './schema.json', 'Pause': { 'TimeoutSeconds': 9 } }")]).Pause.TimeoutSeconds, Is.EqualTo(9));
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("b.json", "{ 'Pause': { '$schema': 'x' } }")]))!;
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Pause.$schema"));
    }

    [Test]
    public void TheProfileSchemaIsNotMistakenForAProfile()
    {
        string schema = Path.Combine(TempProfiles.ShippedDir, "schema.json");
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([schema]))!;
        Assert.That(e.Errors.Single().Message, Does.StartWith("this is a JSON Schema, not a profile"));
        Assert.That((e.Errors.Single().Line, e.Errors.Single().Column), Is.EqualTo((1, 1)));
    }

    [Test]
    public void CommentsTrailingCommasAndAByteOrderMarkAreAccepted()
    {
        string file = Path.Combine(_tmp.Dir, "c.json");
        File.WriteAllText(file, "{ // the team's settings\n  \"Pause\": { \"TimeoutSeconds\": 42, /* seconds */ },\n}\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.That(PolicyT.Load([file]).Pause.TimeoutSeconds, Is.EqualTo(42));
    }

    [TestCase("{ 'Pause': { 'TimeoutSeconds': '300' } }", "Pause.TimeoutSeconds", "write the number without quotes")]
    [TestCase("{ 'Audit': { 'LogAllowsOfUnparsedTools': 'true' } }", "Audit.LogAllowsOfUnparsedTools", "must be true or false, found 'true'")]
    [TestCase("{ 'Description': 5 }", "Description", "must be a string, found a number")]
    [TestCase("{ 'Environments': [] }", "Environments", "must be an object { ... }, found an array")]
    [TestCase("{ 'Environments': { 'production': { 'Hosts': [''] } } }", "Environments.production.Hosts[0]", "found an empty string")]
    public void ValuesHaveTheirJsonTypes(string json, string path, string why)
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", json)]))!;
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }

    [Test]
    public void ANullActionIsAMissingActionNotASkippedRule()
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", OneRule("'Effects': ['delete'],").Replace("'block'", "null"))]))!;
        Assert.That(e.Errors.Single().Message, Does.StartWith("'Action' is required"));
    }

    [Test]
    public void KeysAreNotCaseSensitiveAndLaterLayersOverrideSettings()
    {
        string a = _tmp.Write("a.json", "{ 'pause': { 'timeoutseconds': 60, 'ONTIMEOUT': 'allow' }, 'audit': { 'logallowsofunparsedtools': true } }");
        string b = _tmp.Write("b.json", "{ 'Pause': { 'TimeoutSeconds': 90 } }");
        var p = PolicyT.Load([a, b]);
        Assert.That((p.Pause.TimeoutSeconds, p.Pause.OnTimeout.ToString(), p.Audit.LogAllowsOfUnparsedTools), Is.EqualTo((90, "Allow", true)));
        Assert.That((p.SettingSources["Pause:TimeoutSeconds"], p.SettingSources["Pause:OnTimeout"]), Is.EqualTo((b, a)));
    }

    [Test]
    public void WarningsNameTheLineAndColumnOfTheCase()
    {
        string json = OneRule("'Effects': ['delete'],", Cases.Replace("'Match': [", "'Match': [['nosuchcli', 'drop'], "));
        string file = _tmp.Write("p.json", json);
        var (line, column) = Where(json, "['nosuchcli'", 1);
        Assert.That(PolicyT.Load([file]).Warnings.Single(), Does.StartWith($"{file}:{line}:{column}: Rules[0].Tests.Match[0]: rule 't:r': no parser understood"));
    }
}
