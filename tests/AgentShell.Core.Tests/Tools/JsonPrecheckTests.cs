using System.Text;
using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

/// <summary>The pre-check may only say "surely invalid" where System.Text.Json, with the options
/// the body readers use, throws: then skipping the parse changes no answer.</summary>
public class JsonPrecheckTests
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    private static bool ParserThrows(string text)
    {
        try { JsonDocument.Parse(text, Options).Dispose(); return false; }
        catch (JsonException) { return true; }
    }

    // Raw GraphQL and other JSON look-alikes the parser rejects.
    [TestCase("{ me { id } }")]
    [TestCase("{me{id}}")]
    [TestCase("[ { deleteUser(id: 7) } ]")]
    [TestCase("{\"query\": \"mutation { x }\"} trailing")]
    [TestCase("{\"a\": 1}{\"b\": 2}")]
    [TestCase("{'query': 'mutation { x }'}")]
    [TestCase("{\"a\": NaN}")]
    [TestCase("{\"a\": 01}")]
    [TestCase("{\"a\": 1.}")]
    [TestCase("{\"a\": .5}")]
    [TestCase("{\"a\": +1}")]
    [TestCase("{\"a\": -}")]
    [TestCase("{\"a\": 1e}")]
    [TestCase("{\"a\": 1x}")]
    [TestCase("{\"a\": tru}")]
    [TestCase("{\"a\": truex}")]
    [TestCase("{\"a\": \"\\x\"}")]
    [TestCase("{\"a\": \"\\u12G4\"}")]
    [TestCase("{\"query\": \"mutation {\\\n  x\\\n}\"}")] // backslash-newline in a string
    [TestCase("{\"a\": \"\\\u00e9\"}")]
    [TestCase("{\"a\": \"tab\there\"}")]
    [TestCase("{\"a\" 1}")]
    [TestCase("{\"a\": 1,,}")]
    [TestCase("[,]")]
    [TestCase("{,}")]
    [TestCase("[1 2]")]
    [TestCase("{\"a\": [1, 2}")]
    [TestCase("{\"a\": 1")]
    [TestCase("{\"a\": \"unterminated")]
    [TestCase("{")]
    public void SaysInvalidWhereTheParserThrows(string text)
    {
        Assert.Multiple(() =>
        {
            Assert.That(JsonPrecheck.SurelyInvalid(text), Is.True);
            Assert.That(ParserThrows(text), Is.True);
        });
    }

    // Valid JSON, and what the options or the encoding decide: the parser answers.
    [TestCase("{\"query\": \"mutation { x }\", \"variables\": {\"id\": 7}}")]
    [TestCase("  \r\n\t[1, -0.5e+10, 12345678901234567890123456789012345678901234567890, true, false, null, \"\\u00e9\\n\"]")]
    [TestCase("{\"a\": 1, \"a\": 2, \"A\": 3}")] // duplicate keys
    [TestCase("{\"a\": 1,}")] // trailing comma (allowed)
    [TestCase("[1, 2,]")]
    [TestCase("{\"a\": 1 /* c */, // line\n \"b\": 2}")] // comments (skipped)
    [TestCase("{\"a\": 1} // after")]
    [TestCase("{\"a\": 1}/")]
    [TestCase("\uFEFF{\"a\": 1}")] // BOM
    [TestCase("\u00A0{\"a\": 1}")] // a blank JSON does not have
    [TestCase("\v{\"a\": 1}")]
    [TestCase("{\"a\": \"\uD800\"}")] // lone surrogate
    [TestCase("{\"a\": \"\\uD800\"}")]
    [TestCase("{\"a\": 1}\u00A0")]
    [TestCase("{\"é\": \"ü\"}")]
    [TestCase("{\"a\": 1}   \n")]
    public void LeavesTheRestToTheParser(string text)
    {
        Assert.That(JsonPrecheck.SurelyInvalid(text), Is.False);
    }

    [Test]
    public void NestingBeyondTheParsersDepthIsLeftToTheParser()
    {
        string deep(int n) => new string('[', n) + new string(']', n);
        Assert.Multiple(() =>
        {
            Assert.That(JsonPrecheck.SurelyInvalid(deep(64)), Is.False);
            Assert.That(ParserThrows(deep(64)), Is.False);
            Assert.That(JsonPrecheck.SurelyInvalid(deep(65)), Is.False);
            Assert.That(ParserThrows(deep(65)), Is.True);
            Assert.That(JsonPrecheck.SurelyInvalid(deep(10000)), Is.False);
            // A syntax error deeper than the limit is not the pre-check's to report.
            Assert.That(JsonPrecheck.SurelyInvalid(new string('[', 65) + "x"), Is.False);
            Assert.That(JsonPrecheck.SurelyInvalid(new string('[', 60) + "x"), Is.True);
        });
    }

    /// <summary>Mutations of valid bodies (a character inserted, deleted or replaced, from an
    /// alphabet of JSON's own and troublesome characters): wherever the pre-check says invalid, the
    /// parser throws. Seeded, so a failure repeats.</summary>
    [Test]
    public void NeverSaysInvalidWhereTheParserReads()
    {
        string[] seeds =
        [
            "{\"query\": \"mutation { deleteUser(id: 7) }\", \"operationName\": null, \"variables\": {\"id\": 7, \"deleted_at\": \"2024-01-01\"}}",
            "[{\"jsonrpc\": \"2.0\", \"method\": \"drop_table\", \"params\": [1, 2.5e-3, -0, true, false, null]}, {}]",
            "{\"sql\": \"DROP TABLE t\", \"a\": [[[]]], \"b\": {\"c\": {\"d\": \"\\u0071\\\"\\\\\"}}}",
            "{ me { id name } }",
        ];
        const string alphabet = "{}[]:,\"\\\\\\/*'-+.0123456789eEtrufalsnbu \t\r\n\v\u0001\u00A0\u00E9\uFEFF\uD800x#";
        var rng = new Random(20261206);
        int invalid = 0, checkedCases = 0;
        for (int n = 0; n < 60000; n++)
        {
            var sb = new StringBuilder(seeds[rng.Next(seeds.Length)]);
            for (int m = rng.Next(1, 4); m > 0; m--)
            {
                int at = rng.Next(sb.Length + 1);
                char c = alphabet[rng.Next(alphabet.Length)];
                switch (rng.Next(3))
                {
                    case 0: sb.Insert(at, c); break;
                    case 1: if (at < sb.Length) sb.Remove(at, 1); break;
                    default: if (at < sb.Length) sb[at] = c; break;
                }
            }
            var text = sb.ToString();
            if (!JsonPrecheck.SurelyInvalid(text)) continue;
            invalid++;
            checkedCases++;
            if (!ParserThrows(text)) Assert.Fail($"pre-check says invalid, the parser reads it: {text}");
        }
        // The check is not vacuous: most single mutations break JSON.
        Assert.That(invalid, Is.GreaterThan(20000));
        Assert.That(checkedCases, Is.EqualTo(invalid));
    }
}
