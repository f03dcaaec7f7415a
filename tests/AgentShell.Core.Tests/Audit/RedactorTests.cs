using AgentShell.Core.Audit;

namespace AgentShell.Core.Tests.Audit;

[TestFixture]
public class RedactorTests
{
    // Argv given as '|'-separated tokens so a table row stays readable.
    private static string[] Split(string argv) => argv.Split('|');
    private static string Join(IReadOnlyList<string> argv) => string.Join("|", argv);

    [TestCase("curl|-H|Authorization: Bearer abc.def.ghi123|https://api.x.io", "curl|-H|Authorization: Bearer ***|https://api.x.io")]
    [TestCase("curl|--header|X-Api-Key: k_live_123|https://api.x.io", "curl|--header|X-Api-Key: ***|https://api.x.io")]
    [TestCase("curl|-HCookie: session=abcdef|https://x.io", "curl|-HCookie: ***|https://x.io")]
    [TestCase("curl|--header=Private-Token: glpat-xyz|https://gitlab.com/api", "curl|--header=Private-Token: ***|https://gitlab.com/api")]
    [TestCase("curl|-sSH|Proxy-Authorization: Basic dXNlcjpwYXNz|http://x", "curl|-sSH|Proxy-Authorization: Basic ***|http://x")]
    [TestCase("curl|-u|admin:hunter2|https://x.io", "curl|-u|admin:***|https://x.io")]
    [TestCase("curl|-uadmin:hunter2|https://x.io", "curl|-uadmin:***|https://x.io")]
    [TestCase("curl|-su|admin:hunter2|https://x.io", "curl|-su|admin:***|https://x.io")]
    [TestCase("curl|--user=admin:hunter2|https://x.io", "curl|--user=admin:***|https://x.io")]
    [TestCase("curl|--proxy-us|admin:hunter2|https://x.io", "curl|--proxy-us|admin:***|https://x.io")]
    [TestCase("curl|--head|-H|Authorization: Bearer abc123|https://x.io", "curl|--head|-H|Authorization: Bearer ***|https://x.io")]
    [TestCase("curl|--proxy-head|X-Api-Key: k_live_9|https://x.io", "curl|--proxy-head|X-Api-Key: ***|https://x.io")]
    [TestCase("mongosh|--passw|s3cret|mongodb://db", "mongosh|--passw|***|mongodb://db")]
    [TestCase("curl|--use-ascii|https://x.io", "curl|--use-ascii|https://x.io")]
    [TestCase("curl|--oauth2-bearer|ya29.abc|https://x.io", "curl|--oauth2-bearer|***|https://x.io")]
    [TestCase("curl|-X|POST|-d|{\"email\":\"a@b.c\",\"password\":\"hunter2\"}|https://x.io/login", "curl|-X|POST|-d|{\"email\":\"a@b.c\",\"password\":\"***\"}|https://x.io/login")]
    [TestCase("curl|--data-raw|{\"query\":\"q\",\"apiKey\":\"sk-1\",\"refresh_token\":\"r1\"}|https://x.io", "curl|--data-raw|{\"query\":\"q\",\"apiKey\":\"***\",\"refresh_token\":\"***\"}|https://x.io")]
    [TestCase("curl|-d|grant_type=password&username=bob&password=s3cret&client_secret=abc|https://x.io/token", "curl|-d|grant_type=password&username=bob&password=***&client_secret=***|https://x.io/token")]
    [TestCase("curl|https://deploy:glpat-123@gitlab.com/api/v4", "curl|https://deploy:***@gitlab.com/api/v4")]
    // corpus19: every body field and form field the credential scan reads (BodySecrets) is masked too.
    [TestCase("curl|-d|{\"auth\":\"a1\",\"accessKey\":\"a2\",\"credentials\":\"a3\",\"pwd\":\"a4\",\"name\":\"n\"}|https://x.io", "curl|-d|{\"auth\":\"***\",\"accessKey\":\"***\",\"credentials\":\"***\",\"pwd\":\"***\",\"name\":\"n\"}|https://x.io")]
    [TestCase("curl|-F|api_token=t1|-F|note=n|https://x.io", "curl|-F|api_token=***|-F|note=n|https://x.io")]
    [TestCase("http|DELETE|https://x.io|accessToken=t1|db_password=p1|name=n", "http|DELETE|https://x.io|accessToken=***|db_password=***|name=n")]
    [TestCase("wget|--body-data={\"secret_key\":\"s1\"}|https://x.io", "wget|--body-data={\"secret_key\":\"***\"}|https://x.io")]
    [TestCase("http|POST|api.x.io/v1|Authorization:Bearer tok_123456789", "http|POST|api.x.io/v1|Authorization:Bearer ***")]
    [TestCase("http|api.x.io|X-Api-Key:abc123", "http|api.x.io|X-Api-Key:***")]
    [TestCase("http|-a|deploy:tok_123|api.x.io", "http|-a|deploy:***|api.x.io")]
    [TestCase("http|-adeploy:tok_123|api.x.io", "http|-adeploy:***|api.x.io")]
    [TestCase("xh|--auth-type|bearer|--auth|tok_123|api.x.io", "xh|--auth-type|bearer|--auth|***|api.x.io")]
    [TestCase("https|--auth=tok_123|api.x.io", "https|--auth=***|api.x.io")]
    [TestCase("env|REDISCLI_AUTH=r3dis|redis-cli|FLUSHALL", "env|REDISCLI_AUTH=***|redis-cli|FLUSHALL")]
    [TestCase("psql|postgresql://app:Pa55word@db.prod.acme.io:5432/shop|-c|DROP TABLE t", "psql|postgresql://app:***@db.prod.acme.io:5432/shop|-c|DROP TABLE t")]
    [TestCase("psql|host=db.acme.io user=app password=Pa55word dbname=shop", "psql|host=db.acme.io user=app password=*** dbname=shop")]
    [TestCase("psql|host=db user=app password='pa ss' dbname=shop", "psql|host=db user=app password=*** dbname=shop")]
    [TestCase("env|PGPASSWORD=Pa55word|psql|-h|db|-c|select 1", "env|PGPASSWORD=***|psql|-h|db|-c|select 1")]
    [TestCase("env|MYSQL_PWD=x y z|mysql", "env|MYSQL_PWD=***|mysql")]
    [TestCase("env|AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG|aws|s3|ls", "env|AWS_SECRET_ACCESS_KEY=***|aws|s3|ls")]
    [TestCase("env|GITHUB_TOKEN=ghp_abc|DB_PASSWORD=x|STRIPE_SECRET=sk|gh|pr|list", "env|GITHUB_TOKEN=***|DB_PASSWORD=***|STRIPE_SECRET=***|gh|pr|list")]
    [TestCase("mysql|-uroot|-pS3cret|-h|db.prod|shop", "mysql|-uroot|-p***|-h|db.prod|shop")]
    [TestCase("sudo|-u|root|mysqldump|-pS3cret|shop", "sudo|-u|root|mysqldump|-p***|shop")]
    [TestCase("mysql|--password=S3cret|shop", "mysql|--password=***|shop")]
    [TestCase("redis-cli|-h|cache.prod|-a|r3dis|FLUSHALL", "redis-cli|-h|cache.prod|-a|***|FLUSHALL")]
    [TestCase("sshpass|-p|hunter2|ssh|root@db.prod", "sshpass|-p|***|ssh|root@db.prod")]
    [TestCase("mongosh|mongodb://db.prod|-u|admin|-p|m0ngo", "mongosh|mongodb://db.prod|-u|admin|-p|***")]
    [TestCase("docker|login|-u|bot|-p|dckr_pat_1|registry.x.io", "docker|login|-u|bot|-p|***|registry.x.io")]
    [TestCase("railway|--token|rw_abc123|down", "railway|--token|***|down")]
    [TestCase("vault|login|-token=s.abc123", "vault|login|-token=***")]
    [TestCase("tool|--api-key|k1|--secret=s1|--password|p1|--github-token|g1", "tool|--api-key|***|--secret=***|--password|***|--github-token|***")]
    [TestCase("bash|-c|curl -H 'Authorization: Bearer abcdefgh123' https://x.io", "bash|-c|curl -H 'Authorization: Bearer ***' https://x.io")]
    [TestCase("sh|-c|PGPASSWORD=Pa55 psql -h db -c 'drop table t'", "sh|-c|PGPASSWORD=*** psql -h db -c 'drop table t'")]
    [TestCase("sh|-c|mysql -u root -pS3cret shop < dump.sql", "sh|-c|mysql -u root -p*** shop < dump.sql")]
    [TestCase("sh|-c|curl -s -u admin:hunter2 https://x.io", "sh|-c|curl -s -u admin:*** https://x.io")]
    [TestCase("sh|-c|railway --token rw_abc123 down", "sh|-c|railway --token *** down")]
    [TestCase("git|clone|https://x-access-token:ghs_abc@github.com/o/r.git", "git|clone|https://x-access-token:***@github.com/o/r.git")]
    // Cookies given as values (curl -b/--cookie NAME=VALUE; a value without '=' is a cookie file).
    [TestCase("curl|-b|session=abc123|https://x.io", "curl|-b|session=***|https://x.io")]
    [TestCase("curl|--cookie|a=1; sid=xyz|https://x.io", "curl|--cookie|a=***; sid=***|https://x.io")]
    [TestCase("curl|--cookie=sid=xyz|https://x.io", "curl|--cookie=sid=***|https://x.io")]
    [TestCase("curl|-bsid=xyz|https://x.io", "curl|-bsid=***|https://x.io")]
    [TestCase("curl|-sb|sid=xyz|https://x.io", "curl|-sb|sid=***|https://x.io")]
    // Secret-named query parameters in a URL.
    [TestCase("curl|https://api.x.io/v1/items?access_token=abc123&page=2", "curl|https://api.x.io/v1/items?access_token=***&page=2")]
    [TestCase("wget|https://x.io/dl?api_key=k_live_1", "wget|https://x.io/dl?api_key=***")]
    // Short token/password options of the CLIs that have them (the look-alikes below: the same letter elsewhere).
    [TestCase("vercel|remove|my-app|-t|vc_tok_1|--yes", "vercel|remove|my-app|-t|***|--yes")]
    [TestCase("doctl|-t|dop_v1_abc|compute|droplet|delete|web-1", "doctl|-t|***|compute|droplet|delete|web-1")]
    [TestCase("fly|apps|destroy|acme-prod|-t|fo1_abc|-y", "fly|apps|destroy|acme-prod|-t|***|-y")]
    [TestCase("flyctl|-t|fo1_abc|status", "flyctl|-t|***|status")]
    [TestCase("influx|delete|-t|infl_tok|--bucket|b", "influx|delete|-t|***|--bucket|b")]
    [TestCase("netlify|deploy|--prod|--auth|nfp_abc", "netlify|deploy|--prod|--auth|***")]
    [TestCase("netlify|deploy|--auth=nfp_abc", "netlify|deploy|--auth=***")]
    [TestCase("sqlcmd|-S|db.prod|-U|sa|-P|S3cret!|-Q|DROP TABLE t", "sqlcmd|-S|db.prod|-U|sa|-P|***|-Q|DROP TABLE t")]
    [TestCase("az|login|-u|me@x.io|-p|S3cret", "az|login|-u|me@x.io|-p|***")]
    [TestCase("glab|auth|login|-t|glpat-abc", "glab|auth|login|-t|***")]
    [TestCase("supabase|db|push|-p|S3cret", "supabase|db|push|-p|***")]
    // corpus12: cqlsh -p, rabbitmqadmin -p, and the value of aws configure set aws_secret_access_key.
    [TestCase("cqlsh|cass|-u|cassandra|-p|S3cret|-e|DROP KEYSPACE k", "cqlsh|cass|-u|cassandra|-p|***|-e|DROP KEYSPACE k")]
    [TestCase("rabbitmqadmin|-H|mq|-u|admin|-p|S3cret|list|queues", "rabbitmqadmin|-H|mq|-u|admin|-p|***|list|queues")]
    [TestCase("aws|configure|set|aws_secret_access_key|wJalrXUtnFEMI", "aws|configure|set|aws_secret_access_key|***")]
    [TestCase("aws|configure|set|aws_session_token|FwoGZX|--profile|p", "aws|configure|set|aws_session_token|***|--profile|p")]
    public void SecretsAreMasked(string argv, string expected)
    {
        var result = Redactor.RedactArgv(Split(argv));
        Assert.That(Join(result), Is.EqualTo(expected));
    }

