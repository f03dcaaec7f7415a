using System.Text;

namespace AgentShell.Core.Classification;

/// <summary>Every program name the classifier knows: wrappers it unwraps, shells whose scripts it
/// lexes, and tools with a parser.</summary>
internal enum ToolId : byte
{
    None,
    // wrappers
    Sudo, Doas, Env, Timeout, Nice, Ionice, Nohup, Stdbuf, Time, Command, Builtin, Exec, Alias, Xargs, Flock, Watch, Setsid, Chrt,
    SecretRunner, ProcessWrapper, Su, Runuser, Script, Parallel, Npx, Bunx, Busybox, Bundle, Pnpm, Npm, Yarn, Bun, PyRunner, Uvx, Docker, Make, Cargo,
    // servers that run a command later or elsewhere (tmux, screen, at, systemd-run) and project task runners (just, task)
    Deferred, TaskRunner, Interpreter,
    // text tools that run commands of their own: awk system(), sed e, vim :! (CommandClassifier.TextTools.cs)
    TextTool,
    // remote shells: the command runs on another host (CommandClassifier.RemoteExec.cs)
    Ssh, Ansible, Pssh, AnsiblePlaybook,
    // interpreters and SDKs that host a known tool (python manage.py, python -m alembic, php artisan, dotnet ef)
    Python, Php, Dotnet,
    // shells and shell builtins that run code
    Shell, Eval, Source,
    // tools
    Curl, Wget, Httpie, Psql, PgRestore, Dropdb, Mysql, MysqlAdmin, Sqlite3, RedisCli, Mongosh,
    Aws, Gcloud, Gsutil, Az, Kubectl, Helm, Terraform, Pulumi, Railway, Fly, Heroku, Gh, Doctl, Supabase,
    Prisma, DrizzleKit, Sequelize, Rails, Git, Rm, Find, Shred, Dd, Mkfs,
    // a built-in data table (Tools/*.json) named by BuiltInTools.TableOf
    Table, PgDump, Cqlsh, ClickHouse, PgClient, Sqlcmd, Snowsql,
    // SQL shells described as rows (Tools/SqlShells.cs)
    SqlShell,
    // gRPC calls by their method's verb (Tools/Grpcurl.cs); Elasticsearch dumps (Tools/Elasticdump.cs); kcat's modes (Tools/Kcat.cs)
    Grpcurl, Elasticdump, Kcat,
    // local commands that destroy without deleting by name (Tools/LocalFiles.cs)
    Rsync, Scp, Chmod, Mv, Truncate, Crontab,
    // service managers and power commands (Tools/Systemctl.cs)
    Systemctl, Power,
    // partition and volume tools (LocalDelete.Partition)
    Partition,
    // raw connections and the memcached tool (Tools/Netcat.cs, Tools/Memcached.cs)
    Netcat, MemcachedTool,
}

