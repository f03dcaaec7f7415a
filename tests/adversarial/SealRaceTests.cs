using System.Text.RegularExpressions;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11 / issue 15 class 6: the seal of a tool trusted with production (prctl run in it
/// through the vDSO's `syscall` at its exec stop, two single steps) raced by another process of the
/// tree (tests/adversarial/native/seal-race.c), which widens the window as any tree process may (its
/// child pinned at nice 19 to a CPU a spinner holds) and watches /proc/PID/stat:
/// the gadget's two bytes rewritten to `xor eax, eax` after their check (fixed in b841b6a: the step
/// must show a syscall ran); the committed argv rewritten GET -> DELETE with process_vm_writev from
/// the commit on (a write checked before the seal and copied after the compare got 1 DELETE in 100
/// through in CI); and /proc/PID/mem opened between the commit and the seal, written once the tool
/// runs (the kernel checks a mem file at open: 1 DELETE in 20 tries against the code before the
/// tree was held). Since the supervisor holds every other task of the tree from before the exec's
/// answer until after the seal (TreeFreeze), the attacker does not run in that window at all: no
/// write lands, no DELETE reaches the production stand-in, and the trusted GETs still do. The
/// profile blocks unknown clients, so a tool that could not be sealed or held for runs untrusted and
/// gets nowhere on production.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed partial class SealRaceTests(string guard) : TrustAtExecFixture(guard)
{
    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("AGENTSHELL_ADVERSARIAL_TRIES"), out int n) && n > 0 ? n : 100;

    [SetUp]
    public void NeedsTwoCpus()
    {
        if (Environment.ProcessorCount < 2) Assert.Ignore("the attack pins a spinner and the tool to one CPU and watches from another");
    }

    [GeneratedRegex(@"tries (\d+) ran (\d+) refused (\d+) killed (\d+) wrote (\d+) missed (\d+)")]
    private static partial Regex Summary();

    [TestCase("gadget", TestName = "{m}(TheGadgetRewrittenBetweenItsCheckAndItsStep)")]
    [TestCase("argv", TestName = "{m}(ArgvWrittenWithProcessVmWritevFromTheCommitOn)")]
    [TestCase("memfd", TestName = "{m}(AMemFileOpenedBeforeTheSealAndWrittenAfterIt)")]
    public void ARaceWithTheSealNeverSendsADeleteToProduction(string race)
    {
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--",
            Attacks.Program("seal-race"), race, Tries.ToString(), Repo.Which("curl"), Prod.Url("/volumes/1")], TimeSpan.FromMinutes(5), Home.Dir, Home.Env);
        var m = Summary().Match(r.Stdout);
        Assert.That(m.Success, Is.True, $"no summary; stdout: {r.Stdout}\nstderr: {r.Stderr}");
        TestContext.Out.WriteLine($"{Guard} {race}: {m.Value}; requests: {Prod.Requests.Count}");
        int wrote = int.Parse(m.Groups[5].Value), killed = int.Parse(m.Groups[4].Value);
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => q.Method), Is.Empty, "a destructive request reached production");
        // The attacker never ran in the window: a write can have landed only in a tool that could not
        // be held for and so runs untrusted (a freeze that failed, on a loaded machine), or one whose
        // connect was then refused as an unknown client's (seen at load ~15: 13 writes, each such curl
        // blocked at its connect, no DELETE sent).
        // A write that landed before the committed argv was compared got its tool killed before it ran
        // (supervisor:exec-changed; seen at load ~20 in the lead's s38 loop: kernel argv wrote 39,
        // killed 31, blocked 8-odd, no DELETE): that tool never ran with it.
        int untrusted = Regex.Count(r.Stderr, "runs without production trust")
            + Regex.Count(r.Stderr, @"blocked \S* ?connect \S+ \(production\) \[rule network:unknown-client-to-production\]");
        Assert.That(wrote, Is.LessThanOrEqualTo(untrusted + killed), $"a write into a trusted tool's memory landed\n{r.Stderr}");
        // The attack ran against a trusted tool: its GETs reached production.
        Assert.That(Prod.Requests, Is.Not.Empty, r.Stderr);
        if (killed > 0) Assert.That(r.Stderr, Does.Contain("[rule supervisor:exec-changed]"));
    }
}
