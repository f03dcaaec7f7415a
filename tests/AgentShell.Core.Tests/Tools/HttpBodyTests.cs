using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class HttpBodyTests
{
    // Effect and evidence for bodies on both sides of JSON's line; the expectations are those of the
    // reader without the pre-check (JsonPrecheck) and pass against it too.
    [TestCase("{ me { id } }", "read", "raw GraphQL document (application/graphql)")]
    [TestCase("{ deleteUser(id: 7) }", "read", "raw GraphQL document (application/graphql)")]
    [TestCase("[ { deleteUser(id: 7) } ]", "none", "")]
    [TestCase("[ { query { deleteUser(id: 7) } } ]", "unknown", "GraphQL body that is not valid JSON")]
    [TestCase("[1, 2}", "none", "")]
    [TestCase("{\"query\": \"mutation { deleteUser(id: 7) }\"} junk", "unknown", "GraphQL body that is not valid JSON")]
    [TestCase("{\"q\": \"\\x\"}", "unknown", "GraphQL body that is not valid JSON")]
    [TestCase("{\"a\": 1} {\"b\": 2}", "none", "")]
    [TestCase("{\"query\": \"mutation { deleteUser(id: 7) }\",}", "delete", "GraphQL mutation field deleteUser: delete")]
    [TestCase("{\"query\": /* c */ \"mutation { deleteUser(id: 7) }\"}", "delete", "GraphQL mutation field deleteUser: delete")]
    [TestCase("\uFEFF{\"query\": \"mutation { deleteUser(id: 7) }\"}", "none", "")] // not trimmed: read as a form
    [TestCase("{\"query\": \"mutation { deleteUser(id: 7) }\", \"query\": \"{ me { id } }\"}", "delete", "GraphQL mutation field deleteUser: delete")]
    // A description before an operation or a variable (September 2025 spec; graphql-js 17, graphql-java) hid the mutation.
    [TestCase("{\"query\": \"\\\"d\\\" mutation { deleteUser(id: 7) }\"}", "delete", "GraphQL mutation field deleteUser: delete")]
    [TestCase("{\"query\": \"\\\"\\\"\\\"a \\\\\\\"\\\"\\\" b\\\"\\\"\\\" mutation D(\\\"v\\\" $id: ID) { deleteUser(id: $id) }\"}", "delete", "GraphQL mutation field deleteUser: delete")]
    [TestCase("\"d\" mutation { deleteUser(id: 7) }", "delete", "GraphQL mutation field deleteUser: delete")]
    [TestCase("{\"query\": \"\\\"exact phrase\\\" near me\"}", "none", "")]                // a search string stays one
    [TestCase("{\"query\": \"\\\"d\\\" query { me { id } }\"}", "read", "GraphQL query (reads)")]
    public void AnswersAsTheParserDid(string body, string effect, string evidence)
    {
        var found = new List<AgentShell.Core.Model.Evidence>();
        var e = HttpBody.Analyze(body, "tok", found);
        Assert.Multiple(() =>
        {
            Assert.That(e is { } v ? v.Name() : "none", Is.EqualTo(effect));
            Assert.That(string.Join(" | ", found.Select(f => f.ToString())), evidence.Length == 0 ? Is.Empty : Does.Contain(evidence));
        });
    }
}
