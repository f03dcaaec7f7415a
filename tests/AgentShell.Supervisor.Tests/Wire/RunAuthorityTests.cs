using System.Net;
using System.Security.Cryptography.X509Certificates;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>The run's CA signs leaf certificates that a verifier trusting only that CA accepts for
/// the name or address asked for, and for nothing else; its key is never part of what the tree gets.</summary>
[TestFixture]
public sealed class RunAuthorityTests
{
    private static RunAuthority _ca = null!;

    [OneTimeSetUp] public void Make() => _ca = RunAuthority.Create("t1");
    [OneTimeTearDown] public void Drop() => _ca.Dispose();

    private static X509Certificate2 Root => X509Certificate2.CreateFromPem(_ca.Pem);

    private static X509Chain ChainTrustingOnlyTheRunCa()
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    [Test]
    public void TheCaIsACaWithNoPathBelowItAndItsPemHasNoKey()
    {
        var bc = Root.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.That((bc.CertificateAuthority, bc.HasPathLengthConstraint, bc.PathLengthConstraint, bc.Critical), Is.EqualTo((true, true, 0, true)));
        Assert.That(_ca.Pem, Does.Contain("BEGIN CERTIFICATE").And.Not.Contain("PRIVATE KEY"));
        Assert.That(Root.HasPrivateKey, Is.False);
    }

    [Test]
    public void ALeafForANameVerifiesForThatNameOnly()
    {
        var leaf = _ca.LeafFor("api.prod.example.com", IPAddress.Loopback).TargetCertificate;
        using var chain = ChainTrustingOnlyTheRunCa();
        Assert.That(chain.Build(leaf), Is.True, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.That(leaf.MatchesHostname("api.prod.example.com"), Is.True);
        Assert.That(leaf.MatchesHostname("api.prod.example.net"), Is.False);
        Assert.That(leaf.HasPrivateKey, Is.True);
        Assert.That(leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>(), Is.Not.Empty, "strict verifiers (Python 3.13) require it");
    }

    [Test]
    public void ALeafForAnAddressNamesTheAddress()
    {
        var leaf = _ca.LeafFor(null, IPAddress.Parse("127.0.0.2")).TargetCertificate;
        Assert.That(leaf.MatchesHostname("127.0.0.2"), Is.True);
        Assert.That(leaf.MatchesHostname("127.0.0.3"), Is.False);
    }

    [Test]
    public void ALeafAlsoServesItsSiblingsAndNoOtherName()
    {
        var first = _ca.LeafFor("h1.sib.example.com", IPAddress.Loopback);
        Assert.That(_ca.LeafFor("h2.sib.example.com", IPAddress.Loopback), Is.SameAs(first), "another host of the domain finds its leaf made");
        var leaf = first.TargetCertificate;
        Assert.That(leaf.MatchesHostname("h1.sib.example.com") && leaf.MatchesHostname("h2.sib.example.com"), Is.True);
        Assert.That(leaf.MatchesHostname("x.h2.sib.example.com"), Is.False, "a wildcard covers one label");
        Assert.That(leaf.MatchesHostname("sib.example.com"), Is.False);
        Assert.That(leaf.MatchesHostname("h1.sib.example.net"), Is.False);
        Assert.That(_ca.LeafFor("h1.other.example.com", IPAddress.Loopback), Is.Not.SameAs(first));
    }

    [TestCase("api.example.com", "*.example.com")]
    [TestCase("example.com", null)]
    [TestCase("a.b.", null)]
    [TestCase("*.example.com", null)]
    [TestCase("10.0.0.5", null)]
    [TestCase("2001:db8::1", null)]
    public void OnlyANameOfThreeLabelsOrMoreNamesItsSiblings(string name, string? siblings) =>
        Assert.That(RunAuthority.Siblings(name), Is.EqualTo(siblings));

    [Test]
    public void ALeafIsMintedOncePerName() =>
        Assert.That(_ca.LeafFor("a.example.com", IPAddress.Loopback), Is.SameAs(_ca.LeafFor("A.example.com", IPAddress.Loopback)));

    [Test]
    public void AnotherRunsCaDoesNotVerifyOurLeaves()
    {
        using var other = RunAuthority.Create("t2");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(other.Pem));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.That(chain.Build(_ca.LeafFor("b.example.com", IPAddress.Loopback).TargetCertificate), Is.False);
    }
}