    // Look-alikes: each is one step from a secret and must stay untouched.
    [TestCase("curl|-b|cookies.txt|https://x.io", "a cookie file, not a value")]
    [TestCase("curl|https://x.io/search?token_type=bearer&page=2", "token_type names no secret")]
    [TestCase("pulumi|destroy|-t|urn:pulumi:prod::app::aws:s3/bucket:Bucket::b", "pulumi -t is --target")]
    [TestCase("sam|deploy|-t|template.yaml", "sam -t is --template-file")]
    [TestCase("glab|mr|create|-t|Fix the login page", "glab -t is a title outside login")]
    [TestCase("az|vm|create|-p|8080", "az -p is a password only after login")]
    [TestCase("curl|-H|Accept: application/json|https://x.io", "header that is not a credential")]
    [TestCase("curl|-H|X-Token-Count: 5|https://x.io", "header name only contains Token")]
    [TestCase("curl|-u|admin|https://x.io", "curl -u without a password prompts for it")]
    [TestCase("curl|https://api.x.io:8443/v1?page=2", "URL with a port, no userinfo")]
    [TestCase("git|clone|ssh://git@github.com/o/r.git", "URL with a user and no password")]
    [TestCase("python|train.py|--tokenizer|bpe|--max-tokens|100", "flags that only start with or contain token")]
    [TestCase("docker|login|--password-stdin|-u|bob", "a boolean password flag")]
    [TestCase("psql|--no-password|-h|db|shop", "--no-password is boolean")]
    [TestCase("psql|--password|shop", "psql --password prompts; shop is the database")]
    [TestCase("mysql|-p|shop", "mysql -p alone prompts; shop is the database")]
    [TestCase("psql|-p|5432|-h|db", "psql -p is the port")]
    [TestCase("mysql|-P|3306|-h|db", "mysql -P is the port")]
    [TestCase("docker|run|-u|1000:1000|img", "-u user:group outside curl")]
    [TestCase("docker|run|-p|8080:80|nginx", "docker run -p is a port mapping")]
    [TestCase("redis-cli|-h|cache|-n|2|GET|k", "redis-cli flags that are not -a")]
    [TestCase("ssh|-p|2222|host", "ssh -p is the port")]
    [TestCase("psql|-c|SELECT password FROM users WHERE id = 1", "SQL naming a password column")]
    [TestCase("env|PWD=/home/me|OLDPWD=/tmp|ls", "PWD is the working directory")]
    [TestCase("env|TOKENIZERS_PARALLELISM=false|MAX_TOKENS=10|python", "names that only start with TOKEN")]
    [TestCase("echo|Basic configuration done", "Basic followed by a word")]
    [TestCase("curl|-d|{\"max_tokens\":100,\"tokenizer\":\"bpe\"}|https://x.io", "JSON keys that are not secrets")]
    [TestCase("grep|-r|password|src/", "the word password")]
    [TestCase("kubectl|get|secret|db-creds|-o|yaml", "the resource kind secret")]
    [TestCase("aws|configure|set|aws_access_key_id|AKIAEXAMPLE", "the key id is not the secret")]
    [TestCase("aws|configure|get|region", "a setting read")]
    public void LookAlikesAreNotMasked(string argv, string why)
    {
        string[] tokens = Split(argv);
        var result = Redactor.RedactArgv(tokens);
        Assert.That(Join(result), Is.EqualTo(argv), why);
    }

