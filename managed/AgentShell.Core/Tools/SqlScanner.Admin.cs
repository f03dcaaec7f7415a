namespace AgentShell.Core.Tools;

// Statement forms that administer the server rather than touch data: role powers, a database closed to new
// sessions (ALLOW_CONNECTIONS false, CONNECTION LIMIT 0), triggers switched off for a session, grants of the
// roles that reach server files and programs. Used by the statement classification (SqlScanner.Statements.cs).
public static partial class SqlScanner
{
    // SUPERUSER and REPLICATION are server-level powers (NOSUPERUSER is another word).
    private static bool RolePower(List<Word> w, int from, int to) =>
        HasAny(w, from, to, "SUPERUSER") || HasAny(w, from, to, "REPLICATION");

    // The scanner keeps no number words: the limit is read from the text after LIMIT.
    private static bool ConnectionLimitZero(List<Word> w, int from, int to, string sql)
    {
        for (int i = from + 2; i + 1 < to; i++)
        {
            if (w[i].Text != "CONNECTION" || w[i + 1].Text != "LIMIT") continue;
            var rest = sql.AsSpan(Math.Min(w[i + 1].Pos + w[i + 1].Text.Length, sql.Length)).TrimStart();
            if (rest.StartsWith("=")) rest = rest[1..].TrimStart();
            return rest.Length > 0 && rest[0] == '0' && (rest.Length == 1 || !char.IsAsciiDigit(rest[1]));
        }
        return false;
    }

    private static bool ClosesDatabase(List<Word> w, int from, int to)
    {
        for (int i = from + 2; i + 1 < to; i++)
        {
            if (w[i].Text == "ALLOW_CONNECTIONS" && w[i + 1].Text is "FALSE" or "OFF" or "0" || w[i + 1].Text is "=" && i + 2 < to && w[i].Text == "ALLOW_CONNECTIONS" && w[i + 2].Text is "FALSE" or "OFF") return true;
        }
        return false;
    }

    // SET [SESSION|LOCAL] session_replication_role TO|= replica|local (origin and DEFAULT keep triggers on).
    private static bool ReplicaRole(List<Word> w, int from, int to, Context cx)
    {
        int at = from + 1;
        while (at < to && w[at].Text is "SESSION" or "LOCAL") at++;
        if (at >= to || w[at].Text != "SESSION_REPLICATION_ROLE") return false;
        for (int i = at + 1; i < to; i++)
        {
            if (w[i].Text is "TO" or "=") continue;
            var value = w[i].Text is "'" or "\"" ? Content(w[i], cx)?.ToUpperInvariant() : w[i].Text;
            return value is not ("ORIGIN" or "DEFAULT");
        }
        return false;
    }

    // GRANT of the roles that read or write server files or run server programs; MySQL's FILE,
    // SUPER and the like on *.*.
    private static bool ServerRole(List<Word> w, int from, int to)
    {
        for (int i = from + 1; i < to; i++)
        {
            if (w[i].Text is "PG_READ_SERVER_FILES" or "PG_WRITE_SERVER_FILES" or "PG_EXECUTE_SERVER_PROGRAM" or "FILE" or "SUPER" or "SHUTDOWN"
                or "SYSTEM_VARIABLES_ADMIN" or "REPLICATION_SLAVE_ADMIN" or "BINLOG_ADMIN" or "CONNECTION_ADMIN") return true;
            if (w[i].Text is "ON" or "TO") return false; // privileges come before ON / roles before TO
        }
        return false;
    }
}
