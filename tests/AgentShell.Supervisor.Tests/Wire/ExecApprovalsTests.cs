using AgentShell.Supervisor.Wire;

namespace AgentShell.Supervisor.Tests.Wire;

/// <summary>A statement at the wire is covered by an approved psql argv only when the argv spells
/// it as a statement of its own, not when its text merely occurs there.</summary>
[TestFixture]
public sealed class ExecApprovalsTests
{
    [TestCase("DROP TABLE customers", "DROP TABLE customers")]
    [TestCase("DROP TABLE customers;", "DROP TABLE customers")]
    [TestCase("SELECT 1; DROP TABLE customers; SELECT 2", "DROP TABLE customers")]
    [TestCase("  DROP TABLE customers ;\n", "DROP TABLE customers")]
    public void AStatementTheArgvSpellsIsCovered(string arg, string sql) => Assert.That(ExecApprovals.Spells(arg, sql), Is.True);

    [TestCase("DROP TABLE customers_old", "DROP TABLE customers")]
    [TestCase("DELETE FROM t WHERE id = 10", "DELETE FROM t WHERE id = 1")]
    [TestCase("DELETE FROM t WHERE id = 1 AND day = 2", "DELETE FROM t WHERE id = 1")]
    [TestCase("SELECT 1 -- DROP TABLE customers", "DROP TABLE customers")]
    [TestCase("INSERT INTO notes VALUES ('x; DROP TABLE customers')", "DROP TABLE customers")]
    public void TextThatOnlyOccursInTheArgvIsNot(string arg, string sql) => Assert.That(ExecApprovals.Spells(arg, sql), Is.False);
}
