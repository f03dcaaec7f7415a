namespace AgentShell.Core.Tools;

/// <summary>What a database dump prints, for a client it is piped into (<c>pg_dump --clean … | psql
/// -h prod</c>, <c>mysqldump … | mysql -h prod</c>): the kinds of statement the dump holds, written
/// as SQL for the scanner, not the dump itself. A plain pg_dump creates and fills tables (a write);
/// with <c>-c</c>/<c>--clean</c> it first drops each one, and pg_dumpall <c>--clean</c> drops each
/// database. mysqldump drops each table before creating it unless told not to
/// (<c>--skip-add-drop-table</c>, <c>--compact</c>, <c>--skip-opt</c>, <c>-t</c>/<c>--no-create-info</c>),
/// and <c>--add-drop-database</c> drops the database. Output to a file (<c>-f</c>, <c>-r</c>,
/// <c>--tab</c>) prints nothing; a format the client cannot run (pg_dump <c>-Fc</c>, mysqldump
/// <c>--xml</c>) is null: not known; an option their tables lack adds an unknown statement.</summary>
internal static class DumpOutput
{
    /// <summary>The statements <paramref name="program"/> with <paramref name="words"/> prints, or null.</summary>
    internal static string? Sql(string program, IReadOnlyList<string> words) => program switch
    {
        "pg_dump" or "pg_dumpall" => Pg(program == "pg_dumpall", words),
        "mysqldump" or "mariadb-dump" => MySql(words),
        _ => null,
    };

    // A statement the scanner reads as unknown: an option the tables lack (another version's), an
    // ambiguous prefix or a missing value may add what is not read here. Beside the statements read,
    // so a DROP stays a drop and a plain dump becomes unknown.
    private const string Unread = "UNREAD \"what an option not read here adds\";\n";

    // Options as pg_dump reads them (PostgresTools.PgDumpOptions: getopt_long, so --cl is --clean).
    private static string? Pg(bool all, IReadOnlyList<string> w)
    {
        bool clean = false, unread = false;
        var reader = new OptionReader(PostgresTools.PgDumpOptions, w, 1);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) continue;
            if (t.IsProblem) { unread = true; continue; }
            switch (t.Name)
            {
                case "--clean": clean = true; break;
                case "--file" when ToFile(t.Value): return "";
                case "--format" when t.Value is not ("p" or "plain"): return null;
            }
        }
        var drop = all ? "DROP DATABASE IF EXISTS \"each database pg_dumpall --clean dumps\";\n" : "DROP TABLE IF EXISTS \"each table pg_dump --clean dumps\";\n";
        return (unread ? Unread : "") + (clean ? drop : "") + "CREATE TABLE \"each table the dump holds\" (x int);\nINSERT INTO \"each table the dump holds\" VALUES (1);\n";
    }

    // Options as mysqldump reads them (Mysql.DumpOptions: my_getopt, prefixes, skip-/disable-); in order,
    // so a later --opt turns the DROP TABLE back on.
    private static string? MySql(IReadOnlyList<string> w)
    {
        bool dropTable = true, dropDatabase = false, unread = false;
        var reader = new OptionReader(Mysql.DumpOptions, w, 1);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) continue;
            if (t.IsProblem) { unread = true; continue; }
            switch (t.Name)
            {
                case "--result-file" when !t.Negated && ToFile(t.Value): return "";
                case "--tab" when !t.Negated: return "";
                case "--xml" when t.IsOn: return null;
                // --compact is --skip-add-drop-table and more; --skip-opt turns --opt's --add-drop-table off.
                case "--compact" when t.IsOn: dropTable = false; break;
                case "--opt": dropTable = t.IsOn; break;
                case "--no-create-info" when t.IsOn: dropTable = false; break;
                case "--add-drop-table": dropTable = t.IsOn; break;
                case "--add-drop-database": dropDatabase = t.IsOn; break;
            }
        }
        return (unread ? Unread : "") + (dropDatabase ? "DROP DATABASE IF EXISTS `each database mysqldump --add-drop-database dumps`;\n" : "")
            + (dropTable ? "DROP TABLE IF EXISTS `each table mysqldump dumps`;\n" : "")
            + "CREATE TABLE IF NOT EXISTS `each table the dump holds` (x int);\nINSERT INTO `each table the dump holds` VALUES (1);\n";
    }

    // The dump goes to a file, not down the pipe: a name that is not stdout under another spelling.
    private static bool ToFile(string? value) => value is not (null or "-" or "/dev/stdout" or "/dev/fd/1" or "/proc/self/fd/1");
}
