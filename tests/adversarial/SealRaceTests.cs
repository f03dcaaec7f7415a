using System.Text.RegularExpressions;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>Issue 11 / issue 15 class 6: the seal of a tool trusted with production (prctl run in it
/// through the vDSO's `syscall` at its exec stop, two single steps) raced by another process of the
/// tree (tests/adversarial/native/seal-race.c), which widens the steps' window as any tree process
/// may (its child pinned at nice 19 to a CPU a spinner holds) and watches /proc/PID/stat:
/// the gadget's two bytes rewritten to `xor eax, eax` after their check (fixed in b841b6a: the step
/// must show a syscall ran), and the committed argv rewritten GET -> DELETE after the compare and
/// before the seal (fixed in 93f6f29: the seal comes first). Against the code before each fix the
/// production stand-in receives DELETEs; here none. The profile blocks unknown clients, so a tool
/// whose seal failed runs untrusted and gets nowhere on production.</summary>
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
    // The argv race (seal-race.c argv) is not here: a process_vm_writev that passes its access check
    // before the seal and copies after the compare still lands (1 DELETE in 100 tries in a fresh-clone
    // CI run, seccomp mode as root; KNOWN-GAPS.md "Trust in a tool's connects"). It returns when that is closed.
    public void ARaceWithTheSealNeverSendsADeleteToProduction(string race)
    {
        // A try counts when the watch saw the exec stop (the tracer can be quicker on a busy machine):
        // batches until enough tries were made in the window, each batch a fresh run.
        int raced = 0, killed = 0;
        var stderr = new System.Text.StringBuilder();
        for (int batch = 0; batch < 3 && raced < 10; batch++)
        {
            var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--",
                Attacks.Program("seal-race"), race, Tries.ToString(), Repo.Which("curl"), Prod.Url("/volumes/1")], TimeSpan.FromMinutes(5), Home.Dir, Home.Env);
            var m = Summary().Match(r.Stdout);
            Assert.That(m.Success, Is.True, $"no summary; stdout: {r.Stdout}\nstderr: {r.Stderr}");
            TestContext.Out.WriteLine($"{Guard} {race}: {m.Value}; requests: {Prod.Requests.Count}");
            raced += Tries - int.Parse(m.Groups[6].Value);
            killed += int.Parse(m.Groups[4].Value);
            stderr.Append(r.Stderr);
        }
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => q.Method), Is.Empty, "a destructive request reached production");
        // The attack really ran: tries were made inside the seal's window, and GETs were sent.
        Assert.That(raced, Is.GreaterThan(0), "the watch never saw an exec stop");
        Assert.That(Prod.Requests, Is.Not.Empty, stderr.ToString());
        if (killed > 0) Assert.That(stderr.ToString(), Does.Contain("[rule supervisor:exec-changed]"));
    }
}
