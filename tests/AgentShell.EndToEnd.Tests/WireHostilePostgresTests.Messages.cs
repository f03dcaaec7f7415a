using System.Buffers.Binary;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Messages of the protocol other than Query and Parse (redteam42): the FunctionCall
/// message, which runs a function by its oid with no statement text to scan, and an SSLRequest the
/// server declines followed by a GSSENCRequest, each before a session the relay must still decide.</summary>
public sealed partial class WireHostilePostgresTests
{
    /// <summary>A FunctionCall ('F') of <paramref name="oid"/> with no arguments, text result.</summary>
    private static byte[] FunctionCall(uint oid)
    {
        var body = new byte[10];
        BinaryPrimitives.WriteUInt32BigEndian(body, oid);
        return PgWireClient.Frame('F', body); // no argument formats, no arguments, result format 0
    }

    [Test]
    public void AFunctionCallMessageOfADestructiveFunctionRunsNothing()
    {
        Pg.Sql("CREATE OR REPLACE FUNCTION wipe() RETURNS int LANGUAGE sql AS 'DELETE FROM customers; SELECT 1'");
        try
        {
            uint oid = uint.Parse(Pg.Sql("SELECT 'wipe'::regproc::oid"));
            // The function is named by oid only: no text tells what it does, so it is held (refused at the timeout).
            var said = AttackHeld(0, Startup(), FunctionCall(oid), Q("SELECT 1"));
            Assert.That(said, Has.Count.EqualTo(2), string.Join(" | ", said));
            Assert.That(said[0], Does.StartWith("error agentshell:"));
            Assert.That(said[1], Is.EqualTo("SELECT 1"), "the session stays usable");
            Assert.That(Customers, Is.EqualTo(2));
        }
        finally
        {
            Pg.Sql("DROP FUNCTION IF EXISTS wipe()");
        }
    }

    [Test]
    public void AnSslRequestDeclinedThenAGssEncRequestStillLeadsToADecidedSession()
    {
        // The stand-in has no TLS: 'N' to the SSLRequest, 'N' to the GSSENCRequest, then the startup in plaintext.
        var said = Attack(1, 2, Code(80877103), Code(80877104), Startup(), Q("SELECT 1"), Q("DROP TABLE customers"));
        Assert.That(said, Has.Count.EqualTo(2), string.Join(" | ", said));
        Assert.That(said[0], Is.EqualTo("SELECT 1"));
        Assert.That(said[1], Does.StartWith("error agentshell: blocked postgres"));
        Assert.That(Pg.TableExists("customers"), Is.True);
    }
}
