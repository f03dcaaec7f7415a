namespace AgentShell.Core.Model;

/// <summary>What a command would do to its target. Ordered by severity for merging: a command
/// made of several parts takes its most severe effect.</summary>
public enum Effect : byte
{
    /// <summary>Only reads.</summary>
    Read,
    /// <summary>Creates or changes data without destroying it.</summary>
    Write,
    /// <summary>The tool talks to a target, but what it will do cannot be known from argv.</summary>
    Unknown,
    /// <summary>Changes what the server itself is: its configuration (ALTER SYSTEM), its links to
    /// other hosts (CREATE SERVER, USER MAPPING, SUBSCRIPTION, CHANGE REPLICATION SOURCE), the
    /// extensions it loads, or server-level powers (SUPERUSER, pg_execute_server_program); and, for
    /// a cloud account or cluster, whom it trusts (IAM and RBAC grants, keys minted, resource
    /// policies and firewalls opened: <see cref="Tools.AccessGrants"/>).</summary>
    ServerAdmin,
    /// <summary>Deletes records or resources.</summary>
    Delete,
    /// <summary>Rewrites shared history (git push --force).</summary>
    ForcePush,
    /// <summary>Stops or terminates running resources.</summary>
    Terminate,
    /// <summary>Empties a table or store.</summary>
    Truncate,
    /// <summary>Drops a table, database or schema.</summary>
    Drop,
    /// <summary>Erases everything: FLUSHALL, rm -rf /, an unfiltered DELETE.</summary>
    Wipe,
    /// <summary>Runs a program or reads and writes files on the database server, outside the
    /// supervised tree (COPY … TO PROGRAM, pg_read_file, dblink, an untrusted procedural language,
    /// INTO OUTFILE), or runs a command from a client's script (psql \!): anything can follow,
    /// so it ranks above every other effect.</summary>
    ServerExec,
}

/// <summary>Names and helpers for <see cref="Effect"/>.</summary>
public static class EffectNames
{
    private static readonly string[] Names = ["read", "write", "unknown", "server-admin", "delete", "force-push", "terminate", "truncate", "drop", "wipe", "server-exec"];

    /// <summary>The profile and message spelling of an effect ("force-push", "drop").</summary>
    public static string Name(this Effect e) => Names[(int)e];

    /// <summary>True for effects that destroy data or resources.</summary>
    public static bool IsDestructive(this Effect e) => e >= Effect.Delete;

    /// <summary>Parses a profile spelling; case-insensitive.</summary>
    public static bool TryParse(string s, out Effect effect)
    {
        for (int i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], s, StringComparison.OrdinalIgnoreCase)) { effect = (Effect)i; return true; }
        }
        effect = Effect.Unknown;
        return false;
    }

    /// <summary>Every valid spelling, for error messages.</summary>
    public static IReadOnlyList<string> All => Names;
}