/// <summary>Name → <see cref="ToolId"/> on bytes, without decoding.</summary>
internal static class ToolTable
{
    /// <summary>Every recognised name with its id, in a stable order.</summary>
    internal static readonly (string Name, ToolId Id)[] Names =
    [
        ("sudo", ToolId.Sudo), ("doas", ToolId.Doas), ("env", ToolId.Env), ("timeout", ToolId.Timeout), ("nice", ToolId.Nice),
        ("ionice", ToolId.Ionice), ("nohup", ToolId.Nohup), ("stdbuf", ToolId.Stdbuf), ("time", ToolId.Time),
        ("command", ToolId.Command), ("builtin", ToolId.Builtin), ("exec", ToolId.Exec), ("alias", ToolId.Alias), ("xargs", ToolId.Xargs),
        ("flock", ToolId.Flock), ("chronic", ToolId.Nohup), ("unbuffer", ToolId.Nohup),
        ("aws-vault", ToolId.SecretRunner), ("doppler", ToolId.Table), ("op", ToolId.Table), ("infisical", ToolId.Table), // their run is unwrapped (Unwrap.cs)
        ("dotenv", ToolId.SecretRunner), ("dotenvx", ToolId.SecretRunner), ("watch", ToolId.Watch), ("setsid", ToolId.Setsid), ("chrt", ToolId.Chrt),
        ("su", ToolId.Su), ("runuser", ToolId.Runuser), ("script", ToolId.Script), ("parallel", ToolId.Parallel),
        ("npx", ToolId.Npx), ("bunx", ToolId.Bunx), ("pnpx", ToolId.Npx), ("busybox", ToolId.Busybox), ("bundle", ToolId.Bundle),
        ("pnpm", ToolId.Pnpm), ("npm", ToolId.Npm), ("yarn", ToolId.Yarn), ("bun", ToolId.Bun),
        ("uv", ToolId.PyRunner), ("poetry", ToolId.PyRunner), ("pipenv", ToolId.PyRunner), ("pipx", ToolId.PyRunner), ("uvx", ToolId.Uvx),
        ("make", ToolId.Make), ("gmake", ToolId.Make), ("cargo", ToolId.Cargo), ("ssh", ToolId.Ssh), ("ansible", ToolId.Ansible),
        ("pssh", ToolId.Pssh), ("parallel-ssh", ToolId.Pssh), ("ansible-playbook", ToolId.AnsiblePlaybook),
        ("docker", ToolId.Docker), ("docker-compose", ToolId.Docker), ("podman", ToolId.Docker), ("podman-compose", ToolId.Docker),
        ("python", ToolId.Python), ("python3", ToolId.Python), ("php", ToolId.Php), ("dotnet", ToolId.Dotnet),
        ("sh", ToolId.Shell), ("bash", ToolId.Shell), ("dash", ToolId.Shell), ("zsh", ToolId.Shell), ("ksh", ToolId.Shell),
        ("ash", ToolId.Shell), ("mksh", ToolId.Shell), ("eval", ToolId.Eval), ("source", ToolId.Source), (".", ToolId.Source),
        ("curl", ToolId.Curl), ("wget", ToolId.Wget), ("http", ToolId.Httpie), ("https", ToolId.Httpie), ("xh", ToolId.Httpie),
        ("xhs", ToolId.Httpie), ("psql", ToolId.Psql), ("usql", ToolId.Psql), ("pgcli", ToolId.Psql), ("pg_restore", ToolId.PgRestore), ("dropdb", ToolId.Dropdb),
        ("mysql", ToolId.Mysql), ("mariadb", ToolId.Mysql), ("mysqladmin", ToolId.MysqlAdmin), ("mariadb-admin", ToolId.MysqlAdmin),
        ("sqlite3", ToolId.Sqlite3), ("redis-cli", ToolId.RedisCli), ("valkey-cli", ToolId.RedisCli), ("keydb-cli", ToolId.RedisCli),
        ("cockroach", ToolId.SqlShell), ("trino", ToolId.SqlShell), ("presto", ToolId.SqlShell), ("presto-cli", ToolId.SqlShell),
        ("litecli", ToolId.SqlShell), ("duckdb", ToolId.SqlShell), ("mysqlsh", ToolId.SqlShell), ("mycli", ToolId.SqlShell), ("grpcurl", ToolId.Grpcurl), ("elasticdump", ToolId.Elasticdump), ("kcat", ToolId.Kcat), ("kafkacat", ToolId.Kcat),
        ("mongosh", ToolId.Mongosh), ("mongo", ToolId.Mongosh), ("aws", ToolId.Aws), ("gcloud", ToolId.Gcloud),
        ("gsutil", ToolId.Gsutil), ("az", ToolId.Az), ("kubectl", ToolId.Kubectl), ("helm", ToolId.Helm),
        ("terraform", ToolId.Terraform), ("tofu", ToolId.Terraform), ("pulumi", ToolId.Pulumi), ("railway", ToolId.Railway),
        ("flyctl", ToolId.Fly), ("fly", ToolId.Fly), ("heroku", ToolId.Heroku), ("gh", ToolId.Gh), ("doctl", ToolId.Doctl),
        ("supabase", ToolId.Supabase), ("prisma", ToolId.Prisma), ("drizzle-kit", ToolId.DrizzleKit),
        ("sequelize", ToolId.Sequelize), ("sequelize-cli", ToolId.Sequelize), ("rails", ToolId.Rails), ("rake", ToolId.Rails),
        ("git", ToolId.Git), ("rm", ToolId.Rm), ("find", ToolId.Find), ("shred", ToolId.Shred),
        ("dd", ToolId.Dd), ("mkfs", ToolId.Mkfs), ("mkfs.ext4", ToolId.Mkfs), ("mkfs.ext3", ToolId.Mkfs), ("mkfs.xfs", ToolId.Mkfs),
        ("mkfs.btrfs", ToolId.Mkfs), ("mkfs.vfat", ToolId.Mkfs), ("mkfs.fat", ToolId.Mkfs), ("mke2fs", ToolId.Mkfs), ("wipefs", ToolId.Mkfs),
        ("blkdiscard", ToolId.Mkfs), ("mkswap", ToolId.Mkfs), ("mkdosfs", ToolId.Mkfs), ("mkntfs", ToolId.Mkfs),
        ("cqlsh", ToolId.Cqlsh), ("sqlcmd", ToolId.Sqlcmd), ("snowsql", ToolId.Snowsql), ("clickhouse-client", ToolId.ClickHouse), ("clickhouse", ToolId.ClickHouse),
        ("terragrunt", ToolId.Terraform), ("pg_dump", ToolId.PgDump), ("pg_dumpall", ToolId.PgDump),
        ("createdb", ToolId.PgClient), ("createuser", ToolId.PgClient), ("dropuser", ToolId.PgClient), ("vacuumdb", ToolId.PgClient),
        ("reindexdb", ToolId.PgClient), ("clusterdb", ToolId.PgClient), ("pg_isready", ToolId.PgClient),
        // platform, IaC and migration CLIs described as data (Tools/*.json; aliases in BuiltInTools.TableOf)
        ("vercel", ToolId.Table), ("netlify", ToolId.Table), ("render", ToolId.Table), ("neonctl", ToolId.Table), ("neon", ToolId.Table),
        ("pscale", ToolId.Table), ("turso", ToolId.Table), ("firebase", ToolId.Table), ("wrangler", ToolId.Table), ("cdk", ToolId.Table),
        ("cdktf", ToolId.Table), ("serverless", ToolId.Table), ("sls", ToolId.Table), ("sam", ToolId.Table), ("copilot", ToolId.Table), ("eb", ToolId.Table),
        ("helmfile", ToolId.Table), ("bq", ToolId.Table), ("knex", ToolId.Table), ("typeorm", ToolId.Table),
        ("typeorm-ts-node-commonjs", ToolId.Table), ("typeorm-ts-node-esm", ToolId.Table), ("mikro-orm", ToolId.Table),
        ("alembic", ToolId.Table), ("flyway", ToolId.Table), ("liquibase", ToolId.Table), ("mix", ToolId.Table),
        ("artisan", ToolId.Table), ("manage.py", ToolId.Table), ("django-admin", ToolId.Table), ("dotnet-ef", ToolId.Table),
        ("diesel", ToolId.Table), ("sqlx", ToolId.Table), ("goose", ToolId.Table), ("migrate", ToolId.Table),
        ("dbmate", ToolId.Table), ("atlas", ToolId.Table), ("flask", ToolId.Table),
        ("etcdctl", ToolId.Table), ("vault", ToolId.Table), ("consul", ToolId.Table), ("nomad", ToolId.Table), ("argocd", ToolId.Table),
        ("flux", ToolId.Table), ("sst", ToolId.Table), ("rclone", ToolId.Table), ("s5cmd", ToolId.Table),
        ("mc", ToolId.Table), ("s3cmd", ToolId.Table), ("influx", ToolId.Table), ("databricks", ToolId.Table),
        ("dbt", ToolId.Table), ("bw", ToolId.Table), ("bws", ToolId.Table), ("pulsar-admin", ToolId.Table), ("gopass", ToolId.Table), ("akeyless", ToolId.Table), ("pg_ctl", ToolId.Table), ("pg_ctlcluster", ToolId.Table),
        ("kafka-topics", ToolId.Table), ("kafka-topics.sh", ToolId.Table), ("kafka-consumer-groups", ToolId.Table),
        ("kafka-consumer-groups.sh", ToolId.Table), ("rabbitmqadmin", ToolId.Table), ("rabbitmqctl", ToolId.Table), ("nats", ToolId.Table),
        ("mongorestore", ToolId.Table), ("glab", ToolId.Table), ("amplify", ToolId.Table), ("mongoimport", ToolId.Table),
        ("nodetool", ToolId.Table), ("rpk", ToolId.Table), ("kafka-delete-records", ToolId.Table), ("kafka-delete-records.sh", ToolId.Table),
        ("hcloud", ToolId.Table), ("linode-cli", ToolId.Table), ("linode", ToolId.Table),
        ("velero", ToolId.Table), ("stripe", ToolId.Table), ("cf", ToolId.Table), ("cf7", ToolId.Table), ("cf8", ToolId.Table),
        ("restic", ToolId.Table), ("borg", ToolId.Table), ("borg2", ToolId.Table), ("crane", ToolId.Table), ("skopeo", ToolId.Table), ("regctl", ToolId.Table),
        ("auth0", ToolId.Table), ("okta", ToolId.Table), ("sentry-cli", ToolId.Table), ("twilio", ToolId.Table), ("scw", ToolId.Table), ("vultr-cli", ToolId.Table),
        ("kill", ToolId.Table), ("pkill", ToolId.Table), ("killall", ToolId.Table), ("userdel", ToolId.Table), ("deluser", ToolId.Table), ("groupdel", ToolId.Table), ("delgroup", ToolId.Table),
        ("rsync", ToolId.Rsync), ("scp", ToolId.Scp), ("systemctl", ToolId.Systemctl), ("service", ToolId.Power),
        ("reboot", ToolId.Power), ("shutdown", ToolId.Power), ("poweroff", ToolId.Power), ("halt", ToolId.Power), ("chmod", ToolId.Chmod), ("chown", ToolId.Chmod), ("chgrp", ToolId.Chmod), ("mv", ToolId.Mv),
        ("truncate", ToolId.Truncate), ("crontab", ToolId.Crontab),
        ("parted", ToolId.Partition), ("sgdisk", ToolId.Partition), ("sfdisk", ToolId.Partition), ("lvremove", ToolId.Partition),
        ("vgremove", ToolId.Partition), ("pvremove", ToolId.Partition), ("zfs", ToolId.Partition), ("zpool", ToolId.Partition),
        ("fdisk", ToolId.Partition), ("cryptsetup", ToolId.Partition), ("mdadm", ToolId.Partition), ("tee", ToolId.Partition),
        ("oc", ToolId.Kubectl),
        ("nc", ToolId.Netcat), ("ncat", ToolId.Netcat), ("netcat", ToolId.Netcat), ("telnet", ToolId.Netcat), ("memcached-tool", ToolId.MemcachedTool),
        ("kafka-configs", ToolId.Table), ("kafka-configs.sh", ToolId.Table),
        ("tmux", ToolId.Deferred), ("screen", ToolId.Deferred), ("at", ToolId.Deferred), ("batch", ToolId.Deferred), ("systemd-run", ToolId.Deferred),
        ("just", ToolId.TaskRunner), ("task", ToolId.TaskRunner), ("go-task", ToolId.TaskRunner), ("cross-env", ToolId.TaskRunner),
        ("cross-env-shell", ToolId.TaskRunner), ("taskset", ToolId.TaskRunner), ("npm-run-all", ToolId.TaskRunner), ("run-s", ToolId.TaskRunner),
        ("run-p", ToolId.TaskRunner), ("concurrently", ToolId.TaskRunner),
        // process wrappers described as rows (CommandClassifier.ProcessWrappers.cs)
        ("caffeinate", ToolId.ProcessWrapper), ("proxychains", ToolId.ProcessWrapper), ("proxychains4", ToolId.ProcessWrapper),
        ("torsocks", ToolId.ProcessWrapper), ("strace", ToolId.ProcessWrapper), ("ltrace", ToolId.ProcessWrapper), ("faketime", ToolId.ProcessWrapper),
        ("numactl", ToolId.ProcessWrapper), ("prlimit", ToolId.ProcessWrapper), ("systemd-inhibit", ToolId.ProcessWrapper), ("xvfb-run", ToolId.ProcessWrapper),
        ("valgrind", ToolId.ProcessWrapper), ("firejail", ToolId.ProcessWrapper), ("catchsegv", ToolId.ProcessWrapper), ("cgexec", ToolId.ProcessWrapper),
        ("chpst", ToolId.ProcessWrapper), ("dbus-run-session", ToolId.ProcessWrapper), ("unshare", ToolId.ProcessWrapper), ("nsenter", ToolId.ProcessWrapper),
        ("gdb", ToolId.ProcessWrapper), ("direnv", ToolId.ProcessWrapper), ("envchain", ToolId.ProcessWrapper), ("chamber", ToolId.Table), // chamber exec is unwrapped (Unwrap.cs)
        ("sops", ToolId.ProcessWrapper), ("coproc", ToolId.ProcessWrapper),
        ("node", ToolId.Interpreter), ("nodejs", ToolId.Interpreter), ("perl", ToolId.Interpreter), ("ruby", ToolId.Interpreter), ("deno", ToolId.Interpreter),
        ("tsx", ToolId.Interpreter), ("ts-node", ToolId.Interpreter), ("zx", ToolId.Interpreter), ("lua", ToolId.Interpreter), ("luajit", ToolId.Interpreter),
        ("awk", ToolId.TextTool), ("gawk", ToolId.TextTool), ("mawk", ToolId.TextTool), ("nawk", ToolId.TextTool), ("sed", ToolId.TextTool), ("gsed", ToolId.TextTool),
        ("vim", ToolId.TextTool), ("vi", ToolId.TextTool), ("nvim", ToolId.TextTool), ("ex", ToolId.TextTool), ("view", ToolId.TextTool),
    ];

