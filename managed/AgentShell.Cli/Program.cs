using System.Diagnostics.CodeAnalysis;
using AgentShell.Cli.Verbs;
using CommandLine;

namespace AgentShell.Cli;

/// <summary>The `agentshell` executable.</summary>
public static class Program
{
    /// <summary>Exit code for usage and profile errors.</summary>
    public const int UsageError = 2;

    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(RunVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(PendingVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(ApproveVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(DenyVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(WatchVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(CheckVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(ProfilesVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(LogVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(HookVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(DoctorVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(DaemonVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(ShellVerb))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(RunsVerb))]
    public static int Main(string[] args)
    {
        AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("main");
        // Root mode's background refill of pre-loaded programs, started by a run (not a verb).
        if (AgentShell.Supervisor.Network.KernelGuardPreload.IsRefill(args)) return AgentShell.Supervisor.Network.KernelGuardPreload.RefillPool(args);
        // The run's CA, made in a child of the supervisor (not a verb: see RunCaChild).
        if (AgentShell.Supervisor.Wire.Tls.RunCaChild.Is(args)) return AgentShell.Supervisor.Wire.Tls.RunCaChild.Main(args);
        // Before anything is printed: Console's own writers would put ESC[?1h ESC= on the terminal.
        AgentShell.Supervisor.StandardStream.Install();
        // Everything after the first "--" is the command, untouched by the option parser
        // (so `run -- bash -c '...'` never has -c taken as an option of run).
        int dd = Array.IndexOf(args, "--");
        string[] head = (dd >= 0 ? args[..dd] : args).Select(a => a == "-h" ? "--help" : a).ToArray(); // the parser knows only --help
        string[] command = dd >= 0 ? args[(dd + 1)..] : [];

        try
        {
            int code = Dispatch(head, command, separator: dd >= 0);
            AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("exit");
            return code;
        }
        catch (Exception e)
        {
            // Nothing has been allowed by this: a run that fails here has not started the agent,
            // and a supervisor that dies leaves its tree failing closed (ENOSYS).
            Console.Error.WriteLine($"agentshell: internal error: {e.GetType().Name}: {e.Message}");
            // An agent hook treats any exit but 0 and 2 as "no decision" and runs the command: 2 blocks.
            return head.FirstOrDefault() == "hook" ? UsageError : 125;
        }
    }

    private static int Dispatch(string[] head, string[] command, bool separator)
    {
        // PERF: the hot verbs' plain command lines skip the parser's reflection; anything else
        // (help, the version, a usage error) is the parser's, so its text is unchanged.
        if (FastArgs.TryParse(head) is { } verb) return Execute(verb, command);
        QuietTerminal.SetUp(); // the parser asks Console for the window width
        using var parser = new Parser(s =>
        {
            s.HelpWriter = null; // Help.Report writes help to stdout and errors to stderr
            s.AutoHelp = true;
            s.AutoVersion = true;
            s.CaseInsensitiveEnumValues = true;
            s.AllowMultiInstance = true; // --profile A --profile B
        });
        var result = parser.ParseArguments<RunVerb, PendingVerb, ApproveVerb, DenyVerb, WatchVerb, CheckVerb, ProfilesVerb, LogVerb,
            HookVerb, DoctorVerb, DaemonVerb, ShellVerb, RunsVerb>(head);
        return result.MapResult(verb => Execute(verb, command), errors => Help.Report(result, errors, Console.Out, Console.Error, separator, helpTyped: head.Contains("--help")));
    }

    private static int Execute(object verb, string[] command) => verb switch
    {
        RunVerb v => v.Execute(command),
        PendingVerb v => v.Execute(),
        ApproveVerb v => v.Execute(),
        DenyVerb v => v.Execute(),
        WatchVerb v => v.Execute(),
        CheckVerb v => v.Execute(command),
        ProfilesVerb v => v.Execute(),
        LogVerb v => v.Execute(),
        HookVerb v => v.Execute(),
        DoctorVerb v => v.Execute(),
        DaemonVerb v => v.Execute(command),
        ShellVerb v => v.Execute(command),
        RunsVerb v => v.Execute(),
        _ => throw new InvalidOperationException($"no dispatch for {verb.GetType().Name}"),
    };
}
