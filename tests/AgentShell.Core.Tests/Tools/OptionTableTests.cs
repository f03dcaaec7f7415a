using System.Diagnostics;
using System.Text.RegularExpressions;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>Generated from every parser's option table: each documented long option, in every
/// spelling its tool accepts (unique prefixes, any letter case, <c>--no-</c>), is read as that
/// option, and the parser classifies the command exactly as with the canonical spelling; a
/// prefix of several options is ambiguous; and where the tool is installed, its own help lists
/// no option the table lacks or gives a different arity.</summary>
public class OptionTableTests
{
    /// <summary>One tool: its table, an argv around one option (with its value, when it takes
    /// one), and how to list its options from its own help.</summary>
    public sealed record Grammar(string Tool, OptionTable Table, Func<string[], string[]> Argv, string[]? Help = null, Regex? HelpLine = null,
        string[]? HelpIsWrong = null, OptionTable? ReadFirstBy = null)
    {
        public override string ToString() => Tool;
    }

    public static IEnumerable<Grammar> Grammars()
    {
        yield return new("curl", Curl.Options, o => ["curl", .. o, "https://api.prod.example.com/v1/x"],
            ["curl", "--help", "all"], new Regex(@"^\s*(?:-(?<s>\S), )?--(?<l>[a-z0-9.-]+)(?<a> <[^>]+>| \[protocol)?"));
        yield return new("wget", Wget.Options, o => ["wget", .. o, "https://api.prod.example.com/v1/x"],
            ["wget", "--help"], new Regex(@"^\s+(?:-(?<s>\S+),\s+)?--(?<l>[a-z0-9-]+)(?<a>=)?"),
            // wget takes a value for both (checked against a loopback server: `--max-redirect 0 URL` fetches URL once).
            HelpIsWrong: ["max-redirect", "hsts-file"]);
        yield return new("psql", Psql.Options, o => ["psql", "-h", "db.prod.example.com", .. o, "-c", "DROP TABLE t"],
            ["psql", "--help"], new Regex(@"^\s+(?:-(?<s>\S)(?: \(""one""\))?, )?--(?<l>[a-z0-9-]+)(?<a>=|\[=)?"));
        var pgHelp = new Regex(@"^\s+(?:-(?<s>\S), )?--(?<l>[a-z0-9-]+)(?<a>=)?");
        yield return new("pg_restore", PostgresTools.PgRestoreOptions, o => ["pg_restore", "-h", "db.prod.example.com", "-d", "app", .. o, "dump.pgc"], ["pg_restore", "--help"], pgHelp);
        yield return new("mysql", Mysql.Options, o => ["mysql", "-h", "db.prod.example.com", .. o, "-e", "DROP TABLE t"]);
        yield return new("mysqladmin", Mysql.AdminOptions, o => ["mysqladmin", "-h", "db.prod.example.com", .. o, "drop", "app"]);
        yield return new("redis-cli", RedisCli.Options, o => ["redis-cli", "-h", "cache.prod.example.com", .. o, "FLUSHALL"]);
        yield return new("mongosh", Mongosh.Options, o => ["mongosh", "mongodb://db.prod.example.com/app", .. o, "--eval", "db.users.find()"]);
        yield return new("http", Httpie.Options, o => ["http", .. o, "DELETE", "https://api.prod.example.com/v1/x"]);
        yield return new("kubectl", Kubectl.Options, o => ["kubectl", "--context", "prod-eu", .. o, "delete", "pod", "api-0"],
            ["kubectl", "options"], new Regex(@"^\s+(?:-(?<s>\w), )?--(?<l>[a-z0-9-]+)(?<a>=(?!(?:false|true):))?"));
        yield return new("helm", Helm.Options, o => ["helm", "--kube-context", "prod-eu", .. o, "uninstall", "api"]);
        yield return new("terraform", Terraform.Options, o => ["terraform", .. o, "destroy"],
            ["terraform", "apply", "-help"], new Regex(@"^  -(?<l>[a-z][a-z0-9-]*)(?:(?<a>=(?!(?:true|false)\b)\S|\s'))?"));
        yield return new("aws", Aws.Options, o => ["aws", "--profile", "prod", .. o, "rds", "delete-db-instance", "--db-instance-identifier", "main"]);
        // aws reads its own options first (a prefix of --profile is --profile, wherever it is).
        yield return new("aws s3", Aws.S3Options, o => ["aws", "--profile", "prod", "s3", "rm", "s3://bucket/", .. o], ReadFirstBy: Aws.Options);
        yield return new("gcloud", Gcloud.Options, o => ["gcloud", "--project", "prod", .. o, "sql", "instances", "delete", "main"]);
        yield return new("az", Az.Options, o => ["az", "--subscription", "prod", .. o, "group", "delete", "-n", "rg"]);
        yield return new("dropdb", PostgresTools.DropDbOptions, o => ["dropdb", "-h", "db.prod.example.com", .. o, "app"], ["dropdb", "--help"], pgHelp);
    }