    [Test]
    public void ArgvWithoutSecretsIsReturnedAsIs()
    {
        string[] argv = ["git", "status", "--short"];
        Assert.That(Redactor.RedactArgv(argv), Is.SameAs(argv));
    }

    [TestCase("curl|-H|Authorization: Bearer abc.def.ghi123|-u|a:b|https://u:p@x.io")]
    [TestCase("env|PGPASSWORD=x|mysql|-pS|--token|t|sh|-c|curl -u a:b x")]
    [TestCase("http|-a|u:p|--auth=tok|-atok2|api.x.io")]
    public void RedactionIsIdempotent(string argv)
    {
        var once = Redactor.RedactArgv(Split(argv));
        var twice = Redactor.RedactArgv(once);
        Assert.That(Join(twice), Is.EqualTo(Join(once)));
        Assert.That(Join(once), Does.Contain(Redactor.Mask));
    }

    [TestCase("connection to postgresql://app:Pa55@db:5432/x refused", "connection to postgresql://app:***@db:5432/x refused")]
    [TestCase("sent Authorization: Bearer abcdefgh123 to x", "sent Authorization: Bearer ***")] // to the end of the line
    [TestCase("curl -H \"Cookie: a=1; b=2\" https://x.io", "curl -H \"Cookie: ***\" https://x.io")]
    [TestCase("dial https://x-access-token:ghs_1@github.com", "dial https://x-access-token:***@github.com")]
    [TestCase("no secret here", "no secret here")]
    [TestCase("aws configure set aws_secret_access_key wJalrX && aws s3 ls", "aws configure set aws_secret_access_key *** && aws s3 ls")]
    public void FreeText(string text, string expected)
    {
        Assert.That(Redactor.RedactText(text), Is.EqualTo(expected));
    }

