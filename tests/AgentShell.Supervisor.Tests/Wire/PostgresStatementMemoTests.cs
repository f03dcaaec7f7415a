using System.Text;
using AgentShell.Supervisor.Wire.Postgres;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>A statement repeated byte for byte skips the scan (StatementMemo), never the decision,
/// and is read again whenever the way the server reads it may have changed.</summary>
public sealed class PostgresStatementMemoTests
{
    // With standard_conforming_strings off the backslash escapes the quote and this is one SELECT
    // of one string; with it on the string ends at the backslash and a DROP follows.
    private const string TwoWays = "SELECT 'a\\'; DROP TABLE customers; --'";

    [Test]
    public void TheSameBytesAreReadAgainWhenStandardConformingStringsChanges()
    {
        var input = new MemoryStream();
        var pump = WireRequestCostTests.PostgresPump(input, out var sink, out var state);
        state.ReceivedParameter("standard_conforming_strings", "off");
        Send(input, pump, TwoWays);
        Assert.That(Encoding.Latin1.GetString(sink.ToArray()), Does.Contain("DROP TABLE customers"), "read as one string, forwarded");
        sink.SetLength(0);
        state.ReceivedReadyForQuery(); // the server answered it: settled again
        state.ReceivedParameter("standard_conforming_strings", "on");
        Send(input, pump, TwoWays);
        string sent = Encoding.Latin1.GetString(sink.ToArray());
        Assert.That(sent, Does.Not.Contain("DROP TABLE customers"), "the same bytes, now a DROP: refused");
        Assert.That(sent, Does.Contain("agentshell_refused_"));
    }

    [Test]
    public void TheSameBytesInStandardStringsBothTimesAreRefusedBothTimes()
    {
        // The look-alike: the reading does not change, so the kept request (a DROP) is used again, and refused again.
        var input = new MemoryStream();
        var pump = WireRequestCostTests.PostgresPump(input, out var sink, out var state);
        Send(input, pump, TwoWays);
        state.ReceivedReadyForQuery();
        Send(input, pump, TwoWays);
        string sent = Encoding.Latin1.GetString(sink.ToArray());
        Assert.That(sent, Does.Not.Contain("DROP TABLE customers"));
        Assert.That(System.Text.RegularExpressions.Regex.Count(sent, "agentshell_refused_[0-9a-f]+_"), Is.EqualTo(2));
    }

    [Test]
    public void AStatementThatDiffersInOneByteIsScannedAgain()
    {
        var input = new MemoryStream();
        var pump = WireRequestCostTests.PostgresPump(input, out var sink, out var state);
        Send(input, pump, "SELECT 1 FROM customers");
        state.ReceivedReadyForQuery();
        Send(input, pump, "DELETE   FROM customers");
        string sent = Encoding.Latin1.GetString(sink.ToArray());
        Assert.That(sent, Does.Contain("SELECT 1 FROM customers"));
        Assert.That(sent, Does.Not.Contain("DELETE   FROM customers"), "an unfiltered DELETE of the same length is decided on its own text");
    }

    /// <summary>Appends one Query to what the pump reads and runs it to the end of the input.</summary>
    private static void Send(MemoryStream input, FrontendPump pump, string sql)
    {
        long at = input.Position;
        input.Seek(0, SeekOrigin.End);
        input.Write(PgMessages.Query(sql));
        input.Position = at;
        Assert.That(pump.Run(CancellationToken.None), Is.Null);
    }
}