    // Every mkfs.TYPE helper (mkfs.ext2, mkfs.f2fs, mkfs.exfat, …) makes a file system, listed or not.
    private static ReadOnlySpan<byte> MkfsPrefix => "mkfs."u8;

    // PERF: names bucketed by first byte and length (a bucket holds three names at most): by first
    // byte alone, 'p' held twenty and a lookup of psql compared lengths down the list, and each
    // command looks its name up two or three times (quick path, classifier, shell trigger).
    private const int LengthBuckets = 32;
    private static readonly (byte[] Name, ToolId Id, string Text)[][] Buckets = Build();
    private static readonly Dictionary<string, ToolId> ByString = Names.ToDictionary(n => n.Name, n => n.Id, StringComparer.Ordinal);

    private static (byte[], ToolId, string)[][] Build()
    {
        var b = new List<(byte[], ToolId, string)>[128 * LengthBuckets];
        foreach (var (name, id) in Names)
        {
            var bytes = Encoding.ASCII.GetBytes(name);
            if (bytes.Length >= LengthBuckets || bytes[0] >= 128) throw new InvalidOperationException($"tool name '{name}' does not fit the table");
            (b[Bucket(bytes)] ??= []).Add((bytes, id, name));
        }
        return b.Select(l => l?.ToArray() ?? []).ToArray();
    }

