using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>Every validation error names the file, the JSON path and the fix.</summary>
public class ProfileLoaderTests
{
    private TempProfiles _tmp = null!;

    [SetUp] public void SetUp() => _tmp = new TempProfiles();
    [TearDown] public void TearDown() => _tmp.Dispose();

    private const string Tests = "'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/x']] }";
    private const string Prod = "'Environments': { 'production': { 'Hosts': ['127.0.0.2'] } }";

    private static string Rule(string extra, string id = "t:r", string tests = Tests) =>
        $"{{ 'Id': '{id}', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r', {tests}{(extra.Length > 0 ? ", " + extra : "")} }}";

    private ProfileException Fails(string json)
    {
        string file = _tmp.Write("p.json", json);
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([file]))!;
        Assert.That(e.Errors.Select(x => x.File), Is.All.EqualTo(file));
        Assert.That(e.Errors.Where(x => x.Line < 1 || x.Column < 1), Is.Empty, "every problem names its line and column");
        return e;
    }

    [TestCase("{ 'Enviroments': {} }", "Enviroments", "did you mean 'Environments'?")]
    [TestCase("{ " + Prod + ", 'Rules': [ " + "{ 'Id': 't:r', 'Efects': ['delete'], 'Action': 'block', 'Reason': 'r', " + Tests + " } ] }", "Rules[0].Efects", "did you mean 'Effects'?")]
    [TestCase("{ 'Environments': { 'production': { 'Host': ['a.example.com'] } } }", "Environments.production.Host", "did you mean 'Hosts'?")]
    [TestCase("{ 'Pause': { 'TimeoutSecs': 5 } }", "Pause.TimeoutSecs", "did you mean 'TimeoutSeconds'?")]
    [TestCase("{ 'Network': { 'Clientz': {} } }", "Network.Clientz", "did you mean 'Clients'?")]
    [TestCase("{ 'Tools': { 'mycli': { 'Destructiv': ['x'] } } }", "Tools.mycli.Destructiv", "did you mean 'Destructive'?")]
    [TestCase("{ 'Zebra': 1 }", "Zebra", "valid: Description, Environments")]
    public void UnknownKeysSuggestTheClosestValidKey(string json, string path, string hint)
    {
        var e = Fails(json);
        Assert.That(e.Errors.Select(x => x.JsonPath), Does.Contain(path));
        Assert.That(e.Message, Does.Contain(hint));
    }

    // A profile made with `touch` (or emptied) was "The input does not contain any JSON tokens".
    [TestCase("")]
    [TestCase("  \n\t\n")]
    public void AnEmptyFileSaysSoAndWhatToWrite(string text)
    {
        var e = Fails(text);
        Assert.That(e.Errors.Single().Message, Does.Contain("the file is empty; write a profile").And.Contain("or remove the file"));
    }

    [TestCase("{ 'Rules': { 'Id': 'x' } }", "Rules", "must be an array")]
    [TestCase("{ 'Environments': ['production'] }", "Environments", "must be an object")]
    [TestCase("{ 'Environments': { 'production': { 'Hosts': 'a.example.com' } } }", "Environments.production.Hosts", "write [\"a.example.com\"]")]
    [TestCase("{ 'Environments': { 'production': { 'Hosts': [['a']] } } }", "Environments.production.Hosts[0]", "must be a non-empty string")]
    [TestCase("{ 'Environments': { 'production': { 'EnvVars': ['X=1'] } } }", "Environments.production.EnvVars", "must be an object")]
    [TestCase("{ 'Pause': { 'TimeoutSeconds': 'soon' } }", "Pause.TimeoutSeconds", "whole number")]
    [TestCase("{ 'Pause': { 'TimeoutSeconds': 0 } }", "Pause.TimeoutSeconds", "from 1 to 86400")]
    [TestCase("{ 'Pause': { 'TimeoutSeconds': 1.5 } }", "Pause.TimeoutSeconds", "whole number")]
    [TestCase("{ 'Pause': [300] }", "Pause", "must be an object")]
    [TestCase("{ 'Network': 'pause' }", "Network", "must be an object")]
    [TestCase("{ 'Description': { 'a': 'b' } }", "Description", "must be a string")]
    [TestCase("{ " + Prod + ", 'Rules': [ 'block' ] }", "Rules[0]", "each rule must be an object")]
    [TestCase("{ " + Prod + ", 'Rules': [ { 'Id': ['t:r'], 'Action': 'block', 'Reason': 'r', " + Tests + " } ] }", "Rules[0].Id", "must be a string")]
    public void WrongTypes(string json, string path, string fix)
    {
        var e = Fails(json);
        var err = e.Errors.FirstOrDefault(x => x.JsonPath == path);
        Assert.That(err, Is.Not.Null, e.Message);
        Assert.That(err!.Message, Does.Contain(fix));
    }

    [TestCase("'Hosts': ['10.0.0.0/33']", "Rules[0].Hosts[0]", "bad CIDR prefix")]
    [TestCase("'Paths': ['tmp/*']", "Rules[0].Paths[0]", "must start with '/'")]
    [TestCase("'Paths': ['/tmp/[ab]']", "Rules[0].Paths[0]", "only '*' is a wildcard")]
    [TestCase("'TargetKinds': ['file']", "Rules[0].TargetKinds[0]", "unknown target kind 'file'")]
    public void BadRulePatterns(string extra, string path, string why)
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {Rule(extra)} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }

    [TestCase("{ 'Environments': { 'production': { 'Hosts': ['db.*.example.com'] } } }", "Environments.production.Hosts[0]", "leading '*.' label")]
    [TestCase("{ 'Environments': { 'production': { 'Hosts': ['[2001:db8::]/200'] } } }", "Environments.production.Hosts[0]", "bad CIDR prefix")]
    [TestCase("{ 'Environments': { 'production': { 'KubeContexts': ['prod-?'] } } }", "Environments.production.KubeContexts[0]", "only '*'")]
    [TestCase("{ 'Environments': { 'production': { 'EnvVars': { 'APP_ENV': 'prod[1]' } } } }", "Environments.production.EnvVars.APP_ENV", "only '*'")]
    [TestCase("{ 'Environments': { 'unknown': { 'Hosts': ['a.example.com'] } } }", "Environments.unknown", "built in")]
    [TestCase("{ 'Environments': { 'prod env': {} } }", "Environments.prod env", "cannot name an environment")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['https://github.com/acme/api'] } } }", "Environments.production.Repositories[0]", "without a scheme")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['git@github.com:acme/api'] } } }", "Environments.production.Repositories[0]", "without a scheme, user or ':'")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['github.com/acme/api.git'] } } }", "Environments.production.Repositories[0]", "drop the '.git'")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['acme/api'] } } }", "Environments.production.Repositories[0]", "host/owner/repo")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['acme/team/api'] } } }", "Environments.production.Repositories[0]", "must be the host (github.com/acme/team/api)")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['github.com//api'] } } }", "Environments.production.Repositories[0]", "no empty segment")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': ['github.com/acme/a?i'] } } }", "Environments.production.Repositories[0]", "cannot be part")]
    [TestCase("{ 'Environments': { 'production': { 'Repositories': 'github.com/acme/api' } } }", "Environments.production.Repositories", "array")]
    public void BadEnvironmentPatterns(string json, string path, string why)
    {
        var e = Fails(json);
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }

    [Test]
    public void UnknownEffectIsAnErrorNotIgnored()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {{ 'Id': 't:r', 'Effects': ['delete', 'destroy'], 'Action': 'block', 'Reason': 'r', {Tests} }} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[0].Effects[1]"));
        Assert.That(e.Errors.Single().Message, Does.Contain("unknown effect 'destroy'"));
    }

    [TestCase("Block!", "unknown action 'Block!' (did you mean 'block'?)")]
    [TestCase("deny", "unknown action 'deny'")]
    public void UnknownActionIsAnError(string action, string why)
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {{ 'Id': 't:r', 'Effects': ['delete'], 'Action': '{action}', 'Reason': 'r', {Tests} }} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[0].Action"));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }

    [Test]
    public void UnknownEnvironmentInARuleSuggestsTheDefinedOne()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {{ 'Id': 't:r', 'Effects': ['delete'], 'Environments': ['prodution'], 'Action': 'block', 'Reason': 'r', {Tests} }} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[0].Environments[0]"));
        Assert.That(e.Errors.Single().Message, Does.Contain("did you mean 'production'?"));
    }

    // A newcomer's first profile: the host listed under 'prod' fell under no rule, and a DELETE to
    // it was allowed without a word.
    [TestCase("prod")]
    [TestCase("PROD")]
    [TestCase("prod-eu")]
    [TestCase("prd")]
    [TestCase("live")]
    [TestCase("prodution")]
    public void AProductionLookAlikeThatNoRuleNamesIsAnError(string name)
    {
        var e = Fails($"{{ 'Environments': {{ '{name}': {{ 'Hosts': ['127.0.0.2'] }} }} }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo($"Environments.{name}"));
        Assert.That(e.Errors.Single().Message, Does.Contain("named by no rule").And.Contain("call it 'production'"));
    }

    [TestCase("staging")]
    [TestCase("preprod")]
    [TestCase("nonprod")]
    [TestCase("dev")]
    public void OtherEnvironmentsNeedNoRule(string name)
    {
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'Environments': {{ '{name}': {{ 'Hosts': ['127.0.0.2'] }} }} }}")]);
        Assert.That(policy.Rules, Is.Empty);
    }

    [Test]
    public void AProductionLookAlikeWithItsOwnRuleIsFine()
    {
        string rule = Rule("").Replace("['production']", "['prod']");
        var policy = PolicyT.Load([_tmp.Write("p.json", $"{{ 'Environments': {{ 'prod': {{ 'Hosts': ['127.0.0.2'] }} }}, 'Rules': [ {rule} ] }}")]);
        Assert.That(policy.Rules.Single().Id, Is.EqualTo("t:r"));
    }

    [TestCase("{ 'Audit': { 'LogAllowsOfUnparsedTools': 'sometimes' } }", "Audit.LogAllowsOfUnparsedTools")]
    [TestCase("{ 'Audit': { 'LogAllows': true } }", "Audit.LogAllows")]
    public void AuditSettingsAreValidated(string json, string path)
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([_tmp.Write("p.json", json)]))!;
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
    }

    [TestCase("{ 'Audit': { 'LogAllowsOfUnparsedTools': true } }", true)]
    [TestCase("{ 'Audit': { 'LogAllowsOfUnparsedTools': false } }", false)]
    [TestCase("{ }", false)]
    public void AuditSamplingIsAProfileSetting(string json, bool all)
    {
        Assert.That(PolicyT.Load([_tmp.Write("p.json", json)]).Audit.LogAllowsOfUnparsedTools, Is.EqualTo(all));
    }

    [TestCase("{ 'Pause': { 'OnTimeout': 'pause' } }")]
    [TestCase("{ 'Pause': { 'OnTimeout': 'yes' } }")]
    public void OnTimeoutIsBlockOrAllow(string json)
    {
        var e = Fails(json);
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Pause.OnTimeout"));
        Assert.That(e.Errors.Single().Message, Does.Contain("'block' or 'allow'"));
    }

    [Test]
    public void SettingsLayerAndRememberTheirSource()
    {
        string a = _tmp.Write("a.json", "{ 'Pause': { 'TimeoutSeconds': 60 }, 'Network': { 'UnknownClientToProduction': 'block', 'Clients': { 'production': ['/usr/bin/psql'] } } }");
        string b = _tmp.Write("b.json", "{ 'Pause': { 'OnTimeout': 'allow' }, 'Network': { 'Clients': { 'production': ['/usr/bin/pg_dump'] } }, 'Environments': { 'production': {} } }");
        var p = PolicyT.Load([a, b]);
        Assert.That((p.Pause.TimeoutSeconds, p.Pause.OnTimeout, p.Network.UnknownClientToProduction), Is.EqualTo((60, PolicyAction.Allow, PolicyAction.Block)));
        Assert.That(p.Network.Clients["production"], Is.EqualTo(new[] { "/usr/bin/psql", "/usr/bin/pg_dump" }));
        Assert.That(p.SettingSources["Pause:TimeoutSeconds"], Is.EqualTo(a));
        Assert.That(p.SettingSources["Pause:OnTimeout"], Is.EqualTo(b));
    }

    [Test]
    public void NetworkClientsMustBeAbsolutePathsOfKnownEnvironments()
    {
        var e = Fails("{ 'Network': { 'Clients': { 'prod': ['psql'] } } }");
        Assert.That(e.Errors.Select(x => x.JsonPath), Is.EquivalentTo(new[] { "Network.Clients.prod[0]", "Network.Clients.prod" }));
    }

    [Test]
    public void CommandServersAddUpAcrossLayersAndMustBeAbsolute()
    {
        string a = _tmp.Write("a.json", "{ 'Network': { 'CommandServers': ['/tmp/tmux-$UID/*', '/run/docker.sock'] } }");
        string b = _tmp.Write("b.json", "{ 'Network': { 'UnknownClientToProduction': 'block', 'CommandServers': ['$HOME/.pm2/rpc.sock', '/run/docker.sock'] } }");
        var p = PolicyT.Load([a, b]);
        Assert.That(p.Network.CommandServers, Is.EqualTo(new[] { "/tmp/tmux-$UID/*", "/run/docker.sock", "$HOME/.pm2/rpc.sock" }));
        var e = Fails("{ 'Network': { 'CommandServers': ['docker.sock'] } }");
        Assert.That(e.Errors.Select(x => x.JsonPath), Is.EquivalentTo(new[] { "Network.CommandServers[0]" }));
        Assert.That(e.Errors.Single().Message, Does.Contain("must be an absolute socket path"));
    }

    [Test]
    public void DuplicateRuleIdsAcrossLayersNameBothFiles()
    {
        string a = _tmp.Write("a.json", $"{{ {Prod}, 'Rules': [ {Rule("")} ] }}");
        string b = _tmp.Write("b.json", $"{{ 'Rules': [ {Rule("")} ] }}");
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([a, b]))!;
        Assert.That(e.Errors.Single().File, Is.EqualTo(b));
        Assert.That((e.Errors.Single().Line, e.Errors.Single().Column), Is.EqualTo((1, 22)), "the position of the id in the later file");
        Assert.That(e.Errors.Single().Message, Does.Contain("duplicate rule id 't:r'").And.Contain(a));
    }

    [Test]
    public void DuplicateRuleIdsInOneFile()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {Rule("")}, {Rule("")} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[1].Id"));
    }

    [TestCase("'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']] }", "'Tests.NoMatch'")]
    [TestCase("'Tests': { 'NoMatch': [['curl', 'http://127.0.0.2/x']] }", "'Tests.Match'")]
    [TestCase("'Tests': { 'Match': [], 'NoMatch': [] }", "'Tests.Match'")]
    public void RulesNeedBothKindsOfCase(string tests, string missing)
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {Rule("", tests: tests)} ] }}");
        Assert.That(e.Errors.Select(x => x.Message), Has.Some.Contain(missing));
    }

    [Test]
    public void RulesWithoutTestsAtAllAreRejected()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {{ 'Id': 't:r', 'Effects': ['delete'], 'Action': 'block', 'Reason': 'r' }} ] }}");
        Assert.That(e.Errors.Select(x => x.Message), Has.Some.Contain("'Tests.Match'").And.Some.Contain("'Tests.NoMatch'"));
    }

    [Test]
    public void AMatchCaseTheRuleDoesNotCatchIsAnError()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {Rule("", tests: "'Tests': { 'Match': [['curl', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/y']] }")} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[0].Tests.Match[0]"));
        Assert.That(e.Errors.Single().Message, Does.Contain("does not catch `curl http://127.0.0.2/x`").And.Contain("effect read"));
    }

    [Test]
    public void ANoMatchCaseTheRuleCatchesIsAnError()
    {
        var e = Fails($"{{ {Prod}, 'Rules': [ {Rule("", tests: "'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']], 'NoMatch': [['curl', '-XDELETE', 'http://127.0.0.2/y']] }")} ] }}");
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Rules[0].Tests.NoMatch[0]"));
        Assert.That(e.Errors.Single().Message, Does.Contain("also catches the look-alike"));
    }

    [Test]
    public void CaseObjectsCarryTheExecsEnvironment()
    {
        string p = _tmp.Write("p.json", """
            { 'Environments': { 'production': { 'EnvVars': { 'APP_ENV': 'prod*' } } },
              'Rules': [ { 'Id': 't:r', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r',
                           'Tests': { 'Match': [ { 'Argv': ['curl', '-X', 'DELETE', 'https://x.example.net/'], 'Env': { 'APP_ENV': 'production' } } ],
                                      'NoMatch': [ { 'Argv': ['curl', '-X', 'DELETE', 'https://x.example.net/'], 'Env': { 'APP_ENV': 'dev' } } ] } } ] }
            """);
        var policy = PolicyT.Load([p]);
        Assert.That(policy.Rules.Single().Tests.Match.Single().Env["APP_ENV"], Is.EqualTo("production"));
    }

    [Test]
    public void EveryProblemOfAFileIsReported()
    {
        var e = Fails("{ 'Enviroments': {}, 'Pause': { 'OnTimeout': 'later', 'TimeoutSeconds': -1 }, 'Rules': [ { 'Id': 'a b', 'Action': 'nuke' } ] }");
        Assert.That(e.Errors, Has.Count.GreaterThanOrEqualTo(6), e.Message);
        Assert.That(e.Message, Does.StartWith($"{e.Errors.Count} problems:"));
    }

    [TestCase("{ 'Rules': [ }", "invalid JSON at line 1")]
    [TestCase("[1, 2]", "top level must be an object")]
    [TestCase("{ 'Pause': {}, 'pause': {} }", "duplicate key 'pause'")]
    public void UnreadableFiles(string json, string why)
    {
        var e = Fails(json);
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }

    [Test]
    public void MissingFile()
    {
        var e = Assert.Throws<ProfileException>(() => PolicyT.Load([Path.Combine(_tmp.Dir, "nope.json")]))!;
        Assert.That(e.Errors.Single().Message, Is.EqualTo("file not found"));
    }

    [Test]
    public void ToolsSectionBecomesProfileToolDefinitions()
    {
        string a = _tmp.Write("a.json", "{ 'Tools': { 'mycli': { 'Destructive': ['db drop', 'nuke *'], 'TargetFlags': { '--env': 'environment' } } } }");
        string b = _tmp.Write("b.json", "{ 'Tools': { 'mycli': { 'Destructive': ['wipe'], 'TargetFlags': { '--ctx': 'kube-context' } } } }");
        Assert.That(PolicyT.Load([a]).Tools.Single().Destructive, Is.EqualTo(new[] { "db drop", "nuke *" }));
        var layered = PolicyT.Load([a, b]);
        Assert.That(layered.Tools.Single().TargetFlags, Is.EquivalentTo(new Dictionary<string, string> { ["--ctx"] = "kube-context" }));
        Assert.That(layered.ToolSources["mycli"], Is.EqualTo(b));
    }

    [TestCase("{ 'Tools': { 'mycli': { 'TargetFlags': { 'env': 'environment' } } } }", "Tools.mycli.TargetFlags.env", "not a flag")]
    [TestCase("{ 'Tools': { 'mycli': { 'TargetFlags': { '--env': 'enviroment' } } } }", "Tools.mycli.TargetFlags.--env", "did you mean 'environment'?")]
    [TestCase("{ 'Tools': { '/usr/bin/mycli': {} } }", "Tools./usr/bin/mycli", "basename")]
    [TestCase("{ 'Tools': { 'mycli': { 'Subcommands': [['db drop', 'destroy']] } } }", "Tools.mycli.Subcommands[0][1]", "unknown effect 'destroy'")]
    [TestCase("{ 'Tools': { 'mycli': { 'Subcommands': [['db drop']] } } }", "Tools.mycli.Subcommands[0]", "is a pair")]
    [TestCase("{ 'Tools': { 'mycli': { 'Subcommands': { 'db drop': 'wipe' } } } }", "Tools.mycli.Subcommands", "pairs")]
    [TestCase("{ 'Tools': { 'mycli': { 'Destructive': ['db ?'] } } }", "Tools.mycli.Destructive[0]", "only '*' is a wildcard")]
    [TestCase("{ 'Tools': { 'mycli': { 'ValueFlags': ['app'] } } }", "Tools.mycli.ValueFlags[0]", "not a flag")]
    [TestCase("{ 'Tools': { 'mycli': { 'Otherwise': 'nuke' } } }", "Tools.mycli.Otherwise", "unknown effect 'nuke'")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Flags': ['--env'], 'EnvVar': 'ENV', 'Kind': 'environment' } ] } } }", "Tools.mycli.Targets[0]", "not several")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Flags': ['--env'] } ] } } }", "Tools.mycli.Targets[0].Kind", "'Kind' is required")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Flags': ['--app'], 'Kind': 'url', 'Template': 'https://api.example.com/' } ] } } }", "Tools.mycli.Targets[0].Template", "must contain {}")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Kind': 'url' } ] } } }", "Tools.mycli.Targets[0].Template", "'Template' is required")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Kind': 'databse', 'Template': 'x' } ] } } }", "Tools.mycli.Targets[0].Kind", "did you mean 'database'?")]
    [TestCase("{ 'Tools': { 'mycli': { 'Targets': [ { 'Kind': 'database', 'Template': 'db.example.com' } ] } } }", "Tools.mycli.Targets[0].Template", "does not make a database target")]
    public void BadToolDefinitions(string json, string path, string why)
    {
        var e = Fails(json);
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo(path));
        Assert.That(e.Errors.Single().Message, Does.Contain(why));
    }
}
