using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using AgentShell.Supervisor.Audit;
using AgentShell.Supervisor.Diagnostics;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell doctor [--profile P]...`: what this machine supports, one line per check
/// with the fix for anything failing. Exit 0 when `run` can work here, 1 otherwise.</summary>
[Verb("doctor", HelpText = "Check what this machine supports (kernel, seccomp, nesting, pidfd, a supervised run, namespaces, cgroup v2, BPF, profiles, sockets, audit log, live runs and daemon, telemetry export), with the fix for anything missing. Exit 0 when `run` can work.")]
public sealed class DoctorVerb
{
    /// <summary>Profile files to validate with the shipped, system and user ones.</summary>
    [Option('p', "profile", HelpText = "Also check these profile files (as `run --profile` would load them).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>Also print how long each check took.</summary>
    [Option('v', "verbose", HelpText = "Also print how long each check took.")]
    public bool Verbose { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute() => Execute(Console.Out);

    /// <summary>Runs the checks, printing to <paramref name="o"/>.</summary>
    public int Execute(TextWriter o)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var probes = new List<Probe>();
        long last = 0;
        void Add(Probe p)
        {
            probes.Add(p);
            o.WriteLine(Line(p) + (Verbose ? $" [{sw.ElapsedMilliseconds - last} ms]" : ""));
            last = sw.ElapsedMilliseconds;
        }
        o.WriteLine($"{Help.VersionLine()}: what this machine supports");
        Add(KernelProbes.Kernel());
        var (notification, nesting) = KernelProbes.SeccompListener();
        Add(notification);
        Add(nesting);
        Add(KernelProbes.PidfdGetfd());
        var policy = LoadProfiles(out var profiles);
        string launcher = Launcher.Path();
        Add(notification.Status == ProbeStatus.Ok && nesting.Status == ProbeStatus.Ok
            ? RunProbe.SupervisedTrue(launcher, policy ?? Policy.Load([]))
            : new Probe(ProbeStatus.Note, "supervised run", "not tried: the seccomp checks above failed"));
        Add(KernelProbes.Ptrace());
        Add(KernelProbes.Namespaces());
        Add(RootModeProbes.CgroupV2());
        Add(RootModeProbes.BpfPrograms(launcher, out bool bpf));
        Add(profiles);
        // Inside a supervised tree agentshell's own directories are read-only to the tree (its
        // protected paths): that follows from the nesting reported above, not a fault of the machine.
        bool nested = nesting.Status == ProbeStatus.Fail;
        Add(Inside(nested, PathProbes.SocketDirectory()));
        Add(Inside(nested, PathProbes.AuditDirectory(AuditLog.DefaultPath())));
        Add(RootModeProbes.ConnectGuard(bpf));
        Add(RunsProbe.Live());
        Add(Supervisor.Telemetry.TelemetryDoctor.Probe(policy?.Telemetry ?? TelemetrySettings.Default));
        int failed = probes.Count(p => p.Status == ProbeStatus.Fail);
        o.WriteLine(failed == 0
            ? $"agentshell run can work here (checked in {sw.ElapsedMilliseconds} ms)"
            : $"agentshell run cannot work here: {failed} check(s) failed (checked in {sw.ElapsedMilliseconds} ms)");
        return failed == 0 ? 0 : 1;
    }

    private static Probe Inside(bool nested, Probe p) =>
        nested && p.Status == ProbeStatus.Fail
            ? new Probe(ProbeStatus.Note, p.Subject, "not testable here: read-only inside the supervised tree (agentshell's files are protected from it)")
            : p;

    private Policy? LoadProfiles(out Probe probe)
    {
        try
        {
            var files = ProfileSet.Resolve(Profiles.ToList());
            var policy = Policy.Load(files);
            string names = string.Join(", ", files.Select(Path.GetFileName));
            probe = new Probe(ProbeStatus.Ok, "profiles", $"{files.Count} file(s) valid, {policy.Rules.Count} rule(s): {names} (from {Path.GetDirectoryName(files[0])})"
                + (policy.Warnings.Count > 0 ? $"; {policy.Warnings.Count} rule case(s) not checkable yet" : ""));
            return policy;
        }
        catch (ProfileException e)
        {
            probe = new Probe(ProbeStatus.Fail, "profiles", $"invalid: {e.Message}", "fix the profile named (agentshell profiles validate FILE explains each problem), or reinstall the shipped ones");
            return null;
        }
    }

    private static string Line(Probe p)
    {
        string status = p.Status switch { ProbeStatus.Ok => "ok", ProbeStatus.Note => "note", ProbeStatus.Warn => "warn", _ => "FAIL" };
        return $"{status,-5} {p.Subject,-15} {p.Detail}{(p.Fix != null && p.Status is ProbeStatus.Fail or ProbeStatus.Warn ? $" — fix: {p.Fix}" : "")}";
    }
}