    private static int Bucket(ReadOnlySpan<byte> name) => name[0] * LengthBuckets + name.Length;

    /// <summary>Looks up a basename.</summary>
    public static ToolId Lookup(ReadOnlySpan<byte> name) => Lookup(name, out _);

    /// <summary>Looks up a basename; <paramref name="text"/> is the table's own string for it when
    /// the name is listed as it is (null for other names and mkfs.TYPE).</summary>
    public static ToolId Lookup(ReadOnlySpan<byte> name, out string? text)
    {
        text = null;
        if (name.IsEmpty) return ToolId.None;
        if (name.Length < LengthBuckets && name[0] < 128) // no listed name is longer or starts otherwise
        {
            foreach (var (n, id, t) in Buckets[Bucket(name)])
            {
                if (name.SequenceEqual(n)) { text = t; return id; }
            }
        }
        return name.Length > MkfsPrefix.Length && name.StartsWith(MkfsPrefix) ? ToolId.Mkfs : ToolId.None;
    }

    /// <summary>Looks up a basename given as a string.</summary>
    public static ToolId Lookup(string name) =>
        ByString.TryGetValue(name, out var id) ? id : name.Length > 5 && name.StartsWith("mkfs.", StringComparison.Ordinal) ? ToolId.Mkfs : ToolId.None;
}
