using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A refused exec from a single-threaded caller is answered CONTINUE, so that a harness that
/// spawned it keeps its pipes (ExecTracer.Ending): it commits under the supervisor's seize and is
/// ended at its exec event with exit_group(126) run through the vDSO's `syscall`. The attacks on
/// that CONTINUE: the refused program (tests/adversarial/native/marker-curl.c, copied as `curl`)
/// creates a marker file before its main, so any instruction of it that ran would show; its
/// parent rewrites the gadget through /proc/PID/mem from the commit on (refused-race.c), so that
/// the step runs another instruction; and a multi-threaded caller, whose other threads an exec
/// would end, keeps the EPERM.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed partial class RefusedExecEndingTests(string guard) : TrustAtExecFixture(guard)
{
    private const string Rule = "[rule default.any:destructive-on-production]";
    private static int Tries => int.TryParse(Environment.GetEnvironmentVariable("AGENTSHELL_ADVERSARIAL_TRIES"), out int n) && n > 0 ? n : 30;
    private string _curl = null!;

    [SetUp]
    public void CopyMarkerCurl()
    {
        _curl = Path.Combine(Home.Dir, "bin", "curl");
        Directory.CreateDirectory(Path.GetDirectoryName(_curl)!);
        File.Copy(Attacks.Program("marker-curl"), _curl);
    }

    private string Marker => _curl + ".ran";

    private AgentShellRunner.Result Run(params string[] command) =>
        AgentShellRunner.Run(["run", "-q", "--connect-guard", Guard, "--audit", Home.AuditLog, "--profile", Profile, "--", .. command], TimeSpan.FromMinutes(5), Home.Dir, Home.Env);

    [Test]
    public void TheRefusedProgramsFirstActionNeverRuns()
    {
        const string Harness = """
            import subprocess, sys
            r = subprocess.run(sys.argv[1:], capture_output=True)
            print("rc", r.returncode)
            sys.stdout.write(r.stderr.decode())
            """;
        // Spawned without a shell: the refused exec is the program's own.
        var r = Run("python3", "-c", Harness, _curl, "-s", "-X", "DELETE", Prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("rc 126"), r.Stdout + r.Stderr);
        Assert.That(lines.Skip(1).Count(l => l.Contains(Rule)), Is.EqualTo(1), "the reason, in the stderr the harness captured");
        Assert.That(File.Exists(Marker), Is.False, "the refused program ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
        // Still a refusal in the record, which says how it ended.
        var rec = File.ReadAllLines(Home.AuditLog).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("argv")[0].GetString() == _curl);
        Assert.That(rec.GetProperty("outcome").GetString(), Is.EqualTo("blocked"));
        Assert.That(rec.GetProperty("reason").GetString(), Does.EndWith("(its exec was let commit and ended with status 126 before its first instruction)"));
    }

    [GeneratedRegex(@"tries (\d+) ended (\d+) killed (\d+) ran (\d+) refused (\d+) wrote (\d+) missed (\d+)")]
    private static partial Regex Summary();

    [TestCase("xor", TestName = "{m}(TheGadgetRewrittenToXorEaxEax)")]
    [TestCase("loop", TestName = "{m}(TheGadgetRewrittenToAJumpToItself)")]
    public void ARaceOnTheGadgetThroughProcMemRunsNothing(string insn)
    {
        if (Environment.ProcessorCount < 2) Assert.Ignore("the attack pins a spinner and the child to one CPU and writes from another");
        var r = Run(Attacks.Program("refused-race"), insn, Tries.ToString(), _curl, Prod.Url("/volumes/1"));
        var m = Summary().Match(r.Stdout);
        Assert.That(m.Success, Is.True, $"no summary; stdout: {r.Stdout}\nstderr: {r.Stderr}");
        TestContext.Out.WriteLine($"{Guard} {insn}: {m.Value}");
        int ended = int.Parse(m.Groups[2].Value), killed = int.Parse(m.Groups[3].Value);
        Assert.That(m.Groups[4].Value, Is.EqualTo("0"), "a refused image ran and exited on its own");
        Assert.That(m.Groups[5].Value, Is.EqualTo("0"), "a single-threaded caller's refused exec was answered EPERM");
        Assert.That(ended + killed, Is.EqualTo(Tries), "every refused exec was ended at its commit");
        Assert.That(File.Exists(Marker), Is.False, "the refused program ran code of its own");
        Assert.That(Prod.Requests, Is.Empty);
    }

    [Test]
    public void AMultiThreadedCallerKeepsItsThreadsAndGetsEperm()
    {
        // An exec that committed would end the caller's other thread; a failed one leaves it running.
        const string Agent = """
            import os, sys, threading, time
            t = threading.Thread(target=lambda: (time.sleep(0.5), print("thread alive", flush=True)))
            t.start()
            try:
                os.execv(sys.argv[1], [sys.argv[1], "-s", "-X", "DELETE", sys.argv[2]])
            except OSError as e:
                print("raised", e.errno, flush=True)
            t.join()
            """;
        var r = Run("python3", "-c", Agent, _curl, Prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo("raised 1\nthread alive\n"));
        Assert.That(r.Stderr, Does.Contain(Rule));
        Assert.That(File.Exists(Marker), Is.False);
        Assert.That(Prod.Requests, Is.Empty);
    }
}