    private static IEnumerable<(OptionSpec Spec, string Spelling)> Spellings(OptionTable table)
    {
        foreach (var spec in table.Options)
        {
            foreach (var name in spec.Longs)
            {
                yield return (spec, name);
                if (table.Has(OptionRules.IgnoreCase)) { yield return (spec, name.ToUpperInvariant()); yield return (spec, Mixed(name)); }
                if (!table.Has(OptionRules.Abbreviations)) continue;
                for (int n = 1; n < name.Length; n++)
                {
                    var prefix = name[..n];
                    var c = Candidates(table, prefix);
                    if (c.Count == 1 && c.Contains(spec)) yield return (spec, table.Has(OptionRules.IgnoreCase) ? Mixed(prefix) : prefix);
                }
            }
        }
    }

    private static IReadOnlyList<string> Negations(OptionTable table) => table.Has(OptionRules.NoPrefix) ? table.NegationPrefixes : [];

    private static IEnumerable<OptionSpec> Negatable(OptionTable table) =>
        table.Options.Where(o => o.Arity == OptionArity.None || table.Has(OptionRules.NegateValued));

    private static string Mixed(string s) => string.Concat(s.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));

    // The oracle: which options have a long name starting with the prefix (or equal to it); with
    // --no- forms, every flag also has the name no-NAME. (wget gives no- forms to its boolean
    // options only, so `--no-v` is --no-verbose to wget and ambiguous here, with --version: the
    // table errs towards unknown.)
    private static HashSet<OptionSpec> Candidates(OptionTable table, string prefix)
    {
        var cmp = table.Has(OptionRules.IgnoreCase) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var names = table.Options.SelectMany(o => o.Longs.Select(l => (Name: l, Spec: o)));
        foreach (var neg in Negations(table))
        {
            if (prefix.Length > neg.Length && prefix.StartsWith(neg, cmp))
                names = names.Concat(Negatable(table).SelectMany(o => o.Longs.Select(l => (Name: neg + l, Spec: o))));
        }
        var all = names.ToList();
        if (table.Has(OptionRules.PrefixesLast))
        {
            var real = table.Options.SelectMany(o => o.Longs.Select(l => (Name: l, Spec: o))).ToList();
            var realExact = real.Where(n => string.Equals(n.Name, prefix, cmp)).Select(n => n.Spec).ToHashSet();
            if (realExact.Count > 0) return realExact;
            var realPrefix = real.Where(n => n.Name.StartsWith(prefix, cmp)).Select(n => n.Spec).ToHashSet();
            if (realPrefix.Count > 0) return realPrefix;
        }
        var exact = all.Where(n => string.Equals(n.Name, prefix, cmp)).Select(n => n.Spec).ToHashSet();
        return exact.Count > 0 ? exact : all.Where(n => n.Name.StartsWith(prefix, cmp)).Select(n => n.Spec).ToHashSet();
    }

    [TestCaseSource(nameof(Grammars))]
    public void EverySpellingTheToolAcceptsIsReadAsItsOption(Grammar g)
    {
        var wrong = new List<string>();
        foreach (var (spec, spelling) in Spellings(g.Table))
        {
            var r = new OptionReader(g.Table, ["--" + spelling, "v"]);
            if (!r.Next(out var t) || t.Kind != OptionTokenKind.Option || !ReferenceEquals(t.Spec, spec)) wrong.Add($"--{spelling} → {t.Kind} {t.Spec}");
            // --no-SPELLING negates the flag, unless it spells (or abbreviates) another option.
            foreach (var neg in Negations(g.Table))
            {
                if (!Negatable(g.Table).Contains(spec) || Candidates(g.Table, neg + spelling) is not { Count: 1 } only || !only.Contains(spec)
                    || g.Table.Options.Any(o => o.Longs.Any(l => string.Equals(l, neg + spelling, StringComparison.OrdinalIgnoreCase)))) continue;
                var n = new OptionReader(g.Table, ["--" + neg + spelling]);
                if (!n.Next(out var nt) || !ReferenceEquals(nt.Spec, spec) || !nt.Negated) wrong.Add($"--{neg}{spelling} → {nt.Kind} {nt.Spec}");
            }
        }
        Assert.That(wrong, Is.Empty, $"{g.Tool}: spellings read as something else");
    }

    /// <summary>The grammars whose tools accept a unique prefix of a long option (getopt_long, curl).</summary>
    public static IEnumerable<Grammar> AbbreviatingGrammars() => Grammars().Where(g => g.Table.Has(OptionRules.Abbreviations));

    /// <summary>The grammars with a help text to compare the table against.</summary>
    public static IEnumerable<Grammar> GrammarsWithHelp() => Grammars().Where(g => g.Help != null);

    [Test]
    public void ToolsWithoutAbbreviationsTakeNoPrefix()
    {
        // pflag and Go's flag package (kubectl, helm, terraform, gcloud's argparse without
        // allow_abbrev, redis-cli): a prefix is no option at all, never one of several.
        var strict = Grammars().Where(g => !g.Table.Has(OptionRules.Abbreviations)).ToList();
        Assert.That(strict, Is.Not.Empty);
        var wrong = new List<string>();
        foreach (var g in strict)
            foreach (var l in g.Table.Options.SelectMany(o => o.Longs).Where(l => l.Length > 2))
            {
                var prefix = l[..^1];
                if (g.Table.Options.Any(o => o.Longs.Contains(prefix))) continue;
                var r = new OptionReader(g.Table, ["--" + prefix]);
                if (r.Next(out var t) && t.Spec != null) wrong.Add($"{g.Tool}: --{prefix} read as {t.Spec}");
            }
        Assert.That(wrong, Is.Empty);
    }

    [TestCaseSource(nameof(AbbreviatingGrammars))]
    public void APrefixOfSeveralOptionsIsAmbiguousAndUnknown(Grammar g)
    {
        var prefixes = g.Table.Options.SelectMany(o => o.Longs).SelectMany(l => Enumerable.Range(1, l.Length - 1).Select(n => l[..n]))
            .Distinct().Where(p => Candidates(g.Table, p).Count > 1).ToList();
        Assert.That(prefixes, Is.Not.Empty);
        var classifier = new CommandClassifier();
        var wrong = new List<string>();
        foreach (var p in prefixes)
        {
            var r = new OptionReader(g.Table, ["--" + p]);
            if (!r.Next(out var t) || t.Kind != OptionTokenKind.Ambiguous) wrong.Add($"--{p} → {t.Kind}");
        }
        // The parser makes the effect unknown (the tool refuses the command line).
        var sample = prefixes[prefixes.Count / 2];
        var intents = classifier.Classify(g.Argv(["--" + sample, "v"]), CorpusFixture.Context());
        Assert.Multiple(() =>
        {
            Assert.That(wrong, Is.Empty);
            Assert.That(CorpusTests.Worst(intents)?.Effect, Is.GreaterThanOrEqualTo(Effect.Unknown), $"--{sample}");
        });
    }

    [TestCaseSource(nameof(Grammars))]
    public void TheParserClassifiesEverySpellingAsTheCanonicalOne(Grammar g)
    {
        var classifier = new CommandClassifier();
        var ctx = CorpusFixture.Context();
        var wrong = new List<string>();
        foreach (var (spec, spelling) in Spellings(g.Table))
        {
            bool amb = false;
            if (g.ReadFirstBy != null && (g.ReadFirstBy.Long(spelling, out _, out amb) != null || amb)) continue;
            string[] Args(string name) => spec.Arity == OptionArity.Required ? [name, "v1"] : [name];
            var expected = Describe(classifier.Classify(g.Argv(Args(spec.Name)), ctx));
            var actual = Describe(classifier.Classify(g.Argv(Args("--" + spelling)), ctx));
            if (expected != actual) wrong.Add($"--{spelling}: {actual} (as {spec.Name}: {expected})");
        }
        Assert.That(wrong, Is.Empty);
    }

    private static string Describe(IReadOnlyList<CommandIntent> intents) =>
        string.Join("; ", intents.Select(i => $"{i.Tool} {i.Effect.Name()} [{string.Join(", ", i.Targets)}] {i.Summary}"));

    [TestCaseSource(nameof(GrammarsWithHelp))]
    public void TheInstalledToolListsNoOptionTheTableLacks(Grammar g)
    {
        string help;
        try
        {
            var psi = new ProcessStartInfo(g.Help![0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in g.Help!.Skip(1)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            help = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"{g.Tool} is not installed");
            return;
        }
        var wrong = new List<string>();
        int seen = 0;
        foreach (var line in help.Split('\n'))
        {
            var m = g.HelpLine!.Match(line);
            if (!m.Success) continue;
            seen++;
            var name = m.Groups["l"].Value;
            var spec = g.Table.Long(name, out _, out _);
            bool takesValue = m.Groups["a"].Success && m.Groups["a"].Value.Trim().Length > 0;
            if (spec == null) wrong.Add($"--{name} missing");
            else if ((spec.Arity != OptionArity.None) != takesValue && g.HelpIsWrong?.Contains(name) != true) wrong.Add($"--{name}: table says {spec.Arity}, help says {(takesValue ? "a value" : "none")}");
            if (m.Groups["s"].Success && m.Groups["s"].Length == 1 && g.Table.Short(m.Groups["s"].Value[0]) is var s && !ReferenceEquals(s, spec)) wrong.Add($"-{m.Groups["s"].Value} is not --{name}");
        }
        Assert.That(seen, Is.GreaterThan(10), $"{g.Tool}: help not understood");
        Assert.That(wrong, Is.Empty, $"{g.Tool}: the table disagrees with `{string.Join(' ', g.Help)}`");
    }
}
