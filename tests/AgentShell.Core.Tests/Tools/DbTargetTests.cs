using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class DbTargetTests
{
    [TestCase("postgresql://u:p@h.example.com:6432/app?sslmode=require", "h.example.com", "6432", "app")]
    [TestCase("postgres://h/app", "h", null, "app")]
    [TestCase("postgresql://[2001:db8::1]:5432/x", "2001:db8::1", "5432", "x")]
    [TestCase("postgresql://h1,h2/app", "h1", null, "app")]
    [TestCase("postgresql:///app?host=/var/run/postgresql", "/var/run/postgresql", null, "app")]
    [TestCase("redis://:pw@cache:6380/2", "cache", "6380", "2")]
    public void Uri(string uri, string? host, string? port, string? db)
    {
        Assert.That(DbTarget.TryParseUri(uri, out var h, out var p, out var d), Is.True);
        Assert.That((h, p, d), Is.EqualTo((host, port, db)));
    }

    [Test]
    public void Conninfo()
    {
        Assert.That(DbTarget.TryParseConninfo("host=h.example.com port = 6432 dbname='my db' user=u", out var v), Is.True);
        Assert.That((v["host"], v["port"], v["dbname"]), Is.EqualTo(("h.example.com", "6432", "my db")));
    }

    [TestCase("app")]
    [TestCase("")]
    public void PlainDatabaseNameIsNotConninfo(string s) => Assert.That(DbTarget.TryParseConninfo(s, out _), Is.False);

    [Test]
    public void SocketDirectoryIsLocal() =>
        Assert.That(DbTarget.Make("postgresql", "/var/run/postgresql", null, "app", 5432).Host, Is.Null);

    [TestCase("admin:pw@tcp(127.0.0.2:3306)/shop?parseTime=true", "127.0.0.2", "3306", "shop")]
    [TestCase("tcp(db.prod.example.com)/shop", "db.prod.example.com", null, "shop")]
    [TestCase("mysql://admin@tcp([2001:db8::1]:3306)/", "2001:db8::1", "3306", null)]
    public void GoMysqlDsn(string dsn, string host, string? port, string? db)
    {
        Assert.That(DbTarget.TryParseGoMysql(dsn, out var h, out var p, out var d), Is.True);
        Assert.That((h, p, d), Is.EqualTo((host, port, db)));
    }

    [TestCase("postgres://h/app")]
    [TestCase("host=h dbname=d")]
    [TestCase("shop_tcp(x)")]
    public void OtherTextIsNoGoMysqlDsn(string s) => Assert.That(DbTarget.TryParseGoMysql(s, out _, out _, out _), Is.False);
}
