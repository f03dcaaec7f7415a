using System.Text;
using AgentShell.Supervisor.Wire;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>A request head sent again byte for byte on a keep-alive connection reuses what was
/// made of it (<see cref="HttpHeadMemo"/>); every request is still decided, and only a body-less
/// head is reused. The real handler, decision path and shipped policy (demo profile: 127.0.0.2 is
/// production), with the connection in memory.</summary>
public sealed class HttpHeadMemoTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Test]
    public void ADeleteSentThreeTimesIsRefusedThreeTimes()
    {
        const string delete = "DELETE /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n\r\n";
        var (upstream, client) = Serve(delete + delete + delete, Ok);
        Assert.That(upstream, Is.Empty, "nothing reached the destination");
        Assert.That(Regex(client, "HTTP/1.1 403 "), Is.EqualTo(3), "each repeat was answered 403");
    }

    [Test]
    public void AGetBetweenRefusedDeletesIsForwardedAsItCame()
    {
        const string get = "GET /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n\r\n";
        const string delete = "DELETE /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n\r\n";
        var (upstream, client) = Serve(get + delete + get + get, Ok + Ok + Ok);
        Assert.That(upstream, Is.EqualTo(get + get + get));
        Assert.That(Regex(client, "HTTP/1.1 200 "), Is.EqualTo(3));
        Assert.That(Regex(client, "HTTP/1.1 403 "), Is.EqualTo(1));
    }

    [Test]
    public void AHeadOneByteDifferentIsReadAgain()
    {
        const string a = "GET /a HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n\r\n";
        const string b = "GET /b HTTP/1.1\r\nHost: 127.0.0.2:8080\r\n\r\n";
        var (upstream, _) = Serve(a + b + a, Ok + Ok + Ok);
        Assert.That(upstream, Is.EqualTo(a + b + a), "each forwarded head is the one sent, not the one before it");
    }

    [Test]
    public void TheSameHeadWithAnotherBodyIsDecidedOnThatBody()
    {
        // Same length, so the heads are identical byte for byte: only the body tells them apart.
        string query = "{\"query\":\"query { me { id } }\"}";
        string mutation = "{\"query\":\"mutation { volumeDelete(volumeId: \\\"1\\\") }\"}";
        query = query.Insert(query.Length - 1, new string(' ', mutation.Length - query.Length));
        Assert.That(query.Length, Is.EqualTo(mutation.Length));
        string Post(string body) => $"POST /graphql/v2 HTTP/1.1\r\nHost: 127.0.0.2:8080\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        var (upstream, client) = Serve(Post(query) + Post(mutation) + Post(query), Ok + Ok);
        Assert.That(upstream, Does.Not.Contain("volumeDelete"), "the mutation did not reach the destination");
        Assert.That(Regex(client, "HTTP/1.1 403 "), Is.EqualTo(1), "the mutation was refused");
        Assert.That(Regex(client, "HTTP/1.1 200 "), Is.EqualTo(2), "both queries passed");
    }

    private static (string Upstream, string Client) Serve(string requests, string responses)
    {
        var client = new MemoryStream();
        var upstream = new MemoryStream();
        var s = WireRequestCostTests.Session(WireProtocolName.Http,
            new WireRequestCostTests.Duplex(new MemoryStream(Encoding.Latin1.GetBytes(requests)), client),
            new WireRequestCostTests.Duplex(new MemoryStream(Encoding.Latin1.GetBytes(responses)), upstream));
        new HttpProtocol().Serve(s);
        return (Encoding.Latin1.GetString(upstream.ToArray()), Encoding.Latin1.GetString(client.ToArray()));
    }

    private static int Regex(string text, string what) => System.Text.RegularExpressions.Regex.Count(text, System.Text.RegularExpressions.Regex.Escape(what));
}
