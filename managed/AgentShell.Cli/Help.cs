using System.Reflection;
using CommandLine;
using CommandLine.Text;

namespace AgentShell.Cli;

/// <summary>What the option parser could not turn into a verb: help and the version, asked for,
/// go to stdout with exit 0; a usage error goes to stderr with exit 2. No copyright banner.</summary>
internal static class Help
{
    /// <summary>One line: <c>agentshell 1.0.0+857a6bb</c> (the commit, when the build knows it).</summary>
    internal static string VersionLine()
    {
        string v = typeof(Help).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(Help).Assembly.GetName().Version?.ToString() ?? "unknown";
        int plus = v.IndexOf('+');
        if (plus >= 0 && v.Length > plus + 8) v = v[..(plus + 8)]; // a short commit id is enough
        return $"agentshell {v}";
    }

    /// <summary>Prints help, the version or the usage error for <paramref name="result"/> and
    /// returns the exit code. <paramref name="separator"/>: the command line had a <c>--</c>.</summary>
    internal static int Report<T>(ParserResult<T> result, IEnumerable<Error> errors, TextWriter stdout, TextWriter stderr, bool separator = true, bool helpTyped = false)
    {
        var list = errors.ToList();
        if (list.Any(e => e is VersionRequestedError))
        {
            stdout.WriteLine(VersionLine());
            return 0;
        }
        // `profiles show --help`: after a verb's value the parser reports --help as an unknown option,
        // but the user asked for help (stdout, exit 0) all the same; a verb that does not exist stays an error.
        bool asked = (helpTyped && !list.Any(e => e is BadVerbSelectedError or NoVerbSelectedError)) || list.Any(e => e is HelpRequestedError or HelpVerbRequestedError);
        var text = HelpText.AutoBuild(result, h =>
        {
            h.Heading = VersionLine();
            h.Copyright = string.Empty;
            h.AdditionalNewLineAfterOption = false;
            return h;
        }, maxDisplayWidth: 100);
        // AutoBuild fills the heading and copyright after the callback for some results: set them last.
        text.Heading = VersionLine();
        text.Copyright = string.Empty;
        // A verb's own help starts with what it does and its usage line.
        var verb = list.OfType<HelpVerbRequestedError>().FirstOrDefault(e => e.Matched)?.Type
            ?? (list.Any(e => e is HelpRequestedError) ? result.TypeInfo.Current : null);
        if (verb?.GetCustomAttribute<VerbAttribute>() is { } about) text.AddPreOptionsLine(about.HelpText);
        if (list.Any(e => e is NoVerbSelectedError or BadVerbSelectedError or HelpVerbRequestedError { Matched: false }))
            text.AddPostOptionsLine("Run 'agentshell VERB --help' for a verb's options. Exit codes: README.md.");
        (asked ? stdout : stderr).Write(text.ToString().TrimStart('\r', '\n') + Environment.NewLine);
        // `agentshell check curl -X DELETE …` reads -X as check's option: say where the command goes.
        if (!asked && !separator && CommandAfter(result.TypeInfo.Current) is { } usage)
            stderr.WriteLine($"agentshell: the command goes after '--': {usage}");
        // `agentshell hooks`: the parser says only that the verb is not recognised.
        if (list.OfType<BadVerbSelectedError>().FirstOrDefault() is { } bad)
        {
            var verbs = result.TypeInfo.Choices.Select(t => t.GetCustomAttribute<VerbAttribute>()?.Name).OfType<string>();
            string hint = AgentShell.Core.Profiles.Suggest.Closest(bad.Token, verbs) is { } near ? $"did you mean '{near}'? " : "";
            stderr.WriteLine($"agentshell: no verb '{bad.Token}': {hint}agentshell --help lists the verbs");
        }
        // The parser's "A required value not bound to option name is missing" does not say which.
        if (!asked && list.Any(e => e is MissingRequiredOptionError m && m.NameInfo.Equals(NameInfo.EmptyName))
            && Needs(result.TypeInfo.Current) is { } what)
            stderr.WriteLine($"agentshell: {result.TypeInfo.Current.GetCustomAttribute<VerbAttribute>()?.Name} needs {what}");
        return asked ? 0 : Program.UsageError;
    }

    private static string? Needs(Type verb) => verb.GetCustomAttribute<VerbAttribute>()?.Name switch
    {
        "approve" or "deny" => "the ID of a pending item: agentshell pending lists them",
        "hook" => "the AGENT: claude-code, codex, gemini or cursor",
        "profiles" => "an action: validate FILE... | show | fingerprint NAME < secret",
        _ => null,
    };

    private static string? CommandAfter(Type verb) => verb.GetCustomAttribute<VerbAttribute>()?.Name switch
    {
        "run" => "agentshell run [--profile P]... -- CMD [ARGS...]",
        "check" => "agentshell check [--profile P]... -- CMD [ARGS...]",
        "daemon" => "agentshell daemon [--profile P]... -- CMD [ARGS...]",
        "shell" => "agentshell shell -- CMD [ARGS...]",
        _ => null,
    };
}