    [Test]
    public void RecordFieldsAreRedactedAndTheRestKept()
    {
        var record = new AuditRecord
        {
            Time = DateTimeOffset.UnixEpoch,
            RunId = "r1",
            Syscall = AuditSyscall.Execve,
            Pid = 7,
            PidChain = ["bash(1)", "curl(7)"],
            Argv = ["curl", "-u", "bob:pw", "https://bob:pw@x.io/a"],
            Targets = ["https://bob:pw@x.io/a"],
            Reason = "token=abc leaked",
            RuleId = "rule",
            Action = AuditAction.Block,
            Outcome = AuditOutcome.Blocked,
        };
        var red = Redactor.Redact(record);
        Assert.Multiple(() =>
        {
            Assert.That(red.Argv, Is.EqualTo(new[] { "curl", "-u", "bob:***", "https://bob:***@x.io/a" }));
            Assert.That(red.Targets, Is.EqualTo(new[] { "https://bob:***@x.io/a" }));
            Assert.That(red.Reason, Is.EqualTo("token=*** leaked"));
            Assert.That(red.PidChain, Is.EqualTo(record.PidChain));
            Assert.That(red.RuleId, Is.EqualTo(record.RuleId));
            Assert.That(red.Pid, Is.EqualTo(record.Pid));
        });
    }
}
