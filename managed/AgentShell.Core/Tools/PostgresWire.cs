using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Statements read off the PostgreSQL wire by the supervisor's relay. The text is what the
/// server will parse (no psql meta-commands); each statement becomes one intent of tool
/// <c>postgres-wire</c> that acts as <c>psql</c> (rules written for psql decide it), aimed at the
/// database the connection's startup message named.</summary>
public static class PostgresWire
{
    /// <summary>The tool name of wire intents.</summary>
    public const string Tool = "postgres-wire";

    /// <summary>The tool whose rules apply to wire intents.</summary>
    public const string ActsAs = "psql";

    /// <summary>The database a connection reaches: <paramref name="host"/> (a name, else the
    /// address), its port, and the startup message's database.</summary>
    public static Target Target(string host, int port, string database) =>
        DbTarget.Make("postgresql", host, port.ToString(System.Globalization.CultureInfo.InvariantCulture), database, 5432);

    /// <summary>Scans statement text as the server reads it; <paramref name="backslashStrings"/>
    /// when <c>standard_conforming_strings</c> is (or may be) off.</summary>
    public static SqlResult Scan(string text, bool backslashStrings) =>
        SqlScanner.Scan(text, SqlDialect.Postgres, SqlScanOptions.ServerText | (backslashStrings ? SqlScanOptions.BackslashStrings : 0));

    /// <summary>One intent per statement of <paramref name="scan"/> (none for an empty query).</summary>
    public static IReadOnlyList<CommandIntent> Intents(SqlResult scan, Target target)
    {
        var intents = new CommandIntent[scan.Statements.Count];
        for (int i = 0; i < intents.Length; i++)
        {
            var st = scan.Statements[i];
            intents[i] = new CommandIntent
            {
                Tool = Tool, ActsAs = ActsAs, Effect = st.Effect, Summary = st.Text, Targets = [target],
                Evidence = [new Evidence("wire", $"SQL: {st.Text} → {st.Effect.Name()}")],
            };
        }
        return intents;
    }

    /// <summary>A fast-path FunctionCall message: a function called by object id with opaque
    /// arguments (large-object calls, anything else) → unknown.</summary>
    public static CommandIntent FunctionCall(uint functionOid, Target target) => new()
    {
        Tool = Tool, ActsAs = ActsAs, Effect = Effect.Unknown, Summary = $"fast-path call of function oid {functionOid}", Targets = [target],
        Evidence = [new Evidence("wire", "FunctionCall message: the function and its effect cannot be read")],
    };
}
