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

    // PERF: a frozen set picks its hash for these keys once (lengths, the characters that tell them
    // apart): 3% of a psql-heavy profile was the general hash set's lookup of each word.
    private static readonly System.Collections.Frozen.FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> BySpan = Words.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The shared string for <paramref name="upper"/> when it is a known word, else a new one.</summary>
    internal static string Of(ReadOnlySpan<char> upper) => BySpan.TryGetValue(upper, out var known) ? known : new string(upper);
}
