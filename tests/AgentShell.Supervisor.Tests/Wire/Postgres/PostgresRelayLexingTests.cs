using System.Text;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary>Statements the server reads differently from a naive reading of the bytes: with
/// standard_conforming_strings off a backslash escapes a quote; in SJIS the second byte of a
/// character may be a backslash. Each attack is first shown to drop a table when sent straight to
/// the server; through the relay the same bytes are refused, whether the setting was reported
/// before (settled) or is still in flight in the same write (pipelined).</summary>
[TestFixture]
public sealed class PostgresRelayLexingTests
{
    private static PostgresServer Pg => PostgresRelaySetUp.Server;

    private static string NewTable()
    {
        string t = "x_" + Guid.NewGuid().ToString("N")[..10];
        Pg.Sql($"CREATE TABLE {t} (id int)");
        return t;
    }

    // standard_conforming_strings = off: 'x\' ; SELECT ' is one string, so the DROP is a statement.
    private static byte[] BackslashAttack(string t) => Encoding.ASCII.GetBytes($"SELECT 'x\\' ; SELECT ' ; DROP TABLE {t}; --'");

    // SJIS: 0x81 0x5C is one character; to a byte-wise reader 0x5C is a backslash escaping the quote.
    private static byte[] SjisAttack(string t) => [.. "SELECT E'"u8, 0x81, 0x5c, .. Encoding.ASCII.GetBytes($"'; DROP TABLE {t}; --'")];

    private static IEnumerable<TestCaseData> Attacks()
    {
        yield return new TestCaseData("SET standard_conforming_strings = off", (Func<string, byte[]>)BackslashAttack).SetArgDisplayNames("standard_conforming_strings off");
        yield return new TestCaseData("SET client_encoding = 'SJIS'", (Func<string, byte[]>)SjisAttack).SetArgDisplayNames("SJIS");
    }

    [TestCaseSource(nameof(Attacks))]
    public async Task TheAttackDropsATableWhenSentStraightToTheServer(string set, Func<string, byte[]> attack)
    {
        string t = NewTable();
        using var c = await PgWireClient.ConnectAsync(Pg.Host, Pg.Port);
        await c.QueryAsync(set);
        await c.SendAsync(PgWireClient.Query(attack(t)));
        var r = await c.ReadUntilReadyAsync();
        Assert.That(Pg.TableExists(t), Is.False, "control: the server parsed a DROP; " + string.Join(",", r.Select(m => m.Type)));
    }

    [TestCaseSource(nameof(Attacks))]
    public async Task ThroughTheRelayTheDropIsRefusedOnceTheSettingIsReported(string set, Func<string, byte[]> attack)
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        await c.QueryAsync(set);
        await c.SendAsync(PgWireClient.Query(attack(t)));
        var r = await c.ReadUntilReadyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(r.Single(m => m.Type == 'E').Field('C'), Is.EqualTo("42501"));
            Assert.That(Pg.TableExists(t), Is.True);
        });
    }

    [TestCaseSource(nameof(Attacks))]
    public async Task ThroughTheRelayTheDropIsRefusedWhenTheSettingIsInTheSameWrite(string set, Func<string, byte[]> attack)
    {
        using var relay = PostgresRelaySetUp.Relay();
        string t = NewTable();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        await c.SendAsync([.. PgWireClient.Query(set), .. PgWireClient.Query(attack(t))]);
        var first = await c.ReadUntilReadyAsync();
        var second = await c.ReadUntilReadyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first.Any(m => m.Type == 'E'), Is.False);
            Assert.That(second.Single(m => m.Type == 'E').Field('C'), Is.EqualTo("42501"));
            Assert.That(Pg.TableExists(t), Is.True);
        });
    }

    [Test]
    public async Task NonAsciiTextInEitherEncodingIsStillAllowed()
    {
        using var relay = PostgresRelaySetUp.Relay();
        using var c = await PgWireClient.ConnectAsync("127.0.0.1", relay.Port);
        var utf8 = await c.QueryAsync("SELECT 'café; DROP TABLE nothing' AS \"naïve\"");
        await c.QueryAsync("SET client_encoding = 'SJIS'");
        await c.SendAsync(PgWireClient.Query([.. "SELECT E'"u8, 0x82, 0xa0, .. "\\\\'"u8])); // あ and an escaped backslash
        var sjis = await c.ReadUntilReadyAsync();
        Assert.Multiple(() =>
        {
            Assert.That(utf8.Single(m => m.Type == 'D').Column0(), Is.EqualTo("café; DROP TABLE nothing"));
            Assert.That(sjis.Any(m => m.Type == 'E'), Is.False);
            Assert.That(sjis.Single(m => m.Type == 'D').Body, Has.Length.EqualTo(2 + 4 + 3), "two SJIS bytes and a backslash");
            Assert.That(relay.Decisions.Select(d => d.Verdict.Forward), Is.All.True);
            Assert.That(relay.Decisions.First().Request.Sql, Does.Contain("café"), "shown as the client wrote it");
        });
    }
}
