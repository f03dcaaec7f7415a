using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary>A one-liner's literal HTTP call read at the interpreter's exec under run (WireJudged):
/// to a production address the gate takes the connection and the wire layer judges the request, so
/// only a refusal counts at the exec; to any other host nothing else sees it, so a pause counts
/// there as it does in check (the seed incident's control-plane host is no production address).</summary>
public class WireJudgedTests
{
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;

    private const string Profile = """
        { 'Environments': { 'production': { 'Hosts': ['127.0.0.2', 'db.prod.internal', '*.prod.example.com'] }, 'staging': { 'Hosts': ['127.0.0.3'] } },
          'Rules': [
            { 'Id': 't:delete-prod', 'Effects': ['delete'], 'Environments': ['production'], 'Action': 'block', 'Reason': 'r1',
              'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/x']] } },
            { 'Id': 't:write-prod', 'Effects': ['write'], 'Environments': ['production'], 'Action': 'pause', 'Reason': 'r2',
              'Tests': { 'Match': [['curl', '-d', 'x', 'http://127.0.0.2/x']], 'NoMatch': [['curl', 'http://127.0.0.2/x']] } },
            { 'Id': 't:delete-elsewhere', 'Effects': ['delete'], 'Environments': ['unknown', 'staging'], 'Action': 'pause', 'Reason': 'r3',
              'Tests': { 'Match': [['curl', '-X', 'DELETE', 'http://example.org/x']], 'NoMatch': [['curl', 'http://example.org/x']] } } ] }
        """;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([_tmp.Write("t.json", Profile)]);
    }

    [TearDown] public void TearDown() => _tmp.Dispose();

    /// <summary>As the supervisor's context under run: connects meet the gate.</summary>
    private sealed class Gated(IExecContext inner) : IExecContext
    {
        public string? GetEnvironmentVariable(string name) => inner.GetEnvironmentVariable(name);
        public string? WorkingDirectory => inner.WorkingDirectory;
        public byte[]? ReadFile(string path, int maxBytes) => inner.ReadFile(path, maxBytes);
        public bool ConnectsGated => true;
    }

    private (PolicyAction, string) Decide(string code, bool underRun, string? proxy = null)
    {
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" };
        if (proxy != null) env["HTTPS_PROXY"] = proxy;
        IExecContext ctx = new LocalExecContext(env, "/tmp");
        if (underRun) ctx = new Gated(ctx);
        var intents = new CommandClassifier(_policy.Tools).Classify(["python3", "-c", code], ctx);
        var d = _policy.Decide(intents, ctx);
        return (d.Action, d.RuleId);
    }

    // The attack: a delete to a host the gate does not take was allowed under run (check paused it).
    [TestCase("import requests; requests.delete('http://example.org/volumes/1')", PolicyAction.Pause, "t:delete-elsewhere", PolicyAction.Pause, "t:delete-elsewhere")]
    [TestCase("import requests; requests.delete('http://127.0.0.3/volumes/1')", PolicyAction.Pause, "t:delete-elsewhere", PolicyAction.Pause, "t:delete-elsewhere")]
    // A refusal counts wherever the target is.
    [TestCase("import requests; requests.delete('http://127.0.0.2/volumes/1')", PolicyAction.Block, "t:delete-prod", PolicyAction.Block, "t:delete-prod")]
    // A pause of a request to production is the wire layer's, per request, under run: not a pause of the whole interpreter.
    [TestCase("import requests; requests.post('http://127.0.0.2/volumes', json={'name': 'x'})", PolicyAction.Pause, "t:write-prod", PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    // Look-alikes: reads pass in both.
    [TestCase("import requests; print(requests.get('http://example.org/volumes/1').status_code)", PolicyAction.Allow, Decision.DefaultAllowRuleId, PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    [TestCase("import requests; print(requests.get('http://127.0.0.2/volumes/1').status_code)", PolicyAction.Allow, Decision.DefaultAllowRuleId, PolicyAction.Allow, Decision.DefaultAllowRuleId)]
    public void APauseCountsUnderRunWhereTheGateDoesNotSeeTheRequest(string code, PolicyAction checkAction, string checkRule, PolicyAction runAction, string runRule)
    {
        Assert.That(Decide(code, underRun: false), Is.EqualTo((checkAction, checkRule)), "check");
        Assert.That(Decide(code, underRun: true), Is.EqualTo((runAction, runRule)), "run");
    }

    // review42 F1: the pause is dropped under run only where the gate takes the connection. It resolves an
    // exact production name and matches addresses; a *. glob it cannot resolve (no one would judge the
    // request), and a proxy takes the connection to the proxy's address (the tunnel to production unjudged).
    [TestCase("import requests; requests.post('http://db.prod.internal/volumes', json={'name': 'x'})", null, PolicyAction.Allow)]
    [TestCase("import requests; requests.post('http://api.prod.example.com/volumes', json={'name': 'x'})", null, PolicyAction.Pause)]
    [TestCase("import requests; requests.post('http://127.0.0.2/volumes', json={'name': 'x'})", "http://corp-proxy:3128", PolicyAction.Pause)]
    [TestCase("import requests; requests.post('http://127.0.0.2/volumes', json={'name': 'x'}, proxies={'http': 'http://corp-proxy:3128'})", null, PolicyAction.Pause)]
    public void APauseIsDroppedUnderRunOnlyWhereTheGateTakesTheConnection(string code, string? proxy, PolicyAction runAction)
    {
        Assert.That(Decide(code, underRun: false, proxy), Is.EqualTo((PolicyAction.Pause, "t:write-prod")), "check");
        Assert.That(Decide(code, underRun: true, proxy).Item1, Is.EqualTo(runAction), "run");
    }
}
