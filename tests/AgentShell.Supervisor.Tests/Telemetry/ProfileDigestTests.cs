using System.Security.Cryptography;
using System.Text;
using AgentShell.Supervisor.Telemetry;

namespace AgentShell.Supervisor.Tests.Telemetry;

/// <summary>The exporter's managed SHA-256 agrees with the platform's (OpenSSL) on the FIPS 180-4
/// examples, on every length around the padding's block boundaries, and on the shipped profiles.</summary>
[TestFixture]
public sealed class ProfileDigestTests
{
    [TestCase("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [TestCase("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void TheStandardsExamplesHashToTheirPublishedDigests(string text, string hex) =>
        Assert.That(Convert.ToHexStringLower(ProfileDigest.Sha256(Encoding.ASCII.GetBytes(text))), Is.EqualTo(hex));

    [Test]
    public void EveryLengthAroundTheBlockBoundariesAgreesWithThePlatform()
    {
        var rnd = new Random(16);
        for (int n = 0; n <= 300; n++)
        {
            var data = new byte[n];
            rnd.NextBytes(data);
            Assert.That(ProfileDigest.Sha256(data), Is.EqualTo(SHA256.HashData(data)), $"length {n}");
        }
    }

    [Test]
    public void TheShippedProfilesHashAsThePlatformHashesThem()
    {
        var files = Directory.GetFiles(Path.Combine(Repo.Root, "profiles"), "*.json");
        Assert.That(files, Is.Not.Empty);
        foreach (var f in files)
        {
            var data = File.ReadAllBytes(f);
            Assert.That(ProfileDigest.Sha256(data), Is.EqualTo(SHA256.HashData(data)), f);
        }
    }
}
