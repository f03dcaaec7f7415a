using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Bench;

/// <summary>Every corpus decision written out in full (intents: tool, effect, targets, evidence,
/// summary, argv, credential carriers; the decision: action, rule, reason, explanation,
/// environment, entry, credential, Describe), three times: in the corpus tests' fixture with their
/// policy, in the table row's context (no home) with the shipped default profile, and in that context
/// with variables that name an environment. A hot-path
/// change must leave this output byte for byte the same: `AgentShell.Bench snapshot > before`.</summary>
public sealed class SnapshotBench : IBench
{
    /// <inheritdoc/>
    public string Name => "snapshot";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        var cases = Load();
        var classifier = new CommandClassifier([new AgentShell.Core.Tools.ProfileToolDefinition
        {
            Name = "mycli", Destructive = ["db drop", "nuke *"], TargetFlags = new Dictionary<string, string> { ["--env"] = "environment" },
        }]);
        var fixturePolicy = CorpusFixture.Policy;
        var fixtureCtx = CorpusFixture.Context();
        var plain = AgentShell.Core.Policy.Policy.Load([Path.Combine(AgentShell.Core.Tests.TempProfiles.ShippedDir, "default.json")]);
        var plainClassifier = new CommandClassifier(plain.Tools);
        var plainCtx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin" }, "/tmp");
        // The same with variables that name an environment (EnvVars): one set that does not match
        // its pattern, one that does, so every unknown target takes the second's environment.
        var varsCtx = new LocalExecContext(new Dictionary<string, string>
        {
            ["HOME"] = "/nonexistent-home", ["PATH"] = "/usr/bin:/bin", ["RAILS_ENV"] = "development", ["DOTNET_ENVIRONMENT"] = "Production",
        }, "/tmp");
        var sb = new StringBuilder();
        foreach (var c in cases)
        {
            sb.Append("== ").Append(c.File).Append(':').Append(c.Line).Append(' ').Append(c.Input).Append('\n');
            Dump(sb, "fixture", Classify(classifier, c.Kind, c.Input, fixtureCtx), fixturePolicy, fixtureCtx);
            Dump(sb, "plain", Classify(plainClassifier, c.Kind, c.Input, plainCtx), plain, plainCtx);
            Dump(sb, "vars", Classify(plainClassifier, c.Kind, c.Input, varsCtx), plain, varsCtx);
        }
        Console.Out.Write(sb.ToString().Replace(CorpusFixture.Root, "<fixture>"));
    }

    private sealed record Case(string File, int Line, string Kind, string Input);

    // As CorpusTests loads and runs them (that file needs NUnit): \\n is a literal \n, \n and \t a newline and a tab.
    private static List<Case> Load()
    {
        var r = new List<Case>();
        var dir = Path.Combine(Path.GetDirectoryName(AgentShell.Core.Tests.TempProfiles.ShippedDir)!, "tests", "corpus");
        foreach (var f in Directory.GetFiles(dir, "*.tsv").OrderBy(x => x, StringComparer.Ordinal))
        {
            int n = 0;
            foreach (var line in File.ReadLines(f))
            {
                n++;
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var p = line.Split('\t');
                var input = p[1].Replace("\\\\n", "\u0001").Replace("\\n", "\n").Replace("\\t", "\t").Replace("\u0001", "\\n");
                r.Add(new Case(Path.GetFileName(f), n, p[0], input));
            }
        }
        return r;
    }

    private static IReadOnlyList<CommandIntent> Classify(CommandClassifier classifier, string kind, string input, IExecContext ctx)
    {
        if (kind == "shell") return classifier.ClassifyShell(input, ctx);
        var words = ShellParser.Parse(Encoding.UTF8.GetBytes(input), ctx.GetEnvironmentVariable).Commands[0].Words;
        return classifier.Classify(words, ctx);
    }

    private static void Dump(StringBuilder sb, string what, IReadOnlyList<CommandIntent> intents, AgentShell.Core.Policy.Policy policy, IExecContext ctx)
    {
        foreach (var i in intents)
        {
            sb.Append("  ").Append(what).Append(" intent ").Append(i.Tool).Append(" as=").Append(i.ActsAs).Append(" effect=").Append(i.Effect.Name())
              .Append(" summary=[").Append(i.Summary).Append("] str=[").Append(i.ToString()).Append("]\n");
            sb.Append("    argv=[").Append(string.Join("|", i.Argv)).Append("]\n");
            foreach (var t in i.Targets)
                sb.Append("    target ").Append(t.Kind).Append(' ').Append(t.Scheme).Append(' ').Append(t.Host).Append(' ').Append(t.Port).Append(' ')
                  .Append(t.Path).Append(' ').Append(t.Database).Append(' ').Append(t.Name).Append(' ').Append(t.Region).Append(" = ").Append(t.ToString())
                  .Append(" env=").Append(policy.EnvironmentOf(t, ctx)).Append('\n');
            foreach (var e in i.Evidence) sb.Append("    evidence [").Append(e.Token).Append("] => [").Append(e.Fact).Append("]\n");
            foreach (var cr in i.Credentials) sb.Append("    credential ").Append(cr.Carrier).Append(" match=").Append(policy.CredentialOf(i)?.Name).Append('\n');
        }
        if (intents.Count == 0) { sb.Append("  ").Append(what).Append(" no intent\n"); return; }
        var d = policy.Decide(intents, ctx);
        sb.Append("  ").Append(what).Append(" decision ").Append(d.Action).Append(" rule=").Append(d.RuleId).Append(" env=").Append(d.Environment)
          .Append(" by=").Append(d.MatchedBy?.ToString()).Append(" cred=").Append(d.Credential).Append(" target=").Append(d.Target?.ToString())
          .Append(" intent=").Append(d.Intent?.ToString()).Append('\n');
        sb.Append("    reason=[").Append(d.Reason).Append("]\n    explanation=[").Append(d.Explanation).Append("]\n    describe=[").Append(d.Describe()).Append("]\n");
    }
}
