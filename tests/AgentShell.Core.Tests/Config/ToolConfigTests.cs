using System.Security.Cryptography;
using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Config;

/// <summary>The configuration files of wget, psql, mysql, HTTPie/xh, kubectl and the cloud CLIs,
/// read as each tool resolves them (its HOME, XDG variables, cwd) and folded into its intent.</summary>
public class ToolConfigTests
{
    private string _home = null!;

    [SetUp] public void SetUp() => _home = Directory.CreateTempSubdirectory("agentshell-toolconfig-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_home, recursive: true);

    private string Write(string rel, string text) => Write(rel, Encoding.UTF8.GetBytes(text));

    private string Write(string rel, byte[] bytes)
    {
        var p = Path.Combine(_home, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    // No system file is read from this machine: every system location points into the test's home.
    private Dictionary<string, string> Env(params (string, string)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _home, ["SYSTEM_WGETRC"] = Path.Combine(_home, "etc-wgetrc"), ["PGSYSCONFDIR"] = Path.Combine(_home, "etc-pg"),
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    private CommandIntent Classify(string[] argv, Dictionary<string, string>? env = null) =>
        new CommandClassifier().Classify(argv, new LocalExecContext(env ?? Env(), _home, new ConfigFileCache())).Single();

    [Test]
    public void AWgetrcMethodAndBodyAreFoldedIn()
    {
        Write(".wgetrc", "# defaults\ntries = 3\nMethod = DELETE\n");
        Assert.That(Classify(["wget", "-q", "https://api.example.net/v1/volumes/1"]).Effect, Is.EqualTo(Effect.Delete));
        Write(".wgetrc", "post_data = {\"query\":\"mutation { projectDelete(id: 1) }\"}\n");
        Assert.That(Classify(["wget", "https://api.example.net/graphql"]).Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void WgetReadsTheSystemFileAndWgetrcOrOnlyItsConfigOption()
    {
        Write("etc-wgetrc", "method = DELETE\n");
        Assert.That(Classify(["wget", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        Write("other.rc", "method = GET\n");
        Assert.That(Classify(["wget", "--config=" + Path.Combine(_home, "other.rc"), "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
        Assert.That(Classify(["wget", "--no-config", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
        Write("user.rc", "method = PURGE\n");
        Assert.That(Classify(["wget", "https://api.example.net/x"], Env(("WGETRC", Path.Combine(_home, "user.rc")))).Summary, Does.StartWith("PURGE"));
    }

    [Test]
    public void WgetsNoConfigIsFoundAsWgetReadsItsOptions()
    {
        Write(".wgetrc", "method = DELETE\n");
        // The value of --header is not an option: wget reads its wgetrc and sends a DELETE.
        Assert.That(Classify(["wget", "--header", "--no-config", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Classify(["wget", "--header=--no-config", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        // A unique prefix is the option (getopt_long), after the URL too.
        Assert.That(Classify(["wget", "https://api.example.net/x", "--no-conf"]).Effect, Is.EqualTo(Effect.Read));
        Write("other.rc", "method = GET\n");
        Assert.That(Classify(["wget", "--conf", Path.Combine(_home, "other.rc"), "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void APsqlrcRunsBeforeTheCommandUnlessX()
    {
        Write(".psqlrc", "\\set QUIET 1\n\\pset null '(null)'\nDROP TABLE customers;\n");
        var i = Classify(["psql", "-h", "db.example.net", "-c", "SELECT 1"]);
        Assert.That((i.Effect, i.Summary), Is.EqualTo((Effect.Drop, $"DROP TABLE customers (in {Path.Combine(_home, ".psqlrc")})")));
        Assert.That(Classify(["psql", "-X", "-h", "db.example.net", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Read));
        Assert.That(Classify(["psql", "-tAX", "-h", "db.example.net", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Read));
        Assert.That(Classify(["psql", "--no-psqlrc", "-h", "db.example.net", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Read));
        Assert.That(Classify(["psql", "--no-ps", "-h", "db.example.net", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Read));
        // An X or a --no-psqlrc that is an option's value turns nothing off.
        Assert.That(Classify(["psql", "-h", "db.example.net", "-c", "SELECT 'X'"]).Effect, Is.EqualTo(Effect.Drop));
        Assert.That(Classify(["psql", "-h", "db.example.net", "-c", "--no-psqlrc"]).Effect, Is.EqualTo(Effect.Drop));
    }

    [Test]
    public void ASettingsOnlyPsqlrcChangesNothing()
    {
        Write(".psqlrc", "\\set QUIET 1\n\\timing on\n\\x auto\n\\set PROMPT1 '%n@%/%R%# '\n");
        Assert.That(Classify(["psql", "-h", "db.example.net", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void PsqlrcFromTheEnvironmentAndTheSystemFileAreRead()
    {
        Write("my.psqlrc", "TRUNCATE orders;\n");
        Assert.That(Classify(["psql", "-c", "SELECT 1"], Env(("PSQLRC", Path.Combine(_home, "my.psqlrc")))).Effect, Is.EqualTo(Effect.Truncate));
        Write("etc-pg/psqlrc", "DELETE FROM sessions;\n");
        Assert.That(Classify(["psql", "-c", "SELECT 1"]).Effect, Is.EqualTo(Effect.Wipe));
    }

    [Test]
    public void IncludedScriptsAreReadFromCAndF()
    {
        Write("sql/drop.sql", "DROP TABLE users;\n");
        Write("sql/main.sql", "SELECT 1;\n\\ir drop.sql\n");
        Assert.That(Classify(["psql", "-h", "db.example.net", "-c", "\\i sql/drop.sql"]).Effect, Is.EqualTo(Effect.Drop));
        // psql looks for \ir's file beside the script (corpus11), not in the working directory.
        Write("drop.sql", "SELECT 2;\n");
        Assert.That(Classify(["psql", "-h", "db.example.net", "-f", "sql/main.sql"]).Effect, Is.EqualTo(Effect.Drop), "\\ir from -f is beside the script");
        Write("sql/other.sql", "SELECT 1;\n\\ir only-in-cwd.sql\n");
        Write("only-in-cwd.sql", "DROP TABLE users;\n");
        Assert.That(Classify(["psql", "-h", "db.example.net", "-f", "sql/other.sql"]).Effect, Is.EqualTo(Effect.Unknown), "not beside the script: unknown");
        Assert.That(Classify(["psql", "-h", "db.example.net", "-c", "\\i missing.sql"]).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void AServiceFileNamesTheHostAndBeatsPghost()
    {
        Write(".pg_service.conf", "[prod]\nhost=db.prod.example.com\nport=6432\ndbname=app\n");
        var t = Classify(["psql", "service=prod", "-c", "SELECT 1"], Env(("PGHOST", "localhost"))).Targets.Single();
        Assert.That(t.ToString(), Is.EqualTo("postgresql://db.prod.example.com:6432/app"));
        t = Classify(["psql", "-c", "SELECT 1"], Env(("PGSERVICE", "prod"))).Targets.Single();
        Assert.That(t.Host, Is.EqualTo("db.prod.example.com"));
        t = Classify(["psql", "-h", "db.other.example.com", "-c", "SELECT 1"], Env(("PGSERVICE", "prod"))).Targets.Single();
        Assert.That(t.Host, Is.EqualTo("db.other.example.com"), "the command line beats the service");
        Write("svc.conf", "[prod]\nhost=db.alt.example.com\n");
        t = Classify(["psql", "-c", "SELECT 1"], Env(("PGSERVICE", "prod"), ("PGSERVICEFILE", Path.Combine(_home, "svc.conf")))).Targets.Single();
        Assert.That(t.Host, Is.EqualTo("db.alt.example.com"));
    }

    [Test]
    public void MysqlOptionFilesGiveTheHostAndInitCommand()
    {
        Write(".my.cnf", "[client]\nhost = db.prod.example.com\nuser=app\n\n[mysql]\ninit-command = \"DELETE FROM sessions\"\n[mysqld]\nhost=ignored\n");
        var i = Classify(["mysql", "-e", "SELECT 1"]);
        Assert.That((i.Effect, i.Targets.Single().Host), Is.EqualTo((Effect.Wipe, "db.prod.example.com")));
        Assert.That(Classify(["mysql", "-h", "db.staging.example.com", "-e", "SELECT 1"]).Targets.Single().Host, Is.EqualTo("db.staging.example.com"));
        Write("only.cnf", "[client]\nhost=db.only.example.com\n");
        Assert.That(Classify(["mysql", "--defaults-file=" + Path.Combine(_home, "only.cnf"), "-e", "SELECT 1"]).Targets.Single().Host, Is.EqualTo("db.only.example.com"));
        Assert.That(Classify(["mysql", "--no-defaults", "-e", "SELECT 1"]).Targets.Single().Host, Is.Null);
    }

    [Test]
    public void AnIncludedDirectoryOfOptionFilesIsUnknown()
    {
        Write(".my.cnf", "!includedir /etc/mysql/conf.d/\n[client]\nhost=db.example.com\n");
        Assert.That(Classify(["mysql", "-e", "SELECT 1"]).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void TheLoginPathFileIsDecryptedAsMysqlDoes()
    {
        Write(".mylogin.cnf", MyLogin("[client]\nhost = db.prod.example.com\npassword = \"login-secret-1\"\n"));
        var i = Classify(["mysql", "-e", "SELECT 1"]);
        Assert.That(i.Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        Assert.That(i.Credentials.Select(c => c.Secret), Has.Member("login-secret-1"));
        Assert.That(string.Join(" ", i.Evidence.Select(e => e.Fact)), Does.Not.Contain("login-secret-1"));
    }

    [Test]
    public void MysqlTestLoginFileIsReadInPlaceOfTheUsersLoginFile()
    {
        // mysys reads MYSQL_TEST_LOGIN_FILE instead of ~/.mylogin.cnf: on main the staging login
        // file in the home was read while mysql went to the production one.
        Write(".mylogin.cnf", MyLogin("[client]\nhost = db.staging.example.com\n"));
        var prod = Write("elsewhere/login.cnf", MyLogin("[client]\nhost = db.prod.example.com\n"));
        Assert.That(Classify(["mysql", "-e", "DROP TABLE t"], Env(("MYSQL_TEST_LOGIN_FILE", prod))).Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        Assert.That(Classify(["mysql", "-e", "DROP TABLE t"]).Targets.Single().Host, Is.EqualTo("db.staging.example.com"));
    }

    // mysql_config_editor's format: 4 unused bytes, a 20-byte key, then per line a length and AES-128-ECB.
    private static byte[] MyLogin(string text)
    {
        var key20 = RandomNumberGenerator.GetBytes(20);
        var key = new byte[16];
        for (int i = 0; i < 20; i++) key[i % 16] ^= key20[i];
        using var aes = Aes.Create();
        aes.Key = key;
        var output = new List<byte>(new byte[4]);
        output.AddRange(key20);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cipher = aes.EncryptEcb(Encoding.UTF8.GetBytes(line + "\n"), PaddingMode.PKCS7);
            output.AddRange(BitConverter.GetBytes(cipher.Length));
            output.AddRange(cipher);
        }
        return [.. output];
    }

    [TestCase("http", "httpie")]
    [TestCase("xh", "xh")]
    public void HttpieAndXhDefaultOptionsComeFirst(string tool, string dir)
    {
        Write($".config/{dir}/config.json", "{ \"default_options\": [\"--auth-type=bearer\", \"--auth=cfg-token-98765\"] }");
        var i = Classify([tool, "DELETE", "https://api.example.net/v1/x"]);
        Assert.That(i.Credentials.Select(c => c.Secret), Has.Member("cfg-token-98765"));
        Write($".config/{dir}/config.json", "{ \"default_options\": \"--offline\" }");
        Assert.That(Classify([tool, "https://api.example.net/v1/x"]).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void EveryKubeconfigFileIsMergedAsKubectlDoes()
    {
        Write("kube/a", "apiVersion: v1\nkind: Config\n");
        Write("kube/b", "apiVersion: v1\ncurrent-context: prod-eu\n");
        Write("kube/c", "current-context: dev\n");
        var kc = string.Join(':', new[] { "a", "b", "c" }.Select(f => Path.Combine(_home, "kube", f)));
        Assert.That(Classify(["kubectl", "delete", "pod", "x"], Env(("KUBECONFIG", kc))).Targets.Single().Name, Is.EqualTo("prod-eu"));
        Assert.That(Classify(["kubectl", "--kubeconfig", Path.Combine(_home, "kube", "c"), "get", "pods"], Env(("KUBECONFIG", kc))).Targets.Single().Name, Is.EqualTo("dev"));
    }

    [Test]
    public void TheCloudClisDefaultsAreRead()
    {
        Write(".aws/config", "[default]\nregion = eu-west-1\n[profile prod]\nregion = us-east-1\n");
        Assert.That(Classify(["aws", "s3", "ls"]).Targets.Single().Region, Is.EqualTo("eu-west-1"));
        Assert.That(Classify(["aws", "--profile", "prod", "s3", "ls"]).Targets.Single().Region, Is.EqualTo("us-east-1"));
        Write(".config/gcloud/active_config", "work\n");
        Write(".config/gcloud/configurations/config_work", "[core]\naccount = me@example.com\nproject = acme-prod\n");
        // The project first; beside it (corpus13) the environment word its id carries.
        Assert.That(Classify(["gcloud", "compute", "instances", "delete", "vm-1"]).Targets.Select(t => t.Name), Is.EqualTo(new[] { "acme-prod", "prod" }));
        Assert.That(Classify(["gcloud", "--project", "acme-dev", "compute", "instances", "list"]).Targets.Select(t => t.Name), Is.EqualTo(new[] { "acme-dev", "dev" }));
        Write(".azure/azureProfile.json", "\uFEFF{\"subscriptions\": [{\"id\": \"1111\", \"name\": \"dev-sub\", \"isDefault\": false}, {\"id\": \"2222\", \"name\": \"prod-sub\", \"isDefault\": true}]}");
        Assert.That(Classify(["az", "group", "delete", "-n", "rg"]).Targets.Select(t => t.Name), Is.EqualTo(new[] { "2222", "prod-sub" }));
    }

    [Test]
    public void GoogleCloudProjectInTheEnvironmentDoesNotHideGcloudsProject()
    {
        // gcloud reads CLOUDSDK_CORE_PROJECT, not GOOGLE_CLOUD_PROJECT (the client libraries do):
        // read as the target, that variable set to a dev project hid the active configuration's
        // production project.
        Write(".config/gcloud/active_config", "work\n");
        Write(".config/gcloud/configurations/config_work", "[core]\nproject = acme-prod\n");
        Assert.That(Classify(["gcloud", "sql", "instances", "delete", "db1"], Env(("GOOGLE_CLOUD_PROJECT", "acme-dev"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "acme-prod", "prod" }));
        Assert.That(Classify(["gcloud", "sql", "instances", "delete", "db1"], Env(("CLOUDSDK_CORE_PROJECT", "acme-dev"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "acme-dev", "dev" }));
    }

    [Test]
    public void AzureSubscriptionIdInTheEnvironmentDoesNotHideAzsDefault()
    {
        // az does not read AZURE_SUBSCRIPTION_ID (azd and the SDKs do): the subscription a command
        // acts on is --subscription, else azureProfile.json's default. Read as the target, the
        // variable set to a staging id hid a production default.
        Write(".azure/azureProfile.json", "\uFEFF{\"subscriptions\": [{\"id\": \"1111\", \"name\": \"dev-sub\", \"isDefault\": false}, {\"id\": \"2222\", \"name\": \"prod-sub\", \"isDefault\": true}]}");
        Assert.That(Classify(["az", "group", "delete", "-n", "rg"], Env(("AZURE_SUBSCRIPTION_ID", "1111"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "2222", "prod-sub" }));
        Assert.That(Classify(["az", "--subscription", "1111", "group", "delete", "-n", "rg"], Env(("AZURE_SUBSCRIPTION_ID", "2222"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "1111" }));
    }

    // Arguments and targets a tool takes from its environment, beside its argv.
    [TestCase("TF_CLI_ARGS_apply", "-destroy", new[] { "terraform", "apply", "-auto-approve" }, Effect.Wipe)]
    [TestCase("TF_CLI_ARGS", "-destroy", new[] { "tofu", "apply", "-auto-approve" }, Effect.Wipe)]
    [TestCase("TF_CLI_ARGS_apply", "-replace=aws_db_instance.main", new[] { "terraform", "-chdir=infra", "apply" }, Effect.Delete)]
    [TestCase("TF_CLI_ARGS_apply", "-var 'x=$(id)' -destroy", new[] { "terraform", "apply" }, Effect.Wipe)]
    [TestCase("TF_CLI_ARGS_apply", "-destroy $(cat flags)", new[] { "terraform", "apply" }, Effect.Unknown)]
    [TestCase("TF_CLI_ARGS_plan", "-destroy", new[] { "terraform", "apply", "-auto-approve" }, Effect.Write)]
    [TestCase("TF_CLI_ARGS_apply", "-input=false", new[] { "terraform", "apply", "-auto-approve" }, Effect.Write)]
    public void TerraformsCliArgsVariablesArePartOfTheCommand(string name, string value, string[] argv, Effect effect) =>
        Assert.That(Classify(argv, Env((name, value))).Effect, Is.EqualTo(effect));

    [Test]
    public void TerraformsWorkspaceIsReadFromItsDataDirectory()
    {
        Write(".terraform/environment", "staging");
        Write("tfdata/environment", "prod");
        Assert.That(Classify(["terraform", "destroy"], Env(("TF_DATA_DIR", "tfdata"))).Targets.Single().Name, Is.EqualTo("prod"));
        Assert.That(Classify(["terraform", "destroy"], Env(("TF_DATA_DIR", Path.Combine(_home, "tfdata")))).Targets.Single().Name, Is.EqualTo("prod"));
        Assert.That(Classify(["terraform", "destroy"]).Targets.Single().Name, Is.EqualTo("staging"));
    }

    [Test]
    public void AnApiServerOrClusterGivenBesideTheContextIsATarget()
    {
        Write(".kube/config", "apiVersion: v1\ncurrent-context: staging\n");
        var server = Classify(["kubectl", "-s", "https://k8s.prod.example.com", "delete", "ns", "shop"]);
        Assert.That(server.Targets.Select(t => t.Host ?? t.Name), Is.EqualTo(new[] { "staging", "k8s.prod.example.com" }));
        Assert.That(Classify(["kubectl", "--cluster=prod", "delete", "ns", "shop"]).Targets.Select(t => t.Name), Is.EqualTo(new[] { "staging", "prod" }));
        Assert.That(Classify(["helm", "--kube-apiserver", "https://k8s.prod.example.com:6443", "uninstall", "shop"]).Targets.Select(t => t.Host ?? t.Name), Is.EqualTo(new[] { "staging", "k8s.prod.example.com" }));
        Assert.That(Classify(["helm", "uninstall", "shop"], Env(("HELM_KUBECONTEXT", "prod"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "prod" }));
        Assert.That(Classify(["helm", "--kube-context", "staging", "uninstall", "shop"], Env(("HELM_KUBECONTEXT", "prod"))).Targets.Select(t => t.Name), Is.EqualTo(new[] { "staging" }));
        Assert.That(Classify(["helm", "list"], Env(("HELM_KUBEAPISERVER", "k8s.prod.example.com"))).Targets.Select(t => t.Host ?? t.Name), Is.EqualTo(new[] { "staging", "k8s.prod.example.com" }));
        // The look-alike: no override, one target.
        Assert.That(Classify(["kubectl", "delete", "ns", "shop"]).Targets.Select(t => t.Name), Is.EqualTo(new[] { "staging" }));
    }

    [Test]
    public void MysqlGroupSuffixVariablesAddTheirGroups()
    {
        // mysys takes MARIADB_GROUP_SUFFIX, then MYSQL_GROUP_SUFFIX, when --defaults-group-suffix is not given:
        // on main the variable was not read, so [client_prod]'s production host was hidden by [client]'s staging one.
        Write(".my.cnf", "[client]\nhost=db.staging.example.com\n[client_prod]\nhost=db.prod.example.com\n");
        Assert.That(Classify(["mysql", "-e", "DROP TABLE t"], Env(("MYSQL_GROUP_SUFFIX", "_prod"))).Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        Assert.That(Classify(["mariadb", "-e", "DROP TABLE t"], Env(("MARIADB_GROUP_SUFFIX", "_prod"))).Targets.Single().Host, Is.EqualTo("db.prod.example.com"));
        // The option wins over the variable, as in mysys; without either, [client] alone.
        Assert.That(Classify(["mysql", "--defaults-group-suffix=_none", "-e", "DROP TABLE t"], Env(("MYSQL_GROUP_SUFFIX", "_prod"))).Targets.Single().Host, Is.EqualTo("db.staging.example.com"));
        Assert.That(Classify(["mysql", "-e", "DROP TABLE t"]).Targets.Single().Host, Is.EqualTo("db.staging.example.com"));
    }

    [Test]
    public void AwsDefaultProfileIsATargetBesideAwsProfile()
    {
        // botocore lists AWS_DEFAULT_PROFILE before AWS_PROFILE; on main AWS_PROFILE=staging hid it.
        var targets = Classify(["aws", "s3", "rb", "s3://shop-assets", "--force"], Env(("AWS_PROFILE", "staging"), ("AWS_DEFAULT_PROFILE", "prod"))).Targets;
        Assert.That(targets.Where(t => t.Kind == TargetKind.AwsProfile).Select(t => t.Name), Is.EquivalentTo(new[] { "staging", "prod" }));
        Assert.That(Classify(["aws", "s3", "ls"], Env(("AWS_DEFAULT_PROFILE", "prod"))).Targets.Single().Name, Is.EqualTo("prod"));
        // --profile is the only profile; the same name twice is one target.
        Assert.That(Classify(["aws", "--profile", "staging", "s3", "ls"], Env(("AWS_DEFAULT_PROFILE", "prod"))).Targets.Single().Name, Is.EqualTo("staging"));
        Assert.That(Classify(["aws", "s3", "ls"], Env(("AWS_PROFILE", "staging"), ("AWS_DEFAULT_PROFILE", "staging"))).Targets.Single().Name, Is.EqualTo("staging"));
    }

    [Test]
    public void CqlshReadsItsRcFilesConnection()
    {
        Write(".cassandra/cqlshrc", "[authentication]\nhostname = not-this\n[connection]\nhostname = cass1.prod.example.com\nport = 9142\n");
        var t = Classify(["cqlsh", "-e", "DROP KEYSPACE shop"]).Targets.Single();
        Assert.That((t.Host, t.Port), Is.EqualTo(("cass1.prod.example.com", (int?)9142)));
        // CQLSH_HOST and the host argument come before the file, as in cqlsh.py.
        Assert.That(Classify(["cqlsh", "-e", "DROP KEYSPACE shop"], Env(("CQLSH_HOST", "cass1.staging.example.com"))).Targets.Single().Host, Is.EqualTo("cass1.staging.example.com"));
        Assert.That(Classify(["cqlsh", "cass2.staging.example.com", "-e", "DROP KEYSPACE shop"]).Targets.Single().Host, Is.EqualTo("cass2.staging.example.com"));
        var other = Write("other.rc", "[connection]\nhostname: cass9.prod.example.com\n");
        Assert.That(Classify(["cqlsh", "--cqlshrc", other, "-e", "SELECT 1"]).Targets.Single().Host, Is.EqualTo("cass9.prod.example.com"));
    }

    [Test]
    public void AzsDefaultResourceGroupNamesAnEnvironment()
    {
        Write(".azure/azureProfile.json", "{\"subscriptions\": [{\"id\": \"2222\", \"name\": \"shared\", \"isDefault\": true}]}");
        Write(".azure/config", "[core]\noutput = json\n[defaults]\ngroup = shop-prod-rg\n");
        static string[] Names(CommandIntent i) => i.Targets.Where(t => t.Kind == TargetKind.Environment).Select(t => t.Name!).ToArray();
        Assert.That(Names(Classify(["az", "webapp", "delete", "-n", "api"])), Is.EqualTo(new[] { "prod" }));
        Assert.That(Names(Classify(["az", "webapp", "delete", "-n", "api"], Env(("AZURE_DEFAULTS_GROUP", "shop-staging-rg")))), Is.EqualTo(new[] { "staging" }));
        // A group given is the group; group commands name it with -n.
        Assert.That(Names(Classify(["az", "webapp", "delete", "-n", "api", "-g", "shop-staging-rg"])), Is.EqualTo(new[] { "staging" }));
        Assert.That(Names(Classify(["az", "group", "delete", "-n", "shop-staging-rg"])), Is.EqualTo(new[] { "staging" }));
    }
}
