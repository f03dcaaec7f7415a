using System.Text;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Wire.Http;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>How a request body is read for the decision when a server may read it otherwise: a
/// declared charset (body-parser decodes UTF-7 and the rest with iconv-lite) and multipart
/// parameters in the forms busboy reads (RFC 2231 <c>name*=</c>, <c>boundary*=</c>, escapes).
/// The end-to-end attacks are in WireHostileHttpTests.</summary>
[TestFixture]
public sealed class BodyReadingsTests
{
    private const string Mutation = """{"query":"mutation { volumeDelete(id: 1) { id } }"}""";
    private const string Query = """{"query":"query { volume(id: 1) { id } }"}""";

    private static Effect EffectOf(string contentType, byte[] body)
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"));
        var r = HttpIntent.Build(h, new RequestBody { Data = body, Length = body.Length, Complete = true }, false, "127.0.0.2:80");
        return r.Intent.Effect;
    }

    [TestCase("utf-7")]
    [TestCase("ibm037")]
    [TestCase("\"utf-7\"")]
    [TestCase("utf-8; charset=utf-7")]
    public void ACharsetNotReadHereIsUnknown(string charset) =>
        Assert.That(EffectOf($"application/json; charset={charset}", Encoding.ASCII.GetBytes("""{"+AHE-uery":"mutation { volumeDelete(id: 1) { id } }"}""")), Is.EqualTo(Effect.Unknown));

    [TestCase("utf-8")]
    [TestCase("UTF-8")]
    [TestCase("\"utf-8\"")]
    [TestCase("us-ascii")]
    [TestCase("iso-8859-1")]
    public void AnAsciiCompatibleCharsetReadsAsUtf8(string charset)
    {
        Assert.That(EffectOf($"application/json; charset={charset}", Encoding.ASCII.GetBytes(Query)), Is.EqualTo(Effect.Read));
        Assert.That(EffectOf($"application/json; charset={charset}", Encoding.ASCII.GetBytes(Mutation)), Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void AUtf16BodyIsReadInTheDeclaredByteOrder()
    {
        Assert.That(EffectOf("application/json; charset=utf-16be", Encoding.BigEndianUnicode.GetBytes(Mutation)), Is.EqualTo(Effect.Wipe));
        Assert.That(EffectOf("application/json; charset=utf-16le", Encoding.Unicode.GetBytes(Query)), Is.EqualTo(Effect.Read));
    }

    [Test]
    public void AnUnreadableCharsetOnABodyThatCarriesNoOperationLeavesTheMethodToDecide() =>
        Assert.That(EffectOf("image/png; charset=utf-7", [1, 2, 3]), Is.EqualTo(Effect.Write));

    private static Effect EffectWith(string fields, byte[] body)
    {
        var h = HttpRequestHead.Parse(Encoding.Latin1.GetBytes($"POST /graphql HTTP/1.1\r\nHost: api\r\n{fields}Content-Length: {body.Length}\r\n\r\n"));
        return HttpIntent.Build(h, new RequestBody { Data = body, Length = body.Length, Complete = true }, false, "127.0.0.2:80").Intent.Effect;
    }

    [Test]
    public void TwoDifferentContentTypesAreUnknownAndTwoAlikeAreOne()
    {
        Assert.That(EffectWith("Content-Type: multipart/form-data; boundary=XX\r\nContent-Type: application/json\r\n", Encoding.ASCII.GetBytes(Mutation)), Is.EqualTo(Effect.Unknown));
        Assert.That(EffectWith("Content-Type: application/json\r\nContent-Type: application/JSON\r\n", Encoding.ASCII.GetBytes(Query)), Is.EqualTo(Effect.Read));
    }

    [Test]
    public void RepeatedContentEncodingsAreOneList()
    {
        var m = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(m, System.IO.Compression.CompressionLevel.Fastest, true)) z.Write(Encoding.ASCII.GetBytes(Mutation));
        Assert.That(EffectWith("Content-Type: application/json\r\nContent-Encoding: identity\r\nContent-Encoding: gzip\r\n", m.ToArray()), Is.EqualTo(Effect.Wipe));
    }

    private static byte[] Multipart(string name, string value) =>
        Encoding.ASCII.GetBytes($"--XX\r\nContent-Disposition: form-data; {name}\r\n\r\n{value}\r\n--XX--\r\n");

    [TestCase("multipart/form-data; boundary*=utf-8''XX", "name=\"operations\"")]
    [TestCase("multipart/form-data; boundary=XX", "name*=utf-8''%6Fperations")]
    [TestCase("multipart/form-data; boundary=XX", "name*=UTF-8'en'op%65rations")]
    [TestCase("multipart/form-data; boundary=XX", "name=\"op\\erations\"")]
    [TestCase("multipart/form-data; boundary=\"X\\X\"", "name=\"operations\"")]
    [TestCase("multipart/form-data; boundary = XX", "name = operations")]
    public void AnOperationsFieldAsBusboyReadsItIsRead(string type, string name) =>
        Assert.That(EffectOf(type, Multipart(name, Mutation)), Is.EqualTo(Effect.Wipe));

    [Test]
    public void AMultipartBodyWithoutABoundaryReadHereIsUnknown() =>
        Assert.That(EffectOf("multipart/form-data; charset=utf-8", Multipart("name=\"x\"", "hello")), Is.EqualTo(Effect.Unknown));

    [Test]
    public void AFilePartWithAnExtendedFileNameIsNotTakenForTheOperations()
    {
        var body = Encoding.ASCII.GetBytes("--XX\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" + Query +
                                           "\r\n--XX\r\nContent-Disposition: form-data; name=\"0\"; filename*=utf-8''%C3%A9.txt\r\n\r\nmutation text\r\n--XX--\r\n");
        Assert.That(EffectOf("multipart/form-data; boundary=XX", body), Is.EqualTo(Effect.Read));
    }
}
