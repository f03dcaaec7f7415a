using System.Text;
using AgentShell.Supervisor.Wire;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>A statement at the wire is covered by an approved psql argv only when the argv spells
/// it as a statement of its own, not when its text merely occurs there.</summary>
[TestFixture]
public sealed class ExecApprovalsTests
{
    [TestCase("DROP TABLE customers", "DROP TABLE customers")]
    [TestCase("DROP TABLE customers;", "DROP TABLE customers")]
    [TestCase("SELECT 1; DROP TABLE customers; SELECT 2", "DROP TABLE customers")]
    [TestCase("  DROP TABLE customers ;\n", "DROP TABLE customers")]
    public void AStatementTheArgvSpellsIsCovered(string arg, string sql) => Assert.That(ExecApprovals.Spells(arg, sql), Is.True);

    [TestCase("DROP TABLE customers_old", "DROP TABLE customers")]
    [TestCase("DELETE FROM t WHERE id = 10", "DELETE FROM t WHERE id = 1")]
    [TestCase("DELETE FROM t WHERE id = 1 AND day = 2", "DELETE FROM t WHERE id = 1")]
    [TestCase("SELECT 1 -- DROP TABLE customers", "DROP TABLE customers")]
    [TestCase("INSERT INTO notes VALUES ('x; DROP TABLE customers')", "DROP TABLE customers")]
    public void TextThatOnlyOccursInTheArgvIsNot(string arg, string sql) => Assert.That(ExecApprovals.Spells(arg, sql), Is.False);

    /// <summary>The key the relay gives a request (HttpIntent.Build), so the format cannot drift.</summary>
    private static string? Key(string method, string target, string body = "")
    {
        string head = $"{method} {target} HTTP/1.1\r\nHost: 127.0.0.2\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n";
        var data = Encoding.UTF8.GetBytes(body);
        return HttpIntent.Build(HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head)), new RequestBody { Data = data, Length = data.Length, Complete = true }, false, "127.0.0.2:80").Key;
    }

    [TestCase("POST", "/volumes", "name=v", new[] { "curl", "-X", "POST", "http://127.0.0.2/volumes", "-d", "name=v" })]
    [TestCase("POST", "/volumes", "name=v", new[] { "curl", "http://127.0.0.2/volumes", "-dname=v" })]
    [TestCase("POST", "/graphql", "{\"query\":\"mutation { a }\"}", new[] { "curl", "http://127.0.0.2/graphql", "--json={\"query\":\"mutation { a }\"}" })]
    [TestCase("DELETE", "/volumes/3", "", new[] { "curl", "-X", "DELETE", "http://127.0.0.2/volumes/3" })]
    [TestCase("DELETE", "/volumes/3?force=1", "", new[] { "curl", "-XDELETE", "http://127.0.0.2/volumes/3?force=1" })]
    [TestCase("PUT", "/volumes/3", "size=2", new[] { "curl", "--request=PUT", "http://127.0.0.2/volumes/3", "--data-raw=size=2" })]
    public void ARequestTheArgvSpellsIsCovered(string method, string target, string body, string[] argv) =>
        Assert.That(ExecApprovals.SpellsRequest(argv, Key(method, target, body)), Is.True);

    [TestCase("POST", "/volumes", "name=evil", new[] { "curl", "-X", "POST", "http://127.0.0.2/volumes", "-d", "@body" }, TestName = "ABodyFromAFileIsNot")]
    [TestCase("POST", "/volumes", "name=v&x=1", new[] { "curl", "-X", "POST", "http://127.0.0.2/volumes", "-d", "name=v" }, TestName = "ABodyWithMoreThanTheArgvSaysIsNot")]
    [TestCase("DELETE", "/volumes/3?all=1", "", new[] { "curl", "-X", "DELETE", "http://127.0.0.2/volumes/3" }, TestName = "AQueryTheArgvDoesNotSpellIsNot")]
    [TestCase("DELETE", "/volumes/3", "", new[] { "curl", "-X", "PUT", "http://127.0.0.2/volumes/3" }, TestName = "AMethodTheArgvDoesNotSpellIsNot")]
    public void ARequestTheArgvDoesNotSpellIsNot(string method, string target, string body, string[] argv) =>
        Assert.That(ExecApprovals.SpellsRequest(argv, Key(method, target, body)), Is.False);
}
