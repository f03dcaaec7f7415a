using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Policy;

public class HostPatternTests
{
    [TestCase("db.example.com", "db.example.com", null, true)]
    [TestCase("db.example.com", "DB.Example.COM", null, true)]
    [TestCase("db.example.com", "db.example.com.", null, true)]
    [TestCase("db.example.com.", "db.example.com", null, true)]
    [TestCase("db.example.com", "xdb.example.com", null, false)]
    [TestCase("*.prod.example.com", "api.prod.example.com", null, true)]
    [TestCase("*.prod.example.com", "a.b.prod.example.com", null, true)]
    [TestCase("*.prod.example.com", "prod.example.com", null, false)]
    [TestCase("*.prod.example.com", "xprod.example.com", null, false)]
    [TestCase("*.Prod.Example.com", "API.prod.example.com.", null, true)]
    [TestCase("db.example.com:5432", "db.example.com", 5432, true)]
    [TestCase("db.example.com:5432", "db.example.com", 5433, false)]
    [TestCase("db.example.com:5432", "db.example.com", null, false)]
    [TestCase("10.20.0.0/16", "10.20.3.4", null, true)]
    [TestCase("10.20.0.0/16", "10.21.0.1", null, false)]
    [TestCase("10.20.0.0/16", "::ffff:10.20.0.9", null, true)]
    [TestCase("127.0.0.2", "127.0.0.2", 8080, true)]
    [TestCase("127.0.0.2", "127.0.0.3", null, false)]
    [TestCase("127.0.0.2:8080", "127.0.0.2", 8080, true)]
    [TestCase("127.0.0.2:8080", "127.0.0.2", 80, false)]
    [TestCase("2001:db8::1", "2001:DB8:0:0::1", null, true)]
    [TestCase("[2001:db8::]/32", "2001:db8:ffff::5", null, true)]
    [TestCase("[2001:db8::]/32", "2001:db9::5", null, false)]
    [TestCase("2001:db8::/32", "2001:db8::5", null, true)]
    [TestCase("[2001:db8::1]:443", "2001:db8::1", 443, true)]
    [TestCase("[2001:db8::1]:443", "2001:db8::1", 80, false)]
    [TestCase("10.0.0.0/8", "db.example.com", null, false)]
    [TestCase("0.0.0.0/0", "192.0.2.1", null, true)]
    public void Matches(string pattern, string host, int? port, bool expected)
    {
        Assert.That(HostPattern.TryParse(pattern, out var p, out var error), Is.True, error);
        Assert.That(p.Matches(host, port), Is.EqualTo(expected));
    }

    [TestCase("", "empty")]
    [TestCase("*", "leading '*.' label")]
    [TestCase("*.", "leading '*.' label")]
    [TestCase("*..com", "'*.' followed by a domain")]
    [TestCase("db.*.example.com", "leading '*.' label")]
    [TestCase("api*.example.com", "leading '*.' label")]
    [TestCase("10.0.0.0/33", "bad CIDR prefix")]
    [TestCase("[2001:db8::]/129", "bad CIDR prefix")]
    [TestCase("db.example.com/16", "not an IP address")]
    [TestCase("db.example.com:99999", "bad port")]
    [TestCase("db.example.com:http", "bad port")]
    [TestCase("[2001:db8::1", "missing ']'")]
    [TestCase("db example.com", "not valid in a host name")]
    [TestCase("a..b", "empty label")]
    public void RejectsBadPatterns(string pattern, string why)
    {
        Assert.That(HostPattern.TryParse(pattern, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(why));
    }

    [TestCase("10.20.0.0/16", "10.20.0.0", 16)]
    [TestCase("127.0.0.2:8080", "127.0.0.2", 32)]
    [TestCase("::ffff:10.1.2.3", "10.1.2.3", 32)]
    [TestCase("[2001:db8::]/32", "2001:db8::", 32)]
    [TestCase("2001:db8::1", "2001:db8::1", 128)]
    public void CopyNetworkGivesAddressBytesAndPrefix(string pattern, string address, int bits)
    {
        Assert.That(HostPattern.TryParse(pattern, out var p, out _), Is.True);
        Span<byte> into = stackalloc byte[16];
        int prefix = p.CopyNetwork(into, out int length);
        Assert.That(prefix, Is.EqualTo(bits));
        Assert.That(into[..length].ToArray(), Is.EqualTo(System.Net.IPAddress.Parse(address).GetAddressBytes()));
        Assert.That(p.ExactName, Is.Null);
    }

    [TestCase("DB.Example.com.:5432", "db.example.com")]
    [TestCase("*.prod.example.com", null)]
    public void NamesHaveNoNetwork(string pattern, string? exact)
    {
        Assert.That(HostPattern.TryParse(pattern, out var p, out _), Is.True);
        Assert.That(p.CopyNetwork(new byte[16], out int length), Is.EqualTo(-1));
        Assert.That(length, Is.Zero);
        Assert.That(p.ExactName, Is.EqualTo(exact));
    }
}
