using System.Diagnostics;
using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Classification;

/// <summary>Seeded randomized inputs: the classifier never throws, never takes long, and never
/// calls a string harmless when a known destructive production command sits in it as a command of
/// its own (at worst it says unknown because the noise around it is malformed).</summary>
public class FuzzTests
{
    private static readonly string[] Destructive =
    [
        "psql -h db.prod.example.com -c 'DROP TABLE users'",
        "kubectl --context prod-us delete ns payments",
        "redis-cli -h cache.prod.example.com FLUSHALL",
        "curl -X DELETE https://api.prod.example.com/v1/volumes/1",
        "curl https://backboard.railway.app/graphql/v2 -d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"v\\\") }\"}'",
        "aws rds delete-db-instance --db-instance-identifier main --profile prod",
        "terraform destroy -auto-approve",
        "mongosh mongodb://db.prod.example.com/app --eval 'db.dropDatabase()'",
        "mysql -h db.prod.example.com -e 'TRUNCATE orders'",
        "gcloud sql instances delete prod-db --project acme-prod",
    ];

    // Well-formed shell noise: harmless commands with quotes, substitutions, here-docs and comments.
    private static readonly string[] Noise =
    [
        "ls -la", "echo 'a b; c'", "echo \"x $(date) y\"", "cat <<'EOF'\nDROP TABLE x\nEOF\n", "git status", "# comment ; rm -rf /\n",
        "x=$((1+2))", "grep -r delete src | head", "if true; then echo ok; fi", "for i in 1 2 3; do echo $i; done", "(cd /tmp && ls)",
        "{ echo a; echo b; }", "echo `whoami`", "npm test", "printf '%s\\n' 'TRUNCATE t'", "echo $'\\x41'", "A=1 B=2 env", "[[ -f x ]] && ls",
    ];

    private const string Meta = "'\"`$(){}[];&|<>\\#\n =-*~!";

    private static readonly string[] Separators = ["; ", "\n", " && ", " || true; ", " & "];

    private static CommandClassifier Classifier => new();

    private static IReadOnlyList<CommandIntent> Run(string s, IExecContext ctx) => Classifier.ClassifyShell(s, ctx);

