using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using System.Text;

namespace AgentShell.Core.Tests.Corpus;

/// <summary>Runs tests/corpus/*.tsv: one case a line, tab-separated:
/// <c>kind  input  tool  effect  target  note</c>. kind is <c>argv</c> (input split into words
/// as a shell would, then classified as an exec) or <c>shell</c> (input classified as a shell
/// string). tool/effect are those of the most severe intent (<c>-</c>/<c>none</c> for no intent);
/// target is a substring of one of that intent's targets (<c>-</c>: not checked). An optional
/// seventh column names the credential of <see cref="CorpusFixture.Policy"/> the intent carries
/// (a substring of its name), or <c>none</c> for a command whose secrets no profile lists. An optional
/// eighth column is the decision of <see cref="CorpusFixture.Policy"/> (default.json and the fixture's
/// credentials and repositories, and profiles/github.json): <c>ACTION</c> or <c>ACTION:ENVIRONMENT</c>
/// (<c>block:production</c>, <c>allow:staging</c>), optionally <c>@RULE-ID</c>, for cases whose point is
/// the environment a target is judged in or the rule that catches it.</summary>
public class CorpusTests
{
    public sealed record Case(string File, int Line, string Kind, string Input, string Tool, string Effect, string Target, string Note, string Credential = "-", string Decision = "-")
    {
        public override string ToString() => $"{File}:{Line}";
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var c in Load()) yield return new TestCaseData(c).SetName($"{c.File}:{c.Line} {Trunc(c.Input)}");
    }

    private static string Trunc(string s) => s.Length > 70 ? s[..70] + "…" : s;

    public static string CorpusDir()
    {
        var d = AppContext.BaseDirectory;
        while (d != null && !Directory.Exists(Path.Combine(d, "tests", "corpus"))) d = Path.GetDirectoryName(d);
        return Path.Combine(d ?? throw new DirectoryNotFoundException("tests/corpus"), "tests", "corpus");
    }

    public static List<Case> Load()
    {
        var r = new List<Case>();
        foreach (var f in Directory.GetFiles(CorpusDir(), "*.tsv").OrderBy(x => x))
        {
            int n = 0;
            foreach (var line in File.ReadLines(f))
            {
                n++;
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var p = line.Split('\t');
                if (p.Length < 5) throw new FormatException($"{Path.GetFileName(f)}:{n}: expected at least 5 tab-separated columns");
                r.Add(new Case(Path.GetFileName(f), n, p[0], Unescape(p[1]), p[2], p[3], p[4], p.Length > 5 ? p[5] : "", p.Length > 6 ? p[6] : "-", p.Length > 7 ? p[7] : "-"));
            }
        }
        return r;
    }

    // \n and \t in the input column stand for a newline and a tab; \\n stands for a literal \n.
    private static string Unescape(string s) =>
        s.Replace("\\\\n", "\u0001").Replace("\\n", "\n").Replace("\\t", "\t").Replace("\u0001", "\\n");

    /// <summary>Classifies a case's input the way the corpus says.</summary>
    public static IReadOnlyList<CommandIntent> Run(CommandClassifier classifier, string kind, string input, IExecContext ctx)
    {
        if (kind == "shell") return classifier.ClassifyShell(input, ctx);
        var words = ShellParser.Parse(Encoding.UTF8.GetBytes(input), ctx.GetEnvironmentVariable).Commands[0].Words;
        return classifier.Classify(words, ctx);
    }

    public static CommandIntent? Worst(IReadOnlyList<CommandIntent> intents)
    {
        CommandIntent? w = null;
        foreach (var i in intents) if (w == null || i.Effect > w.Effect) w = i;
        return w;
    }

    [Test]
    public void CorpusHasAtLeast400CasesInEveryIntentFile()
    {
        var cases = Load();
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(400));
        Assert.That(cases.Select(c => c.File).Distinct(), Is.SupersetOf(new[] { "true-positives.tsv", "look-alikes.tsv", "bypasses.tsv", "edge-cases.tsv" }));
    }

    [TestCaseSource(nameof(Cases))]
    public void CaseIsClassifiedAsWritten(Case c)
    {
        var classifier = new CommandClassifier([new AgentShell.Core.Tools.ProfileToolDefinition
        {
            Name = "mycli", Destructive = ["db drop", "nuke *"], TargetFlags = new Dictionary<string, string> { ["--env"] = "environment" },
        }]);
        var ctx = CorpusFixture.Context();
        var intents = Run(classifier, c.Kind, c.Input, ctx);
        var worst = Worst(intents);
        string detail = string.Join("; ", intents.Select(i => $"{i.Tool} {i.Effect.Name()} [{string.Join(", ", i.Targets)}] {i.Summary}"));
        if (c.Effect == "none")
        {
            Assert.That(intents, Is.Empty, $"{c}: expected no intent ({c.Note}); got {detail}");
            return;
        }
        Assert.That(worst, Is.Not.Null, $"{c}: expected {c.Tool} {c.Effect}; got no intent ({c.Note})");
        Assert.Multiple(() =>
        {
            Assert.That(worst!.Effect.Name(), Is.EqualTo(c.Effect), $"{c}: effect ({c.Note}); got {detail}");
            if (c.Tool != "-") Assert.That(worst.Tool, Is.EqualTo(c.Tool), $"{c}: tool; got {detail}");
            if (c.Target != "-")
                Assert.That(worst.Targets.Select(t => t.ToString()), Has.Some.Contains(c.Target), $"{c}: target; got {detail}");
            if (c.Decision != "-")
            {
                var d = CorpusFixture.Policy.Decide(intents, ctx);
                int at = c.Decision.IndexOf('@');
                var parts = (at < 0 ? c.Decision : c.Decision[..at]).Split(':');
                Assert.That(d.Action.ToString().ToLowerInvariant(), Is.EqualTo(parts[0]), $"{c}: decision ({c.Note}); {d.Describe()}");
                if (at >= 0) Assert.That(d.RuleId, Is.EqualTo(c.Decision[(at + 1)..]), $"{c}: rule ({c.Note}); {d.Describe()}");
                // The environment each of the worst intent's targets is judged in (an allow names none).
                if (parts.Length > 1)
                    Assert.That(worst.Targets.Select(t => CorpusFixture.Policy.EnvironmentOf(t, ctx)), Has.Some.EqualTo(parts[1]), $"{c}: environment ({c.Note}); {detail}");
            }
            if (c.Credential != "-")
            {
                var found = CorpusFixture.Policy.CredentialOf(worst)?.Name ?? "none";
                Assert.That(found, c.Credential == "none" ? Is.EqualTo("none") : Does.Contain(c.Credential),
                    $"{c}: credential; carriers {string.Join(", ", worst.Credentials.Select(x => x.Carrier))}");
            }
        });
    }
}
