namespace AgentShell.EndToEnd.Tests;

/// <summary>Method overrides in the bodies Rack reads as a form beyond the two form types
/// (redteam42): Rack::MethodOverride takes req.POST['_method'] when the request is form data or
/// parseable data, and a POST without Content-Type is form data to Rack (Request#form_data?), as
/// multipart/mixed and multipart/related are parseable data; Rails runs it by default.</summary>
public sealed partial class WireHostileHttpTests
{
    private static byte[] Untyped(string body) =>
        B($"POST /volumes/1 HTTP/1.1\r\nHost: 127.0.0.2\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");

    [Test]
    public void AMethodOverrideInABodyWithoutContentTypeCounts()
    {
        var s = AttackHeld(Untyped("_method=DELETE"));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("/volumes/1"));
    }

    [TestCase("multipart/mixed; boundary=XX")]
    [TestCase("multipart/related; boundary=XX")]
    public void AMethodOverrideInAParseableMultipartCounts(string type)
    {
        var s = AttackHeld(Post("/volumes/1", type, B("--XX\r\nContent-Disposition: form-data; name=\"_method\"\r\n\r\nDELETE\r\n--XX--\r\n")));
        Assert.That(s, Is.EqualTo("['HTTP/1.1 403']"));
        Assert.That(_prod.Everything, Does.Not.Contain("/volumes/1"));
    }

    [Test]
    public void UntypedAndMultipartBodiesThatOnlyMentionTheOverrideStillArrive()
    {
        Assert.That(AttackHeld(Untyped("name=x&note=_method+DELETE")), Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(AttackHeld(Post("/volumes/1", "multipart/mixed; boundary=XX",
            B("--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n_method=DELETE\r\n--XX--\r\n"))), Is.EqualTo("['HTTP/1.1 200']"));
        Assert.That(_prod.Requests, Has.Length.EqualTo(2));
    }
}
