using System.Text;
using System.Text.Json;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell check [--profile P]... [--json] -- CMD ARGS` and
/// `agentshell check [--profile P]... [--json] --shell 'STRING'`: classify without running and
/// print what the policy would do. Exit: 0 allow, 3 pause, 4 block, 2 usage or profile error.</summary>
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

    /// <summary>Print JSON (one object; an array of objects for --shell).</summary>
    [Option("json", HelpText = "Print one JSON object (an array, one per command, for --shell).")]
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
        var classifier = new CommandClassifier(policy.Tools);
        var results = new List<(string Input, IReadOnlyList<CommandIntent> Intents, Decision Decision)>();
        if (Shell != null)
        {
            // One verdict per simple command, in source order.
            foreach (var intent in classifier.ClassifyShell(Shell, ctx))
                results.Add((intent.Argv.Count > 0 ? string.Join(' ', intent.Argv) : intent.Summary, [intent], policy.Decide([intent], ctx)));
            if (results.Count == 0) results.Add((Shell, [], Decision.DefaultAllow));
        }
        else
        {
            var intents = classifier.Classify(command, ctx);
            results.Add((string.Join(' ', command), intents, intents.Count == 0 ? Decision.DefaultAllow : policy.Decide(intents, ctx)));
        }
        var worst = results.Select(r => r.Decision.Action).Max();
        if (Json) WriteJson(stdout, results, policy, array: Shell != null);
        else WriteText(stdout, results, policy);
        return worst switch { PolicyAction.Block => ExitBlock, PolicyAction.Pause => ExitPause, _ => 0 };
    }

    private static string Verdict(PolicyAction a) => a switch { PolicyAction.Block => "block", PolicyAction.Pause => "pause", _ => "allow" };

    private static void WriteText(TextWriter o, List<(string Input, IReadOnlyList<CommandIntent> Intents, Decision Decision)> results, Policy policy)
    {
        foreach (var (input, intents, d) in results)
        {
            o.WriteLine($"{Verdict(d.Action)}  [rule {d.RuleId}]  {input}");
            if (d.Reason.Length > 0 && d.Action != PolicyAction.Allow) o.WriteLine($"  reason: {d.Reason}");
            if (intents.Count == 0) o.WriteLine("  no parser: nothing destructive recognised");
            foreach (var i in intents)
            {
                o.WriteLine($"  {i.Tool}: {i.Effect.Name()}  {i.Summary}");
                foreach (var t in i.Targets) o.WriteLine($"    target: {t} ({policy.EnvironmentOf(t)})");
                foreach (var e in i.Evidence) o.WriteLine($"    evidence: {e.Token} → {e.Fact}");
            }
        }
    }

    private static void WriteJson(TextWriter o, List<(string Input, IReadOnlyList<CommandIntent> Intents, Decision Decision)> results, Policy policy, bool array)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (array) w.WriteStartArray();
            foreach (var (input, intents, d) in results)
            {
                w.WriteStartObject();
                w.WriteString("input", input);
                w.WriteString("verdict", Verdict(d.Action));
                w.WriteString("rule", d.RuleId);
                w.WriteString("reason", d.Reason);
                w.WriteString("environment", d.Environment);
                w.WriteStartArray("intents");
                foreach (var i in intents)
                {
                    w.WriteStartObject();
                    w.WriteString("tool", i.Tool);
                    w.WriteString("effect", i.Effect.Name());
                    w.WriteString("summary", i.Summary);
                    w.WriteStartArray("argv");
                    foreach (var a in i.Argv) w.WriteStringValue(a);
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
                        w.WriteString("token", e.Token);
                        w.WriteString("fact", e.Fact);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                if (!array) break;
            }
            if (array) w.WriteEndArray();
        }
        o.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
