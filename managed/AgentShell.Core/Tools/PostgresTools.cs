using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>PostgreSQL's other clients that change data, read with getopt_long as
/// <see cref="Psql"/> is: <c>pg_restore</c> (<c>--clean</c> drops before restoring → drop;
/// otherwise write; <c>-l</c> lists → read; without <c>-d</c> it only prints a script → read) and
/// <c>dropdb</c> (drop); <c>pg_dump</c>/<c>pg_dumpall</c> only read the server, whatever their options.</summary>
public static class PostgresTools
{
    /// <summary>pg_restore's options (PostgreSQL 15, <c>pg_restore --help</c>).</summary>
    public static readonly OptionTable PgRestoreOptions = new("pg_restore", OptionRules.Getopt, """
        -d --dbname <name>
        -f --file <filename>
        -F --format <format>
        -l --list
        -v --verbose
        -V --version
        -? --help
        -a --data-only
        -c --clean
        -C --create
        -e --exit-on-error
        -I --index <name>
        -j --jobs <num>
        -L --use-list <filename>
        -n --schema <name>
        -N --exclude-schema <name>
        -O --no-owner
        -P --function <name>
        -s --schema-only
        -S --superuser <name>
        -t --table <name>
        -T --trigger <name>
        -x --no-privileges --no-acl
        -1 --single-transaction
        -h --host <hostname>
        -p --port <port>
        -U --username <name>
        -w --no-password
        -W --password
           --disable-triggers
           --enable-row-security
           --if-exists
           --no-comments
           --no-data-for-failed-tables
           --no-publications
           --no-security-labels
           --no-subscriptions
           --no-table-access-method
           --no-tablespaces
           --restrict-key <key>
           --section <section>
           --strict-names
           --use-set-session-authorization
           --role <rolename>
        """);

    /// <summary>dropdb's options (PostgreSQL 15, <c>dropdb --help</c>).</summary>
    public static readonly OptionTable DropDbOptions = new("dropdb", OptionRules.Getopt, """
        -e --echo
        -f --force
        -i --interactive
        -V --version
        -? --help
        -h --host <hostname>
        -p --port <port>
        -U --username <username>
        -w --no-password
        -W --password
           --if-exists
           --maintenance-db <dbname>
        """);

    /// <summary>pg_dump's and pg_dumpall's options that take a value (PostgreSQL 16, their
    /// <c>--help</c>); the others are switches. Only the connection matters: a dump reads.</summary>
    public static readonly OptionTable PgDumpOptions = new("pg_dump", OptionRules.Getopt, """
        -d --dbname <name>
        -f --file <filename>
        -F --format <format>
        -j --jobs <num>
        -Z --compress <method>
           --lock-wait-timeout <timeout>
        -n --schema <pattern>
        -N --exclude-schema <pattern>
        -t --table <pattern>
        -T --exclude-table <pattern>
        -E --encoding <encoding>
        -S --superuser <name>
           --exclude-table-data <pattern>
           --exclude-table-and-children <pattern>
           --exclude-table-data-and-children <pattern>
           --table-and-children <pattern>
           --extra-float-digits <digits>
           --rows-per-insert <nrows>
           --section <section>
           --snapshot <snapshot>
           --exclude-database <pattern>
           --exclude-extension <pattern>
           --extension <pattern>
           --filter <filename>
        -l --database <dbname>
        -h --host <hostname>
        -p --port <port>
        -U --username <name>
           --role <rolename>
        -V --version
        -? --help
        -v --verbose
        -a --data-only
        -b --large-objects --blobs
        -B --no-large-objects --no-blobs
        -c --clean
        -C --create
        -g --globals-only
        -r --roles-only
        -O --no-owner
        -s --schema-only
        -x --no-privileges --no-acl
        -w --no-password
        -W --password
           --if-exists
           --inserts
           --column-inserts
           --quote-all-identifiers
           --no-comments
           --no-publications
           --no-subscriptions
           --no-security-labels
           --no-tablespaces
           --no-unlogged-table-data
           --no-sync
           --disable-triggers
           --serializable-deferrable
        """);

