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
[Verb("check", HelpText = "Classify a command without running it and print the verdict. Usage: agentshell check [--profile P]... [--json] -- CMD [ARGS...] | agentshell check --shell 'STRING'. Exit 0 allow, 3 pause, 4 block, 2 usage or profile error.")]
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
        AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("profiles-loaded");
        // The decision entry point `run` uses for every exec, with this process as the caller.
        var check = new CommandCheck(policy);
        var execs = Shell != null ? check.Shell(Shell, ctx) : check.Command(command, ctx);
        var results = Shell != null ? CommandsOf(execs) : execs;
        var worst = results.Max(r => r.Decision.Action);
        AgentShell.Supervisor.Diagnostics.StartupTrace.Mark("decided");
        if (Json) WriteJson(stdout, Shell != null ? results : [results.First(r => r.Decision.Action == worst)], policy, ctx, array: Shell != null);
        else WriteText(stdout, results, policy, ctx);
        return worst switch { PolicyAction.Block => ExitBlock, PolicyAction.Pause => ExitPause, _ => 0 };
    }

    /// <summary>For a shell string: one verdict per command it runs, in order; and the string's own
    /// (that of the <c>sh -c</c> running it) where it says more than they do: a command decided by
    /// what is piped into it, a redirection to /dev/tcp, a command built at run time.</summary>
    internal static IReadOnlyList<CheckedExec> CommandsOf(IReadOnlyList<CheckedExec> execs)
    {
        var whole = execs[0];
        var commands = execs.Skip(1).Select(c => c with { Depth = c.Depth - 1 }).ToList();
        if (commands.Count == 0) return [whole with { Argv = [whole.Argv[^1]] }];
        bool saysMore = whole.Decision.Action != PolicyAction.Allow
            && !commands.Any(c => c.Decision.Action == whole.Decision.Action && c.Decision.RuleId == whole.Decision.RuleId);
        return saysMore ? [.. commands, whole with { Argv = [whole.Argv[^1]] }] : commands;
    }

    // Everything printed goes through the audit log's redactor (DecisionText): a check of a command
    // holding a token prints what the log would record, not the token; a credential is shown by its
    // carrier and the name a profile gives it.
    private static string? Credential(Policy policy, CommandIntent i) =>
        i.Credentials.Count == 0 ? null
            : policy.CredentialOf(i) is { } m ? $"{m.Environment} credential {m.Name}"
            : $"{string.Join(", ", i.Credentials.Select(c => c.Carrier).Distinct())} (no profile lists it)";

    /// <summary>A program a command starts that no parser knows and that is allowed: a shim's or a
    /// wrapper script's own commands (pyenv's python3 shim alone is ~60). Counted, not listed.</summary>
    internal static bool Unremarkable(CheckedExec r) => r.Depth > 0 && r.Decision.Action == PolicyAction.Allow && r.Intents.Count == 0;

    private static void WriteText(TextWriter o, IReadOnlyList<CheckedExec> results, Policy policy, IExecContext ctx)
    {
        foreach (var r in results)
        {
            if (Unremarkable(r)) continue;
            var (intents, d) = (r.Intents, r.Decision);
            o.WriteLine($"{DecisionText.Verdict(d.Action)}  [rule {d.RuleId}]  {(r.Depth > 0 ? "↳ " : "")}{DecisionText.Argv(r.Argv, intents)}");
            if (r.Program != null && r.Program != r.Argv[0]) o.WriteLine($"  runs: {r.Program}");
            if (d.Reason.Length > 0 && d.Action != PolicyAction.Allow) o.WriteLine($"  reason: {DecisionText.Text(d.Reason)}");
            if (d.Action != PolicyAction.Allow && d.Target != null) o.WriteLine($"  environment: {DecisionText.Because(d.Environment, d.MatchedBy)}");
            if (intents.Count == 0) o.WriteLine("  no parser: nothing destructive recognised");
            foreach (var i in intents)
            {
                o.WriteLine($"  {i.Tool}: {i.Effect.Name()}  {DecisionText.Text(i.Summary, i)}{(i.BlockOnly ? "  (read from a script file's text: counts only where refused)" : "")}");
                foreach (var t in i.Targets)
                    o.WriteLine($"    target: {DecisionText.Text(t.ToString(), i)} ({DecisionText.Because(policy.EnvironmentOf(t, ctx), policy.EnvironmentMatch(t, ctx))})");
                if (Credential(policy, i) is string c) o.WriteLine($"    credential: {c}");
                foreach (var e in i.Evidence) o.WriteLine($"    evidence: {DecisionText.Text(e.Token, i)} → {DecisionText.Text(e.Fact, i)}");
            }
        }
        int unremarkable = results.Count(Unremarkable);
        if (unremarkable > 0)
            o.WriteLine($"allow  ↳ {unremarkable} more command(s) it starts that no parser knows (--shell with --json lists each)");
    }

    private static void WriteJson(TextWriter o, IReadOnlyList<CheckedExec> results, Policy policy, IExecContext ctx, bool array)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, AgentShell.Core.Audit.AuditJson.WriterOptions))
        {
            if (array) w.WriteStartArray();
            foreach (var r in results)
            {
                var (intents, d) = (r.Intents, r.Decision);
                w.WriteStartObject();
                w.WriteString("input", DecisionText.Argv(r.Argv, intents));
                w.WriteString("program", r.Program);
                w.WriteBoolean("nested", r.Depth > 0);
                w.WriteString("verdict", DecisionText.Verdict(d.Action));
                w.WriteString("rule", d.RuleId);
                w.WriteString("reason", DecisionText.Text(d.Reason));
                w.WriteString("environment", d.Environment);
                w.WriteString("matched", DecisionText.Entry(d.MatchedBy));
                if (d.Credential != null) w.WriteString("credential", d.Credential);
                w.WriteStartArray("intents");
                foreach (var i in intents)
                {
                    w.WriteStartObject();
                    w.WriteString("tool", i.Tool);
                    w.WriteString("effect", i.Effect.Name());
                    w.WriteString("summary", DecisionText.Text(i.Summary, i));
                    if (i.BlockOnly) w.WriteBoolean("blockOnly", true);
                    if (Credential(policy, i) is string c) w.WriteString("credential", c);
                    w.WriteStartArray("argv");
                    foreach (var a in AgentShell.Core.Audit.Redactor.RedactArgv(i.Argv)) w.WriteStringValue(AgentShell.Core.Audit.Redactor.MaskCarried(a, i.Credentials));
                    w.WriteEndArray();
                    w.WriteStartArray("targets");
                    foreach (var t in i.Targets)
                    {
                        w.WriteStartObject();
                        w.WriteString("kind", t.Kind.ToString());
                        w.WriteString("target", DecisionText.Text(t.ToString(), i));
                        w.WriteString("environment", policy.EnvironmentOf(t, ctx));
                        w.WriteString("matched", DecisionText.Entry(policy.EnvironmentMatch(t, ctx)));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("evidence");
                    foreach (var e in i.Evidence)
                    {
                        w.WriteStartObject();
                        w.WriteString("token", DecisionText.Text(e.Token, i));
                        w.WriteString("fact", DecisionText.Text(e.Fact, i));
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
