namespace AgentShell.Core.Tools;

/// <summary>The upper-cased words the SQL scanner compares against (every keyword its statement
/// and routine rules name, and common clause words), so a keyword read from a script is that
/// shared string and only other identifiers are made into new strings.</summary>
/// <remarks>PERF: looked up by span; the set is built once and only read afterwards (thread-safe).</remarks>
internal static class SqlKeywords
{
    private static readonly System.Collections.Frozen.FrozenSet<string> Words = System.Collections.Frozen.FrozenSet.ToFrozenSet(
    [
        "ABORT", "AGGREGATE", "ALSO", "ALTER", "ALTER_", "ANALYSE", "ANALYZE", "ARCHIVE_CLEANUP_COMMAND", "ARCHIVE_COMMAND",
        "ARCHIVE_LIBRARY", "AS", "ASSERT", "ATOMIC", "ATTACH", "BEGIN", "BINARY", "BINLOG_ADMIN", "CACHE", "CALL", "CASE",
        "CHANGE", "CHECKPOINT", "CHECKSUM", "CLOSE", "CLUSTER", "COMMENT", "COMMIT", "CONNECTION_ADMIN", "CONSTRAINT",
        "CONTINUE", "COPY", "CREATE", "CREATEDB", "DATA", "DEALLOCATE", "DECLARE", "DEFINER", "DELETE", "DESC", "DESCRIBE",
        "DETACH", "DISCARD", "DO", "DROP", "DUMPFILE", "DYNAMIC_LIBRARY_PATH", "ELSE", "ELSEIF", "ELSIF", "END", "EVENT",
        "EXCEPTION", "EXECUTE", "EXIT", "EXPLAIN", "EXTENSION", "FETCH", "FILE", "FLUSH", "FOR", "FOREACH", "FOREIGN", "FROM",
        "FUNCTION", "GET", "GLOBAL", "GRANT", "HELP", "IF", "IMPORT", "IN", "INSERT", "INSTALL", "INSTANCE", "INSTEAD", "INTO",
        "KILL", "LANGUAGE", "LIMIT", "LISTEN", "LOAD", "LOCAL", "LOCAL_PRELOAD_LIBRARIES", "LOCK", "LOOP", "MAPPING", "MASTER",
        "MERGE", "MOVE", "NEXT", "NOTHING", "NOTIFY", "NULL", "ON", "ONLY", "OPEN", "OPTIMIZE", "OR", "OUTFILE", "PERFORM",
        "PERSIST", "PERSIST_ONLY", "PG_EXECUTE_SERVER_PROGRAM", "PG_READ_SERVER_FILES", "PG_WRITE_SERVER_FILES", "PRAGMA",
        "PREPARE", "PROCEDURAL", "PROCEDURE", "PROGRAM", "PURGE", "QUERY", "RAISE", "REASSIGN", "RECOVERY_END_COMMAND",
        "RECURSIVE", "REFERENCES", "REFRESH", "REINDEX", "RELEASE", "RENAME", "REPAIR", "REPLACE", "REPLICA", "REPLICATION",
        "REPLICATION_SLAVE_ADMIN", "RESET", "RESTORE_COMMAND", "RETURN", "REVOKE", "ROLE", "ROLLBACK", "RULE", "SAVEPOINT",
        "SECURITY", "SELECT", "SERVER", "SESSION_PRELOAD_LIBRARIES", "SET", "SHARED_PRELOAD_LIBRARIES", "SHOW", "SHUTDOWN",
        "SLAVE", "SONAME", "SSL_PASSPHRASE_COMMAND", "START", "STRICT", "SUBSCRIPTION", "SUPER", "SUPERUSER", "SYSTEM",
        "SYSTEM_VARIABLES_ADMIN", "TABLE", "TEMP", "TEMPORARY", "THEN", "TO", "TRIGGER", "TRUNCATE", "TRUSTED", "UNINSTALL",
        "UNLISTEN", "UNLOCK", "UNLOGGED", "UPDATE", "UPSERT", "USE", "USER", "USING", "VACUUM", "VALUES", "WHEN", "WHERE",
        "WHILE", "WITH", "BY", "AND", "NOT", "IS", "JOIN", "LEFT", "INNER", "GROUP", "ORDER", "HAVING", "COUNT", "RETURNING",
        "CASCADE", "EXISTS", "DATABASE", "SCHEMA", "INDEX", "VIEW", "ALL", "ADD", "COLUMN", "STDOUT", "STDIN", "OFFSET",
        "DISTINCT", "UNION", "ROW", "EACH", "AFTER", "BEFORE", "FALSE", "TRUE"
    ], StringComparer.Ordinal);

    // PERF: a word is looked up in a table of small buckets by its length and first and last
    // characters (no hash over the whole word, no comparer call): most identifiers land in an empty
    // bucket, a keyword is one or two compares. The frozen set's span lookup was 4-5% of a
    // psql-heavy profile (perf, corpus cases near the median), a third of the scanner's word cost.
    private const int TableBits = 10;
    private static readonly string[][] Table = BuildTable();

    private static int Slot(int length, char first, char last) =>
        (length * 0x3B + first * 0x1F + last * 0x07) & ((1 << TableBits) - 1);

    private static string[][] BuildTable()
    {
        var buckets = new List<string>?[1 << TableBits];
        foreach (var w in Words) (buckets[Slot(w.Length, w[0], w[^1])] ??= []).Add(w);
        return [.. buckets.Select(b => b == null ? [] : b.ToArray())];
    }

    /// <summary>The shared string for <paramref name="upper"/> when it is a known word, else a new one.</summary>
    internal static string Of(ReadOnlySpan<char> upper)
    {
        if (upper.IsEmpty) return "";
        foreach (var known in Table[Slot(upper.Length, upper[0], upper[^1])])
            if (upper.SequenceEqual(known)) return known;
        return new string(upper);
    }
}
