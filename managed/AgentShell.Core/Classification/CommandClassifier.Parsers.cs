using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

// Which parser reads which tool (one file per tool under Tools/).
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        private static CommandIntent? Parse(ToolId id, string name, ToolCall c) => id switch
        {
            ToolId.Curl => Curl.Parse(c.Args, c.Context, c),
            ToolId.Wget => Wget.Parse(c),
            ToolId.Httpie => Httpie.Parse(name, c),
            ToolId.Psql => Psql.Parse(c),
            ToolId.PgRestore => PostgresTools.PgRestore(c),
            ToolId.Dropdb => PostgresTools.DropDb(c),
            ToolId.Mysql => Mysql.Parse(name, c),
            ToolId.MysqlAdmin => Mysql.ParseAdmin(c),
            ToolId.Sqlite3 => Sqlite.Parse(c),
            ToolId.RedisCli => RedisCli.Parse(c),
            ToolId.Mongosh => Mongosh.Parse(name, c),
            ToolId.Aws => Aws.Parse(c),
            ToolId.Gcloud => Gcloud.Parse(c),
            ToolId.Gsutil => Gsutil.Parse(c),
            ToolId.Az => Az.Parse(c),
            ToolId.Kubectl => Kubectl.Parse(c),
            ToolId.Helm => Helm.Parse(c),
            ToolId.Terraform => Terraform.Parse(name, c),
            ToolId.Pulumi => BuiltInTools.Parse("pulumi", c),
            ToolId.Railway => BuiltInTools.Parse("railway", c),
            ToolId.Fly => BuiltInTools.Parse("fly", c),
            ToolId.Heroku => BuiltInTools.Parse("heroku", c),
            ToolId.Gh => BuiltInTools.Parse("gh", c),
            ToolId.Doctl => BuiltInTools.Parse("doctl", c),
            ToolId.Supabase => BuiltInTools.Parse("supabase", c),
            ToolId.Prisma => OrmClis.Prisma(c),
            ToolId.DrizzleKit => OrmClis.DrizzleKit(c),
            ToolId.Sequelize => OrmClis.Sequelize(c),
            ToolId.Rails => OrmClis.Rails(name, c),
            ToolId.Git => Git.Parse(c),
            ToolId.Rm => LocalDelete.Rm(c),
            ToolId.Find => LocalDelete.Find(c),
            ToolId.Shred => LocalDelete.Shred(c),
            ToolId.Dd => LocalDelete.Dd(c),
            ToolId.Mkfs => LocalDelete.Mkfs(name, c),
            // influx -execute/-import is the 1.x CLI (a SQL shell); the 2.x one is a table.
            ToolId.Table => (name == "influx" ? SqlShells.Parse(name, c) : null) ?? BuiltInTools.Parse(BuiltInTools.TableOf(name), c),
            ToolId.SqlShell => SqlShells.Parse(name, c),
            ToolId.Grpcurl => Grpcurl.Parse(c),
            ToolId.Elasticdump => Elasticdump.Parse(c),
            ToolId.Kcat => Kcat.Parse(name, c),
            ToolId.PgDump => PostgresTools.PgDump(name, c),
            ToolId.PgClient => PostgresTools.PgClient(name, c),
            ToolId.Cqlsh => Cqlsh.Parse(c),
            ToolId.Sqlcmd => Sqlcmd.Parse(c),
            ToolId.Snowsql => Snowsql.Parse(c),
            ToolId.ClickHouse => ClickHouseClient.Parse(name, c),
            ToolId.Rsync => LocalFiles.Rsync(c),
            ToolId.Scp => LocalFiles.Scp(c),
            ToolId.Systemctl => Systemctl.Parse(c),
            ToolId.Power => Systemctl.ParsePower(name, c),
            ToolId.Chmod => LocalFiles.Owner(name, c),
            ToolId.Mv => LocalFiles.Mv(c),
            ToolId.Truncate => LocalFiles.Truncate(c),
            ToolId.Crontab => LocalFiles.Crontab(c),
            ToolId.Partition => LocalDelete.Partition(name, c),
            ToolId.Netcat => Netcat.Parse(name, c),
            ToolId.MemcachedTool => Memcached.Parse(c),
            _ => null,
        };
    }
}
