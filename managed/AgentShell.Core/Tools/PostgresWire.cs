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

    /// <summary>What a startup message's parameter does to name resolution for the whole session,
    /// or null when nothing: <c>search_path</c> (as a parameter of its own, or <c>-c search_path=…</c>,
    /// <c>--search_path=…</c> in <c>options</c>, which libpq fills from <c>PGOPTIONS</c>) that puts
    /// another schema before pg_catalog makes <c>now()</c> or <c>count(*)</c> the functions of that
    /// schema, as <c>SET search_path</c> does. An <c>options</c> word that is not a setting is not
    /// understood, so it is reported too.</summary>
    public static string? StartupShadows(string name, string value)
    {
        if (Guc(name) == "search_path") return SearchPath.Shadows(value) ? $"search_path={value} from the startup message" : null;
        if (name != "options") return null;
        var words = OptionWords(value);
        for (int i = 0; i < words.Count; i++)
        {
            string w = words[i];
            string? setting = w == "-c" ? (i + 1 < words.Count ? words[++i] : null)
                : w.StartsWith("--", StringComparison.Ordinal) ? w[2..]
                : w.StartsWith("-c", StringComparison.Ordinal) ? w[2..] : null;
            int eq = setting?.IndexOf('=') ?? -1;
            if (setting == null || eq <= 0) return $"options '{value}' from the startup message (not understood)";
            if (StartupShadows(setting[..eq], setting[(eq + 1)..]) is string why) return why.Replace("startup message", "startup message's options", StringComparison.Ordinal);
        }
        return null;
    }

    // A setting's name as the server looks it up: case-insensitive, '-' read as '_' (ParseLongOption).
    private static string Guc(string name) => name.Trim().ToLowerInvariant().Replace('-', '_');

    // The server splits options at unescaped whitespace; a backslash takes the next character as is (pg_split_opts).
    private static List<string> OptionWords(string value)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool any = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsWhiteSpace(c)) { if (any) words.Add(word.ToString()); word.Clear(); any = false; continue; }
            if (c == '\\' && i + 1 < value.Length) c = value[++i];
            word.Append(c);
            any = true;
        }
        if (any) words.Add(word.ToString());
        return words;
    }

    /// <summary><paramref name="scan"/> in a session whose startup <paramref name="why"/> made names
    /// resolve elsewhere (<see cref="StartupShadows"/>): a statement judged below unknown (a read of
    /// <c>now()</c>) may run the agent's own function, so it is unknown; a worse one keeps its effect.</summary>
    public static SqlResult Shadowed(SqlResult scan, string why)
    {
        if (scan.Effect >= Effect.Unknown && scan.Statements.All(s => s.Effect >= Effect.Unknown)) return scan;
        var statements = scan.Statements.Select(s => s.Effect >= Effect.Unknown ? s : new SqlStatement(Effect.Unknown, $"{s.Text} (names resolved by {why})")).ToList();
        var worst = statements.Count == 0 ? new SqlStatement(Effect.Read, "") : statements.MaxBy(s => s.Effect);
        return new SqlResult(worst.Effect, worst.Text, statements) { Connects = scan.Connects };
    }

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
