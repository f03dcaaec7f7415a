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
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicProperties, typeof(LogVerb))]
    public static int Main(string[] args)
    {
        // Everything after the first "--" is the command, untouched by the option parser
        // (so `run -- bash -c '...'` never has -c taken as an option of run).
        int dd = Array.IndexOf(args, "--");
        string[] head = dd >= 0 ? args[..dd] : args;
        string[] command = dd >= 0 ? args[(dd + 1)..] : [];

        using var parser = new Parser(s =>
        {
            s.HelpWriter = Console.Error;
            s.CaseInsensitiveEnumValues = true;
        });
        var result = parser.ParseArguments<RunVerb, LogVerb>(head);
        return result.MapResult(
            (RunVerb v) => v.Execute(command),
            (LogVerb v) => v.Execute(),
            _ => UsageError);
    }
}
