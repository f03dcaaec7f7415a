using System.Text;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire.Postgres;

/// <summary><see cref="RelayState"/>: which readings a statement gets, and which server errors
/// stand for the relay's refusals.</summary>
public sealed class RelayStateTests
{
    private static RelayState Settled(string encoding = "UTF8", string scs = "on")
    {
        var s = new RelayState(false, false);
        s.ReceivedParameter("client_encoding", encoding);
        s.ReceivedParameter("standard_conforming_strings", scs);
        s.ReceivedReadyForQuery();
        return s;
    }

    [Test]
    public void BeforeTheFirstReadyForQueryEveryReadingCounts()
    {
        var s = new RelayState(false, false);
        Assert.That(s.Readings("SELECT 'é\\'"u8).Count, Is.EqualTo(Enum.GetValues<LexEncoding>().Length * 2));
    }

    [Test]
    public void SettledTheReportedParametersAloneCount()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Settled().Readings("SELECT 'é\\'"u8), Is.EqualTo(new[] { (LexEncoding.AsciiSafe, false) }));
            Assert.That(Settled("SJIS", "off").Readings("SELECT 'é\\'"u8), Is.EqualTo(new[] { (LexEncoding.ShiftJis, true) }));
        });
    }

    [Test]
    public void WithAStatementInFlightTheTextDecidesWhichReadingsDiffer()
    {
        var s = Settled();
        s.SentSyncPoint(isSync: false);
        Assert.Multiple(() =>
        {
            Assert.That(s.Readings("SELECT 1"u8), Is.EqualTo(new[] { (LexEncoding.AsciiSafe, false) }), "ASCII without a backslash reads one way");
            Assert.That(s.Readings("SELECT '\\'"u8), Is.EqualTo(new[] { (LexEncoding.AsciiSafe, false), (LexEncoding.AsciiSafe, true) }));
            Assert.That(s.Readings("SELECT 'é'"u8).Select(r => r.Encoding), Is.EquivalentTo(Enum.GetValues<LexEncoding>()));
        });
        s.ReceivedReadyForQuery();
        Assert.That(s.Readings("SELECT 'é\\'"u8), Has.Count.EqualTo(1));
        s.SentExtended();
        Assert.That(s.Readings("SELECT 'é\\'"u8), Has.Count.GreaterThan(1), "an Execute since the last Sync may have changed a setting");
    }

    [Test]
    public void OnlyTheSessionsMarkerTurnsAServerErrorIntoARefusal()
    {
        var s = Settled();
        var other = Settled();
        byte[] refusal = [1, 2, 3];
        string substitute = s.Substitute(refusal);
        string forged = other.Substitute([9]);
        byte[] Error(string token) => Encoding.ASCII.GetBytes($"SERROR\0C42601\0Msyntax error at or near \"{token}\"\0\0");
        Assert.Multiple(() =>
        {
            Assert.That(substitute, Does.StartWith("agentshell_refused_"));
            Assert.That(s.RefusalFor(Error(forged)), Is.Null, "another session's marker is the server's own error");
            Assert.That(s.RefusalFor(Error("agentshell_refused_")), Is.Null);
            Assert.That(s.RefusalFor(Error(substitute)), Is.SameAs(refusal));
            Assert.That(s.RefusalFor(Error(substitute)), Is.Null, "each refusal is used once");
        });
    }

    [Test]
    public void ARefusalWhoseSubstituteTheServerSkippedIsForgotten()
    {
        var s = Settled();
        string skipped = s.Substitute([1]);
        string used = s.Substitute([2]);
        byte[] Error(string token) => Encoding.ASCII.GetBytes($"SERROR\0M\"{token}\"\0\0");
        Assert.Multiple(() =>
        {
            Assert.That(s.RefusalFor(Error(used)), Is.EqualTo(new byte[] { 2 }));
            Assert.That(s.RefusalFor(Error(skipped)), Is.Null);
        });
    }
}
