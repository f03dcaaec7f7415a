using System.Text;
using AgentShell.Core.Credentials;
using AgentShell.Core.Policy;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The credential an HTTP request carries at the wire (issue 14): every carrier the argv
/// parsers know (auth headers, Basic, URL userinfo, a query token) and any header or cookie value,
/// matched by fingerprint; a look-alike matches nothing; a secret in the URL is never shown.</summary>
[TestFixture]
public sealed class HttpCredentialsTests
{
    private const string Token = "wire-prod-token-9a8b7c6d5e4f";
    private string _dir = null!;
    private CredentialTable _table = null!;

    [OneTimeSetUp]
    public void LoadProfile()
    {
        _dir = Directory.CreateTempSubdirectory("agentshell-wire-cred-").FullName;
        string profile = Path.Combine(_dir, "p.json");
        File.WriteAllText(profile, """{"Environments": {"production": {"Credentials": [{"Name": "wire-root", "Sha256": "FP"}]}}}""".Replace("FP", CredentialTable.Fingerprint(Token)));
        _table = Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json"), profile]).Credentials;
    }

    [OneTimeTearDown]
    public void Drop() => Directory.Delete(_dir, true);

    private WireRequestView Build(string target, string headers)
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"DELETE {target} HTTP/1.1\r\nHost: api.prod.example.com\r\n{headers}\r\n"));
        var r = HttpIntent.Build(h, new RequestBody(), tls: true, "10.0.0.5:443", _table);
        return new WireRequestView(r.Credential?.Name, r.Credential?.Environment, r.Shown, string.Join(" ", r.Intent.Evidence.Select(e => e.Token + " " + e.Fact)));
    }

    private sealed record WireRequestView(string? Name, string? Environment, string Shown, string Evidence);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [TestCase("Authorization: Bearer " + Token)]
    [TestCase("Authorization: bearer   " + Token)]
    [TestCase("Authorization: Token " + Token)]
    [TestCase("X-Api-Key: " + Token)]
    [TestCase("Project-Access-Token: " + Token)]
    [TestCase("Team-Access-Token: " + Token)]
    [TestCase("PRIVATE-TOKEN: " + Token)]
    [TestCase("X-Railway-Token: " + Token)]
    [TestCase("Cookie: theme=dark; session=" + Token)]
    public void AHeaderCarryingTheTokenMakesTheRequestItsCredentials(string header)
    {
        var v = Build("/v1/volumes/1", header + "\r\n");
        Assert.That((v.Name, v.Environment), Is.EqualTo(("wire-root", "production")));
        Assert.That(v.Shown + v.Evidence, Does.Not.Contain(Token));
    }

    [TestCase("deploy:" + Token)]
    [TestCase(Token + ":x-oauth-basic")]
    public void BasicAuthCarryingTheTokenAsPasswordOrUserIsSeen(string userPass)
    {
        Assert.That(Build("/v1/volumes/1", $"Authorization: Basic {B64(userPass)}\r\n").Name, Is.EqualTo("wire-root"));
    }

    [TestCase("/v1/volumes/1?private_token=" + Token)]
    [TestCase("/v1/volumes/1?a=1&access_token=" + Token + "&b=2")]
    [TestCase("/v1/volumes/1?token=wire%2Dprod%2Dtoken%2D9a8b7c6d5e4f")]
    [TestCase("https://deploy:" + Token + "@api.prod.example.com/v1/volumes/1")]
    public void TheTokenInTheUrlIsSeenAndNeverShown(string target)
    {
        var v = Build(target, "");
        Assert.That(v.Name, Is.EqualTo("wire-root"));
        Assert.That(v.Shown, Does.StartWith("DELETE https://").And.Contain("***"));
        Assert.That(v.Shown + v.Evidence, Does.Not.Contain(Token).And.Not.Contain("wire%2Dprod"));
    }

    [TestCase("Authorization: Bearer " + Token + "0")]
    [TestCase("Authorization: Bearer wire-prod-token-9a8b7c6d5e4")]
    [TestCase("Authorization: Bearer " + Token + " extra")]
    [TestCase("X-Api-Key: x" + Token)]
    [TestCase("X-Wire-Prod-Token-9a8b7c6d5e4f: yes")]
    public void ALookAlikeTokenIsNobodys(string header)
    {
        Assert.That(Build("/v1/volumes/1?q=" + Token[..^1], header + "\r\n").Name, Is.Null);
    }

    [Test]
    public void WithoutListedCredentialsNoRequestHasOne()
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"GET /?token={Token} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {Token}\r\n\r\n"));
        Assert.That(HttpIntent.Build(h, new RequestBody(), tls: false, "10.0.0.5:80", CredentialTable.Empty).Credential, Is.Null);
    }

    // corpus19: a secret field of the request body, as the argv scan reads curl's -d.
    [TestCase("application/json", "{\"volumeId\": \"v1\", \"auth\": {\"apiKey\": \"" + Token + "\"}}", "wire-root")]
    [TestCase("application/x-www-form-urlencoded", "user=ops&password=" + Token, "wire-root")]
    [TestCase("application/json", "{\"note\": \"" + Token + "\"}", null)]
    [TestCase("application/json", "{\"token\": \"" + Token + "0\"}", null)]
    public void ASecretFieldOfTheBodyIsSeen(string type, string body, string? name)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"DELETE /v1/volumes/1 HTTP/1.1\r\nHost: api.staging.example.com\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\n\r\n"));
        var r = HttpIntent.Build(h, new RequestBody { Data = bytes, Length = bytes.Length }, tls: true, "10.0.0.5:443", _table);
        Assert.That(r.Credential?.Name, Is.EqualTo(name));
        Assert.That(r.Shown, Does.Not.Contain(Token));
    }
}
