using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A person's approval of a curl exec covers, at the wire, the request its argv spells and
/// nothing else. The attack: <c>curl -X POST … -d @body</c> waits for the person; meanwhile a
/// process of the tree rewrites <c>body</c>; once approved, curl sends what the person never saw
/// (same rule, target and effect, so the approval covered it). Real curl, the plain-HTTP production
/// stand-in, writes to production paused (tests/profiles/wire-pause.json), both connect guards.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
[NonParallelizable]
public sealed class WireExecApprovalTests(string guard) : ProductionStandInFixture(guard, "agentshell-wire-approval-")
{
    private BackgroundRun Run(string script) =>
        new(null, ["--connect-guard", Guard, "--profile", Path.Combine(Repo.Root, "tests", "profiles", "wire-pause.json"), "--pause-timeout", "4"], ["bash", "-c", script]);

    private string Curl(string data) =>
        $"{Repo.Which("curl")} -q -sS -o /dev/null -w 'http=%{{http_code}}\\n' -X POST {Http.Url("/volumes")} -d {data}; echo rc=$?";

    [Test]
    public void ABodyRewrittenWhileTheExecWaitedIsAskedForAgainAtTheWire()
    {
        string body = Path.Combine(Tmp, "body"), go = Path.Combine(Tmp, "go");
        File.WriteAllText(body, "name=v");
        // The writer runs in the tree; the test only tells it when the exec is waiting.
        using var run = Run($"(while [ ! -e {go} ]; do sleep 0.05; done; printf 'name=evil' > {body}) & {Curl("@" + body)}");
        string id = run.WaitForPause();
        File.WriteAllText(go, "");
        while (File.ReadAllText(body) != "name=evil") Thread.Sleep(20);
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(Http.Requests.Select(q => q.Body), Has.None.Contains("evil"), "a body nobody saw reached production: " + run.Stdout + run.Stderr);
        Assert.That(run.Stdout, Does.Contain("http=403"), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("no answer in 4s"), "it waited for its own answer");
    }

    [Test]
    public void ABodyTheApprovedArgvSpellsIsForwardedWithoutASecondQuestion()
    {
        using var run = Run(Curl("name=v"));
        string id = run.WaitForPause();
        run.Client("approve", id);
        Assert.That(run.WaitForExit(), Is.EqualTo(0));
        Assert.That(run.Stdout, Does.Contain("http=200"), run.Stderr);
        Assert.That(Http.Requests.Select(q => q.Body), Is.EqualTo(new[] { "name=v" }));
        Assert.That(run.Stderr, Does.Not.Contain("no answer"));
    }
}
