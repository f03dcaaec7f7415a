using System.Net;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>The 16-byte address key: IPv4 and its v4-mapped form are one key, and the families,
/// loopback and the root-mode gate are told apart on it.</summary>
[TestFixture]
public sealed class Address16Tests
{
    private static Address16 Of(string address) => Address16.From(IPAddress.Parse(address).GetAddressBytes());

    [TestCase("203.0.113.7", "::ffff:203.0.113.7", true)]
    [TestCase("0.0.0.0", "::ffff:0.0.0.0", true)]
    [TestCase("203.0.113.7", "::203.0.113.7", false)]    // v4-compatible is not v4-mapped
    [TestCase("2001:db8::1", "2001:db8::1", true)]
    [TestCase("2001:db8::1", "2001:db8::2", false)]
    public void AnIPv4AddressAndItsV4MappedFormAreOneKey(string a, string b, bool same)
    {
        var set = new HashSet<Address16> { Of(a) };
        Assert.That(set.Contains(Of(b)), Is.EqualTo(same));
    }

    [TestCase("127.0.0.1", true)]
    [TestCase("127.255.255.254", true)]
    [TestCase("::1", true)]
    [TestCase("::ffff:127.0.0.1", true)]
    [TestCase("128.0.0.1", false)]
    [TestCase("::2", false)]
    [TestCase("::127.0.0.1", false)]                     // v4-compatible, not loopback
    public void LoopbackIsIPv4s127NetworkOrIPv6sLoopback(string address, bool loopback) =>
        Assert.That(Of(address).IsLoopback, Is.EqualTo(loopback));

    [TestCase("127.254.0.0", true)]
    [TestCase("127.254.255.255", true)]
    [TestCase("::ffff:127.254.1.2", true)]
    [TestCase("127.253.255.255", false)]
    [TestCase("127.255.0.0", false)]
    [TestCase("::127.254.1.2", false)]                   // the gate's bits in an IPv6 address
    [TestCase("2001:db8::7ffe:102", false)]
    public void OnlyIPv4AddressesInTheGateRangeAreTheGate(string address, bool gate) =>
        Assert.That(Of(address).IsGate, Is.EqualTo(gate));

    [TestCase("203.0.113.7")]
    [TestCase("::ffff:203.0.113.7", "203.0.113.7")]      // v4-mapped comes back as IPv4
    [TestCase("2001:db8:5::1")]
    [TestCase("::1")]
    public void ToIPAddressGivesTheAddressBack(string address, string? expected = null) =>
        Assert.That(Of(address).ToIPAddress(), Is.EqualTo(IPAddress.Parse(expected ?? address)));

    private const string Full = "2001:db8:ffff:1:2:3:4:567";

    [TestCase(0, "::", Full, "::")]
    [TestCase(1, "8000::", Full, "::")]
    [TestCase(32, "ffff:ffff::", Full, "2001:db8::")]
    [TestCase(64, "ffff:ffff:ffff:ffff::", Full, "2001:db8:ffff:1::")]
    [TestCase(120, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00", Full, "2001:db8:ffff:1:2:3:4:500")]
    [TestCase(128, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Full, Full)]
    [TestCase(104, "ffff:ffff:ffff:ffff:ffff:ffff:ff00::", "10.1.2.3", "10.0.0.0")] // IPv4 /8, held v4-mapped: 8 + 96 bits
    public void MaskKeepsTheFirstBits(int bits, string mask, string address, string masked)
    {
        Assert.That(Address16.Mask(bits), Is.EqualTo(Of(mask)));
        Assert.That(Of(address).And(Address16.Mask(bits)), Is.EqualTo(Of(masked)));
    }

    [Test]
    public void V4UnspecifiedIsIPv4sZeroSeenFromAnIPv6Socket()
    {
        Assert.That(Address16.V4Unspecified, Is.EqualTo(Of("0.0.0.0")));
        Assert.That(Address16.V4Unspecified, Is.Not.EqualTo(Of("::")));
    }
}