    /// <summary>The value-taking options of PostgreSQL's other wrapper-installed clients (createdb,
    /// createuser, dropuser, vacuumdb, reindexdb, clusterdb, pg_isready; PostgreSQL 16 <c>--help</c>).
    /// Only the connection matters: their effect is their name's.</summary>
    public static readonly OptionTable PgClientOptions = new("pg-client", OptionRules.Getopt, """
        -h --host <hostname>
        -p --port <port>
        -U --username <name>
        -d --dbname <dbname>
           --maintenance-db <dbname>
        -D --tablespace <tablespace>
        -E --encoding <encoding>
        -l --locale <locale>
        -O --owner <owner>
        -T --template <template>
        -S --schema <schema>
        -t --table <table>
        -i --index <index>
        -j --jobs <num>
        -N --exclude-schema <schema>
        -c --connection-limit <limit>
        -g --member-of <role>
           --analyze-in-stages
           --min-xid-age <age>
           --min-mxid-age <age>
           --parallel <workers>
           --buffer-usage-limit <size>
           --tablespace-name <tablespace>
           --timeout <secs>
        -V --version
        -? --help
        """);

    /// <summary>createdb, createuser, vacuumdb, reindexdb, clusterdb write; dropuser deletes a role;
    /// pg_isready reads. Known by name for the same reason as <see cref="PgDump"/>.</summary>
    public static CommandIntent PgClient(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? db = null, host = null, port = null;
        var reader = new OptionReader(PgClientOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { if (tool is "createdb" or "vacuumdb" or "reindexdb" or "clusterdb") db ??= t.Value; continue; }
            if (t.Kind != OptionTokenKind.Option) continue; // a switch this table does not list: the tool still does what its name says
            switch (t.Name)
            {
                case "--dbname": db = t.Value; break;
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--help": case "--version": return ToolHelp.Help(tool, "--help");
            }
        }
        var effect = tool switch { "dropuser" => Effect.Delete, "pg_isready" => Effect.Read, _ => Effect.Write };
        var targets = Psql.ResolveTargets(tool == "createdb" ? null : db, host, port, c.Context, evidence);
        evidence.Add(new(tool, $"{tool} → {effect.Name()}"));
        return ToolHelp.Intent(tool, effect, tool, targets, evidence);
    }

    /// <summary>pg_dump and pg_dumpall: a dump only reads the server (its output goes to a file
    /// or stdout). Known by name so that Debian's pg_wrapper, which psql is a link to as well,
    /// is not taken for psql (whose SQL would then be unknown).</summary>
    public static CommandIntent PgDump(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? db = null, host = null, port = null;
        var reader = new OptionReader(PgDumpOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { db ??= t.Value; continue; }
            if (t.Kind != OptionTokenKind.Option) continue; // a switch this table does not list: still a dump
            switch (t.Name)
            {
                case "--dbname": case "--database": db = t.Value; break;
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--help": case "--version": return ToolHelp.Help(tool, "--help");
            }
        }
        var targets = Psql.ResolveTargets(db, host, port, c.Context, evidence);
        evidence.Add(new(tool, "dumps the database: reads"));
        return ToolHelp.Intent(tool, Effect.Read, "dump", targets, evidence);
    }

    /// <summary>Parses pg_restore's arguments.</summary>
    public static CommandIntent PgRestore(ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? db = null, host = null, port = null;
        bool list = false, clean = false, help = false, unknown = false;
        var reader = new OptionReader(PgRestoreOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) continue; // the archive
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--dbname": db = t.Value; break;
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--list": list = true; break;
                case "--clean": clean = true; evidence.Add(new(t.Text, "drops database objects before recreating them")); break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("pg_restore", "--help");
        var targets = Psql.ResolveTargets(db, host, port, c.Context, evidence);
        Effect effect = list ? Effect.Read : db == null ? Effect.Read : clean ? Effect.Drop : Effect.Write;
        string summary = list ? "list archive" : db == null ? "print restore script" : clean ? "restore --clean (drops objects)" : "restore";
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        return ToolHelp.Intent("pg_restore", effect, summary, db == null && !list && !unknown ? [] : targets, evidence);
    }

    /// <summary>Parses dropdb's arguments.</summary>
    public static CommandIntent DropDb(ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? name = null, host = null, port = null;
        bool help = false;
        var reader = new OptionReader(DropDbOptions, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { name ??= t.Value; continue; }
            if (OptionProblems.Note(t, evidence)) continue; // drop already is more severe than unknown
            switch (t.Name)
            {
                case "--host": host = t.Value; break;
                case "--port": port = t.Value; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("dropdb", "--help");
        // The database is the one named, on each server the connection may reach.
        var targets = Psql.ResolveTargets(null, host, port, c.Context, evidence)
            .Select(t => t.Kind == TargetKind.Database ? new Target { Kind = TargetKind.Database, Scheme = t.Scheme, Host = t.Host, Port = t.Port, Database = name } : t).ToList();
        evidence.Add(new(name ?? "dropdb", $"drops database {name}"));
        return ToolHelp.Intent("dropdb", Effect.Drop, $"DROP DATABASE {name}", targets, evidence);
    }
}
