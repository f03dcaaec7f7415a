using System.Text.RegularExpressions;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11, class 1: the argv the supervisor checks is rewritten before the kernel copies
/// it (`curl -X GET` to production flipped to `-X DELETE`), by every writer that can reach it.
/// Each attack makes 100 tries by default, so the project fits CI in minutes; set
/// AGENTSHELL_ADVERSARIAL_TRIES=1000 (any number) for a longer hunt. The production stand-in
/// must receive no DELETE. Seccomp mode kills a changed exec at its ptrace exec event, root mode in
/// the kernel's sched_process_exec program (rule supervisor:exec-changed).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed partial class ArgvFlipTests(string guard)
{
    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("AGENTSHELL_ADVERSARIAL_TRIES"), out int n) && n > 0 ? n : 100;

    private LoopbackHttpServer _prod = null!;
    private TestHome _home = null!;

    [SetUp]
    public void SetUp()
    {
        Attacks.Require(guard);
        _prod = new LoopbackHttpServer("127.0.0.2");
        _home = new TestHome();
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        _home.Dispose();
    }

    [GeneratedRegex(@"tries (\d+) ran (\d+) refused (\d+) killed (\d+)")]
    private static partial Regex Summary();

    [TestCase("thread", TestName = "{m}(ASiblingThread)")]
    [TestCase("shared", TestName = "{m}(AnotherProcessThroughASharedPage)")]
    [TestCase("vmwrite", TestName = "{m}(TheParentThroughProcessVmWritev)")]
    [TestCase("filemap", TestName = "{m}(TheFileBehindAPrivateMapping)")]
    [TestCase("pointers", TestName = "{m}(TheArgvPointerArray)")]
    public void AGetFlippedToADeleteAfterTheCheckNeverReachesProduction(string writer)
    {
        var r = _home.Run(guard, Attacks.Program("flip-argv"), writer, Tries.ToString(), Repo.Which("curl"), _prod.Url("/volumes/1"));
        var m = Summary().Match(r.Stdout);
        Assert.That(m.Success, Is.True, $"no summary; stdout: {r.Stdout}\nstderr: {r.Stderr}");
        int ran = int.Parse(m.Groups[2].Value), refused = int.Parse(m.Groups[3].Value), killed = int.Parse(m.Groups[4].Value);
        TestContext.Out.WriteLine($"{guard} {writer}: {m.Value}; requests: {_prod.Requests.Count}");
        Thread.Sleep(100); // a request still in flight
        Assert.That(_prod.Requests.Where(q => q.Method != "GET").Select(q => q.Method), Is.Empty, "a destructive request reached production");
        // The attack really ran: GETs reached the server, and every try ended one of three ways.
        Assert.That(ran + refused + killed, Is.EqualTo(Tries));
        Assert.That(_prod.Requests, Is.Not.Empty, r.Stderr);
        if (killed > 0) Assert.That(r.Stderr, Does.Contain("[rule supervisor:exec-changed]"));
    }

    [Test]
    public void AKilledExecIsInTheAuditLog()
    {
        // Enough tries of the fastest writer that some commit a DELETE and are killed: it had 29
        // (seccomp) and 31 (kernel) of 100 tries killed in the fresh-clone CI run, so 50 tries see
        // none with odds of about 0.7^50 = 2e-8 (300 tries took 6 s a mode; none killed is an Ignore).
        var r = _home.Run(guard, Attacks.Program("flip-argv"), "thread", "50", Repo.Which("curl"), _prod.Url("/volumes/1"));
        var m = Summary().Match(r.Stdout);
        Assert.That(m.Success, Is.True, r.Stderr);
        if (int.Parse(m.Groups[4].Value) == 0) Assert.Ignore("no try committed a changed argv this time (the race is the kernel's to win)");
        Assert.That(File.ReadAllText(_home.AuditLog), Does.Contain("supervisor:exec-changed"));
        Assert.That(_prod.Requests.Where(q => q.Method != "GET"), Is.Empty);
    }
}
