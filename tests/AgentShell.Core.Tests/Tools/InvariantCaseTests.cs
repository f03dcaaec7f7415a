using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class InvariantCaseTests
{
    // The quick answer (ASCII already in case) and the runtime's (anything else) agree with
    // ToLowerInvariant / ToUpperInvariant, non-ASCII letters and control characters included.
    [TestCase("")]
    [TestCase("api.prod.example.com")]
    [TestCase("API.Prod.Example.COM")]
    [TestCase("DELETE")]
    [TestCase("delete")]
    [TestCase("DeLeTe")]
    [TestCase("ÄPI.example.com")]
    [TestCase("äpi.example.com")]
    [TestCase("ǅ-titlecase")]
    [TestCase("x\u0000Y\u007f")]
    [TestCase("2001:db8::1")]
    public void AgreesWithTheRuntime(string s)
    {
        Assert.That(InvariantCase.Lower(s), Is.EqualTo(s.ToLowerInvariant()));
        Assert.That(InvariantCase.Upper(s), Is.EqualTo(s.ToUpperInvariant()));
        Assert.That(InvariantCase.Lower(s.AsSpan()), Is.EqualTo(s.ToLowerInvariant()));
    }

    [Test]
    public void TextAlreadyInCaseIsReturnedAsItIs()
    {
        const string host = "api.prod.example.com", method = "DELETE";
        Assert.That(InvariantCase.Lower(host), Is.SameAs(host));
        Assert.That(InvariantCase.Upper(method), Is.SameAs(method));
    }
}
