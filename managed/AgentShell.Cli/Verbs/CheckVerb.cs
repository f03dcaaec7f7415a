using System.Text;
using System.Text.Json;
using AgentShell.Core.Audit;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using AgentShell.Supervisor;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell check [--profile P]... [--json] -- CMD ARGS` and
/// `agentshell check [--profile P]... [--json] --shell 'STRING'`: classify without running and
/// print what the policy would do: each exec decided exactly as `run` decides it (see
/// <see cref="CommandCheck"/>), the command and every program it would start. Exit (the most
/// severe verdict): 0 allow, 3 pause, 4 block, 2 usage or profile error.</summary>
[Verb("check", HelpText = "Classify a command without running it and print the verdict. Usage: agentshell check [--profile P]... [--json] -- CMD [ARGS...] | agentshell check --shell 'STRING'")]
public sealed class CheckVerb
{
    /// <summary>Exit code for a pause verdict.</summary>
    public const int ExitPause = 3;
    /// <summary>Exit code for a block verdict.</summary>
    public const int ExitBlock = 4;

    /// <summary>Profile files, layered in order.</summary>
    [Option('p', "profile", HelpText = "Profile JSON file (repeatable; later files take precedence).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>Print JSON (one object: the deciding exec; an array of objects for --shell).</summary>
    [Option("json", HelpText = "Print one JSON object: the exec that decides (the command, or a program it starts); for --shell an array, one per command.")]
    public bool Json { get; set; }

    /// <summary>A shell string to lex and classify.</summary>
    [Option("shell", HelpText = "Lex a shell string (as an agent hook sees it) and classify each command in it.")]
    public string? Shell { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute(string[] command) => Execute(command, Console.Out, Console.Error, new LocalExecContext());

    /// <summary>Runs the verb against the given writers and context (tests).</summary>
    public int Execute(string[] command, TextWriter stdout, TextWriter stderr, IExecContext ctx)
    {
        if ((command.Length == 0) == (Shell == null))
        {
            stderr.WriteLine("agentshell check: give either -- CMD [ARGS...] or --shell 'STRING'. Usage: agentshell check [--profile P]... [--json] -- CMD [ARGS...]");
            return Program.UsageError;
        }
        Policy policy;
        try
        {
            policy = ProfileSet.LoadForRun(Profiles.ToList(), TextWriter.Null); // the same layers `run` loads
        }
        catch (ProfileException e)
        {
            stderr.WriteLine($"agentshell check: invalid profile: {e.Message}");
            return Program.UsageError;
        }
        // The decision entry point `run` uses for every exec, with this process as the caller.
        var check = new CommandCheck(policy);
        var execs = Shell != null ? check.Shell(Shell, ctx) : check.Command(command, ctx);
        var results = Shell != null ? CommandsOf(execs) : execs;
        var worst = results.Max(r => r.Decision.Action);
        if (Json) WriteJson(stdout, Shell != null ? results : [results.First(r => r.Decision.Action == worst)], policy, array: Shell != null);
        else WriteText(stdout, results, policy);
        return worst switch { PolicyAction.Block => ExitBlock, PolicyAction.Pause => ExitPause, _ => 0 };
    }

    /// <summary>For a shell string: one verdict per command it runs, in order; and the string's own
    /// (that of the <c>sh -c</c> running it) where it says more than they do: a command decided by
    /// what is piped into it, a redirection to /dev/tcp, a command built at run time.</summary>
    private static IReadOnlyList<CheckedExec> CommandsOf(IReadOnlyList<CheckedExec> execs)
    {
        var whole = execs[0];
        var commands = execs.Skip(1).Select(c => c with { Depth = c.Depth - 1 }).ToList();
        if (commands.Count == 0) return [whole with { Argv = [whole.Argv[^1]] }];
        bool saysMore = whole.Decision.Action != PolicyAction.Allow
            && !commands.Any(c => c.Decision.Action == whole.Decision.Action && c.Decision.RuleId == whole.Decision.RuleId);
        return saysMore ? [.. commands, whole with { Argv = [whole.Argv[^1]] }] : commands;
    }

    private static string Verdict(PolicyAction a) => a switch { PolicyAction.Block => "block", PolicyAction.Pause => "pause", _ => "allow" };

    // Everything printed passes the redactor: a secret in the command (a header, a URL's password)
    // is masked, and a credential is shown by its carrier and the name a profile gives it.
    private static string Input(CheckedExec r) => string.Join(' ', Redactor.RedactArgv(r.Argv));

    private static string? Credential(Policy policy, CommandIntent i) =>
        i.Credentials.Count == 0 ? null
            : policy.CredentialOf(i) is { } m ? $"{m.Environment} credential {m.Name}"
            : $"{string.Join(", ", i.Credentials.Select(c => c.Carrier).Distinct())} (no profile lists it)";

    private static void WriteText(TextWriter o, IReadOnlyList<CheckedExec> results, Policy policy)
    {
        foreach (var r in results)
        {
            var (intents, d) = (r.Intents, r.Decision);
            o.WriteLine($"{Verdict(d.Action)}  [rule {d.RuleId}]  {(r.Depth > 0 ? "↳ " : "")}{Input(r)}");
            if (r.Program != null && r.Program != r.Argv[0]) o.WriteLine($"  runs: {r.Program}");
            if (d.Reason.Length > 0 && d.Action != PolicyAction.Allow) o.WriteLine($"  reason: {d.Reason}");
            if (intents.Count == 0) o.WriteLine("  no parser: nothing destructive recognised");
            foreach (var i in intents)
            {
                o.WriteLine($"  {i.Tool}: {i.Effect.Name()}  {Redactor.RedactText(i.Summary)}");
                foreach (var t in i.Targets) o.WriteLine($"    target: {t} ({policy.EnvironmentOf(t)})");
                if (Credential(policy, i) is string c) o.WriteLine($"    credential: {c}");
                foreach (var e in i.Evidence) o.WriteLine($"    evidence: {Redactor.RedactText(e.Token)} → {Redactor.RedactText(e.Fact)}");
            }
        }
    }

    private static void WriteJson(TextWriter o, IReadOnlyList<CheckedExec> results, Policy policy, bool array)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (array) w.WriteStartArray();
            foreach (var r in results)
            {
                var (intents, d) = (r.Intents, r.Decision);
                w.WriteStartObject();
                w.WriteString("input", Input(r));
                w.WriteString("program", r.Program);
                w.WriteBoolean("nested", r.Depth > 0);
                w.WriteString("verdict", Verdict(d.Action));
                w.WriteString("rule", d.RuleId);
                w.WriteString("reason", d.Reason);
                w.WriteString("environment", d.Environment);
                if (d.Credential != null) w.WriteString("credential", d.Credential);
                w.WriteStartArray("intents");
                foreach (var i in intents)
                {
                    w.WriteStartObject();
                    w.WriteString("tool", i.Tool);
                    w.WriteString("effect", i.Effect.Name());
                    w.WriteString("summary", Redactor.RedactText(i.Summary));
                    if (Credential(policy, i) is string c) w.WriteString("credential", c);
                    w.WriteStartArray("argv");
                    foreach (var a in Redactor.RedactArgv(i.Argv)) w.WriteStringValue(a);
                    w.WriteEndArray();
                    w.WriteStartArray("targets");
                    foreach (var t in i.Targets)
                    {
                        w.WriteStartObject();
                        w.WriteString("kind", t.Kind.ToString());
                        w.WriteString("target", t.ToString());
                        w.WriteString("environment", policy.EnvironmentOf(t));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("evidence");
                    foreach (var e in i.Evidence)
                    {
                        w.WriteStartObject();
                        w.WriteString("token", Redactor.RedactText(e.Token));
                        w.WriteString("fact", Redactor.RedactText(e.Fact));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            if (array) w.WriteEndArray();
        }
        o.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