    [Test]
    public void RandomBytesNeverThrowAndStayBounded()
    {
        var rnd = new Random(20261124);
        var ctx = CorpusFixture.Context();
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < 5000; n++)
        {
            var bytes = new byte[rnd.Next(0, 300)];
            rnd.NextBytes(bytes);
            // Bias toward shell metacharacters so the lexer's paths are all exercised.
            for (int i = 0; i < bytes.Length; i++)
                if (rnd.Next(3) == 0) bytes[i] = (byte)Meta[rnd.Next(Meta.Length)];
            Assert.DoesNotThrow(() => Classifier.ClassifyShell(bytes, ctx), $"input #{n}: {Convert.ToBase64String(bytes)}");
        }
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "5000 random inputs took too long");
    }

    [Test]
    public void RandomArgvNeverThrows()
    {
        var rnd = new Random(7);
        var ctx = CorpusFixture.Context();
        string[] heads = ["curl", "psql", "mysql", "redis-cli", "mongosh", "aws", "gcloud", "az", "kubectl", "helm", "terraform", "rm", "find",
            "sudo", "env", "xargs", "bash", "timeout", "git", "http", "wget", "sqlite3", "pg_restore", "railway", "fly", "heroku", "gh", "prisma", "rails"];
        string[] parts = ["-c", "-X", "DELETE", "-d", "@-", "--json", "-h", "-e", "--", "-", "=", "--context", "delete", "ns", "-rf", "/",
            "{\"query\":\"mutation {", "'", "\"", "$(", "-u", "env", "sh", "-S", "push", "--force", "drop", "db:drop", "-f", "x=y", "@missing"];
        for (int n = 0; n < 5000; n++)
        {
            var argv = new List<string> { heads[rnd.Next(heads.Length)] };
            int len = rnd.Next(0, 12);
            for (int i = 0; i < len; i++) argv.Add(rnd.Next(4) == 0 ? RandomString(rnd) : parts[rnd.Next(parts.Length)]);
            Assert.DoesNotThrow(() => Classifier.Classify(argv, ctx), string.Join(" ", argv));
        }
    }

    [Test]
    public void DestructiveCommandInWellFormedNoiseIsAlwaysDestructive()
    {
        var rnd = new Random(42);
        var ctx = CorpusFixture.Context();
        for (int n = 0; n < 3000; n++)
        {
            var cmd = Destructive[rnd.Next(Destructive.Length)];
            var sb = new StringBuilder();
            for (int i = rnd.Next(0, 5); i > 0; i--) sb.Append(Noise[rnd.Next(Noise.Length)]).Append(Separators[rnd.Next(Separators.Length)]);
            sb.Append(Wrap(rnd, cmd));
            for (int i = rnd.Next(0, 5); i > 0; i--) sb.Append(Separators[rnd.Next(Separators.Length)]).Append(Noise[rnd.Next(Noise.Length)]);
            var input = sb.ToString();
            var worst = CorpusTests.Worst(Run(input, ctx));
            Assert.That(worst?.Effect.IsDestructive(), Is.True, $"#{n}: {input}\n→ {worst?.Tool} {worst?.Effect.Name()}");
        }
    }

    [Test]
    public void DestructiveCommandBetweenLinesOfRandomGarbageIsDestructiveOrUnknown()
    {
        var rnd = new Random(99);
        var ctx = CorpusFixture.Context();
        for (int n = 0; n < 3000; n++)
        {
            var cmd = Destructive[rnd.Next(Destructive.Length)];
            // Garbage that cannot open a quote, substitution or here-doc around the command (those
            // would make it data, as bash would) but may be any other operator soup.
            var input = RandomString(rnd, Unquoting) + "\n" + cmd + "\n" + RandomString(rnd, Unquoting);
            var intents = Run(input, ctx);
            var worst = CorpusTests.Worst(intents);
            bool failClosed = worst != null && (worst.Effect.IsDestructive() || intents.Any(i => i.Effect == Effect.Unknown));
            Assert.That(failClosed, Is.True, $"#{n}: {input}\n→ {worst?.Tool} {worst?.Effect.Name()}");
        }
    }

    [Test]
    public void QuickPathNeverSkipsAStringTheFullParseFindsSomethingIn()
    {
        var rnd = new Random(5);
        var ctx = CorpusFixture.Context();
        var quick = new CommandClassifier();
        var full = new CommandClassifier { FullParseOnly = true };
        var inputs = CorpusTests.Load().Where(c => c.Kind == "shell").Select(c => c.Input).ToList();
        for (int n = 0; n < 3000; n++)
        {
            var sb = new StringBuilder();
            for (int i = rnd.Next(1, 6); i > 0; i--)
            {
                sb.Append(rnd.Next(3) switch { 0 => Noise[rnd.Next(Noise.Length)], 1 => Destructive[rnd.Next(Destructive.Length)], _ => RandomString(rnd) });
                sb.Append(Separators[rnd.Next(Separators.Length)]);
            }
            inputs.Add(sb.ToString());
        }
        foreach (var input in inputs)
        {
            var expected = full.ClassifyShell(input, ctx);
            if (expected.Count == 0) continue;
            Assert.That(quick.ClassifyShell(input, ctx), Has.Count.EqualTo(expected.Count), input);
        }
    }

    [TestCase("$(", 100_000)]
    [TestCase("\"$(", 100_000)]
    [TestCase("${x:-$(", 50_000)]
    [TestCase("(", 200_000)]
    [TestCase("`", 100_001)]
    [TestCase("'", 100_001)]
    [TestCase("<<a ", 50_000)]
    [TestCase("a|", 100_000)]
    public void DeepOrUnbalancedNestingIsBounded(string unit, int repeat)
    {
        var input = new StringBuilder().Insert(0, unit, repeat).Append(" rm -rf /").ToString();
        var sw = Stopwatch.StartNew();
        IReadOnlyList<CommandIntent>? r = null;
        Assert.DoesNotThrow(() => r = Run(input, CorpusFixture.Context()));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), $"{unit} x {repeat}");
        Assert.That(r, Is.Not.Null);
    }

    [Test]
    public void OneMiBStringIsClassifiedInBoundedTime()
    {
        var rnd = new Random(1);
        var sb = new StringBuilder(1 << 20);
        while (sb.Length < 1 << 20) sb.Append(Noise[rnd.Next(Noise.Length)]).Append(Separators[rnd.Next(Separators.Length)]);
        sb.Append(Destructive[0]);
        var sw = Stopwatch.StartNew();
        var worst = CorpusTests.Worst(Run(sb.ToString(), CorpusFixture.Context()));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        Assert.That(worst?.Effect.IsDestructive(), Is.True);
    }

    [Test]
    public void OneMiBSQLArgumentIsBounded()
    {
        var sql = new StringBuilder().Insert(0, "(DELETE FROM t ", 70_000).ToString();
        var sw = Stopwatch.StartNew();
        var r = Classifier.Classify(["psql", "-h", "db.prod.example.com", "-c", sql], CorpusFixture.Context());
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(r[0].Effect, Is.GreaterThanOrEqualTo(Effect.Unknown));
    }

    [Test]
    public void InvalidUtf8NeverThrows()
    {
        byte[] bad = [0xff, 0xfe, (byte)' ', 0xc3, 0x28, (byte)';', (byte)' ', .. "rm -rf /"u8, (byte)' ', 0xed, 0xa0, 0x80];
        var worst = CorpusTests.Worst(Classifier.ClassifyShell(bad, CorpusFixture.Context()));
        Assert.That(worst?.Effect, Is.EqualTo(Effect.Wipe));
        var argv = new Argv([0x63, 0x75, 0x72, 0x6c, 0xff, 0xfe], [0, 4, 4, 2], 2);
        Assert.DoesNotThrow(() => Classifier.Classify([], argv, CorpusFixture.Context()));
    }

    private static string Wrap(Random rnd, string cmd) => rnd.Next(8) switch
    {
        0 => "sudo " + cmd,
        1 => "timeout 30 " + cmd,
        2 => "bash -c \"" + cmd.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$").Replace("`", "\\`") + "\"",
        3 => "echo $(" + cmd + ")",
        4 => "if true; then " + cmd + "; fi",
        5 => "env FOO=1 " + cmd,
        _ => cmd,
    };

    private const string Unquoting = "abcXYZ019 -_=./[];&|>#*~!\t,:@%^+";

    private static string RandomString(Random rnd, string alphabet = "abcXYZ019 -_=./'\"`$(){}[];&|<>\\#*~!\t")
    {
        var c = new char[rnd.Next(0, 40)];
        for (int i = 0; i < c.Length; i++) c[i] = alphabet[rnd.Next(alphabet.Length)];
        return new string(c);
    }
}
