using AgentShell.Core.Audit;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Credentials;

/// <summary>Every parser surfaces the credential-bearing parts of its command: each carrier the
/// issue lists yields the secret it carries, under a name that says where it was.</summary>
public class CredentialScanTests
{
    private const string Token = "tok_9f8e7d6c5b4a";

    private static readonly CommandClassifier Classifier = new();

    private static IReadOnlyList<Credential> Found(string[] argv, Dictionary<string, string>? env = null, string? cwd = null)
    {
        var ctx = new LocalExecContext(env ?? new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" }, cwd ?? "/tmp");
        return Classifier.Classify(argv, ctx).SelectMany(i => i.Credentials).ToList();
    }

    /// <summary>Every argument carrier: the argv and the name the scan gives it.</summary>
    public static IEnumerable<TestCaseData> ArgumentCarriers()
    {
        yield return new TestCaseData(new[] { "curl", "-H", "Authorization: Bearer " + Token, "https://api.example.net/x" }, "Authorization header");
        yield return new TestCaseData(new[] { "curl", "-H", "authorization: token " + Token, "https://api.example.net/x" }, "authorization header");
        yield return new TestCaseData(new[] { "curl", "-sSH", "X-Api-Key: " + Token, "https://api.example.net/x" }, "X-Api-Key header");
        yield return new TestCaseData(new[] { "curl", "--header", "Project-Access-Token: " + Token, "https://backboard.railway.app/graphql/v2" }, "Project-Access-Token header");
        yield return new TestCaseData(new[] { "curl", "--header=Team-Access-Token: " + Token, "https://backboard.railway.app/graphql/v2" }, "Team-Access-Token header");
        yield return new TestCaseData(new[] { "curl", "-H", "PRIVATE-TOKEN: " + Token, "https://gitlab.example.net/api/v4/projects" }, "PRIVATE-TOKEN header");
        yield return new TestCaseData(new[] { "curl", "-u", "deploy:" + Token, "https://api.example.net/x" }, "-u password");
        yield return new TestCaseData(new[] { "curl", "-su", "deploy:" + Token, "https://api.example.net/x" }, "-u password");
        yield return new TestCaseData(new[] { "curl", "--user", "deploy:" + Token, "https://api.example.net/x" }, "--user password");
        yield return new TestCaseData(new[] { "curl", "--oauth2-bearer", Token, "https://api.example.net/x" }, "--oauth2-bearer");
        yield return new TestCaseData(new[] { "curl", "https://deploy:" + Token + "@api.example.net/x" }, "URL password");
        yield return new TestCaseData(new[] { "wget", "--password=" + Token, "https://api.example.net/x" }, "--password");
        yield return new TestCaseData(new[] { "wget", "--header=Authorization: Bearer " + Token, "https://api.example.net/x" }, "Authorization header");
        yield return new TestCaseData(new[] { "http", "-a", "deploy:" + Token, "https://api.example.net/x" }, "-a password");
        yield return new TestCaseData(new[] { "http", "https://api.example.net/x", "Authorization:Bearer " + Token }, "Authorization header");
        yield return new TestCaseData(new[] { "xh", "--auth-type", "bearer", "--auth", Token, "https://api.example.net/x" }, "--auth");
        yield return new TestCaseData(new[] { "psql", "postgresql://app:" + Token + "@db.example.net/app", "-c", "SELECT 1" }, "URL password");
        yield return new TestCaseData(new[] { "psql", "host=db.example.net password=" + Token + " dbname=app", "-c", "SELECT 1" }, "password parameter");
        // review42 F14: a word whose first '=' opens it still has its later parameters read.
        yield return new TestCaseData(new[] { "psql", "=x host=db.example.net password=" + Token + " dbname=app", "-c", "SELECT 1" }, "password parameter");
        yield return new TestCaseData(new[] { "wget", "--method=DELETE", "=https://api.example.net/x?api_key=" + Token }, "api_key parameter");
        yield return new TestCaseData(new[] { "mysql", "-uroot", "-p" + Token, "-h", "db.example.net", "-e", "SELECT 1" }, "-p");
        yield return new TestCaseData(new[] { "mysql", "--password=" + Token, "-h", "db.example.net", "-e", "SELECT 1" }, "--password");
        yield return new TestCaseData(new[] { "redis-cli", "-h", "cache.example.net", "-a", Token, "GET", "k" }, "-a");
        yield return new TestCaseData(new[] { "redis-cli", "-u", "redis://:" + Token + "@cache.example.net:6379/0", "GET", "k" }, "URL password");
        yield return new TestCaseData(new[] { "mongosh", "mongodb://app@db.example.net/app", "-p", Token, "--eval", "db.x.find()" }, "-p");
        yield return new TestCaseData(new[] { "kubectl", "--token", Token, "get", "pods" }, "--token");
        yield return new TestCaseData(new[] { "railway", "down", "--token=" + Token }, "--token");
        yield return new TestCaseData(new[] { "gh", "api", "repos/acme/app", "-H", "Authorization: token " + Token }, "Authorization header");
        yield return new TestCaseData(new[] { "git", "push", "--force", "https://x-access-token:" + Token + "@github.com/acme/app.git", "main" }, "URL password");
        yield return new TestCaseData(new[] { "sudo", "-E", "curl", "-H", "Authorization: Bearer " + Token, "https://api.example.net/x" }, "Authorization header");
        yield return new TestCaseData(new[] { "curl", "-b", "session=" + Token, "https://api.example.net/x" }, "-b cookie");
        yield return new TestCaseData(new[] { "doctl", "-t", Token, "compute", "droplet", "delete", "web-1" }, "-t");
        yield return new TestCaseData(new[] { "fly", "apps", "destroy", "acme-prod", "-t", Token, "-y" }, "-t");
        yield return new TestCaseData(new[] { "sqlcmd", "-S", "db.example.net", "-U", "sa", "-P", Token, "-Q", "SELECT 1" }, "-P");
        yield return new TestCaseData(new[] { "supabase", "db", "push", "-p", Token }, "-p");
        yield return new TestCaseData(new[] { "influx", "bucket", "delete", "-n", "metrics", "-t", Token }, "-t");
        yield return new TestCaseData(new[] { "influx", "-host", "influx.example.net", "-password", Token, "-execute", "SHOW DATABASES" }, "-password");
    }

    // influx 1.x reads a single-dash word as one long option (Go's flag package): -host is not the
    // letters h, o, s and its 2.x token option t; the host after it was taken as a token and masked.
    [TestCase("-host", "influx.example.net")]
    [TestCase("-database", "metrics")]
    [TestCase("-format", "json")]
    public void AnInfluxLongOptionIsNotAClusterEndingInItsTokenOption(string option, string value)
    {
        var argv = new[] { "influx", option, value, "-execute", "SHOW DATABASES" };
        Assert.That(Found(argv).Select(c => c.Secret), Does.Not.Contain(value));
        Assert.That(Redactor.RedactArgv(argv), Does.Contain(value));
    }

    [TestCaseSource(nameof(ArgumentCarriers))]
    public void AnArgumentCarrierYieldsItsSecret(string[] argv, string carrier)
    {
        var found = Found(argv);
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member((carrier, Token)), string.Join(", ", found.Select(c => c.Carrier)));
    }

    // Spellings the tool reads as a carrier option: a unique prefix, another letter case.
    [TestCase(new[] { "curl", "--proxy-us", "deploy:" + Token, "-x", "http://proxy.example.net", "https://api.example.net/x" }, "--proxy-us password")]
    [TestCase(new[] { "curl", "--USER=deploy:" + Token, "https://api.example.net/x" }, "--USER password")]
    [TestCase(new[] { "curl", "--oauth2", Token, "https://api.example.net/x" }, "--oauth2")]
    [TestCase(new[] { "mongosh", "mongodb://app@db.example.net/app", "--passw", Token, "--eval", "db.x.find()" }, "--passw")]
    [TestCase(new[] { "wget", "--http-pass=" + Token, "https://api.example.net/x" }, "--http-pass")]
    public void AnOptionSpelledAsTheToolAcceptsItYieldsItsSecret(string[] argv, string carrier)
    {
        var found = Found(argv);
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member((carrier, Token)), string.Join(", ", found.Select(c => c.Carrier)));
    }

    [TestCaseSource(nameof(ArgumentCarriers))]
    public void TheRedactorMasksEveryArgumentCarrier(string[] argv, string carrier) =>
        Assert.That(string.Join(' ', Redactor.RedactArgv(argv)), Does.Not.Contain(Token), carrier);

    [TestCase("PGPASSWORD")]
    [TestCase("RAILWAY_TOKEN")]
    [TestCase("RAILWAY_API_TOKEN")]
    [TestCase("GITHUB_TOKEN")]
    [TestCase("GH_TOKEN")]
    [TestCase("AWS_SECRET_ACCESS_KEY")]
    [TestCase("AWS_SESSION_TOKEN")]
    [TestCase("MYSQL_PWD")]
    [TestCase("REDISCLI_AUTH")]
    public void TheRedactorMasksAVariableCarrierGivenThroughEnv(string variable)
    {
        Assert.That(string.Join(' ', Redactor.RedactArgv(["env", $"{variable}={Token}", "tool"])), Does.Not.Contain(Token));
        Assert.That(Redactor.RedactText($"{variable}={Token} tool --x"), Does.Not.Contain(Token));
    }

    [Test]
    public void TheRedactorMasksADatabaseUrlPassword() =>
        Assert.That(string.Join(' ', Redactor.RedactArgv(["env", $"DATABASE_URL=postgresql://app:{Token}@db/app", "prisma", "migrate", "reset"])), Does.Not.Contain(Token));

    [TestCase("psql", "PGPASSWORD", new[] { "-h", "db.example.net", "-c", "SELECT 1" })]
    [TestCase("railway", "RAILWAY_TOKEN", new[] { "volume", "delete", "--volume", "data" })]
    [TestCase("railway", "RAILWAY_API_TOKEN", new[] { "down" })]
    [TestCase("gh", "GITHUB_TOKEN", new[] { "repo", "delete", "acme/app" })]
    [TestCase("gh", "GH_TOKEN", new[] { "api", "-X", "DELETE", "repos/acme/app" })]
    [TestCase("aws", "AWS_SECRET_ACCESS_KEY", new[] { "s3", "rb", "s3://bucket" })]
    [TestCase("aws", "AWS_SESSION_TOKEN", new[] { "rds", "delete-db-instance" })]
    [TestCase("mysql", "MYSQL_PWD", new[] { "-h", "db.example.net", "-e", "SELECT 1" })]
    [TestCase("redis-cli", "REDISCLI_AUTH", new[] { "-h", "cache.example.net", "FLUSHALL" })]
    public void AVariableTheToolReadsYieldsItsSecret(string tool, string variable, string[] args)
    {
        var found = Found([tool, .. args], new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", [variable] = Token });
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member((variable, Token)));
    }

    [Test]
    public void ACurlVariableExpandedIntoAHeaderIsACredential()
    {
        var found = Found(["curl", "--variable", "%RAILWAY_TOKEN", "--expand-header", "Authorization: Bearer {{RAILWAY_TOKEN:trim}}", "https://api.example.net/x"],
            new Dictionary<string, string> { ["RAILWAY_TOKEN"] = Token });
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member(("Authorization header", Token)));
        found = Found(["curl", "--variable", "t=" + Token, "--expand-user", "deploy:{{t}}", "https://api.example.net/x"]);
        Assert.That(found.Select(c => c.Secret), Has.Member(Token));
    }

    [Test]
    public void ADatabaseUrlsPasswordIsACredentialOfTheOrmClis()
    {
        var found = Found(["prisma", "migrate", "reset", "--force"],
            new Dictionary<string, string> { ["DATABASE_URL"] = $"postgresql://app:{Token}@db.example.net:5432/app" });
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member(("DATABASE_URL password", Token)));
    }

    [Test]
    public void AVariableTheToolDoesNotReadIsNoCredentialOfIt()
    {
        // curl does not send $RAILWAY_TOKEN by itself: an agent's environment holding one does not
        // make every curl it runs a production command.
        var found = Found(["curl", "https://api.example.net/x"], new Dictionary<string, string> { ["RAILWAY_TOKEN"] = Token });
        Assert.That(found, Is.Empty);
    }

    [Test]
    public void ABasicCredentialIsDecodedIntoItsPasswordAndUser()
    {
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("deploy:" + Token));
        var found = Found(["curl", "-H", "Authorization: Basic " + basic, "https://api.example.net/x"]);
        Assert.That(found.Select(c => c.Secret), Does.Contain(Token).And.Contain("deploy:" + Token).And.Contain(basic));
    }

    [Test]
    public void AHeaderFileGivenToCurlIsReadForCredentials()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-headers-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "h.txt"), $"Accept: application/json\nAuthorization: Bearer {Token}\n");
            var found = Found(["curl", "-H", "@h.txt", "https://api.example.net/x"], cwd: dir);
            Assert.That(found.Select(c => c.Secret), Has.Member(Token));
        }
        finally { Directory.Delete(dir, true); }
    }

    // corpus11: carriers the first scan did not read.
    [TestCase(new[] { "curl", "-X", "DELETE", "-b", "session=" + Token, "https://api.example.net/x" }, "-b cookie")]
    [TestCase(new[] { "curl", "--cookie", "theme=dark; session=" + Token, "https://api.example.net/x" }, "--cookie cookie")]
    [TestCase(new[] { "curl", "-H", "Cookie: theme=dark; session=" + Token, "https://api.example.net/x" }, "Cookie header cookie")]
    [TestCase(new[] { "curl", "https://api.example.net/x?access_token=" + Token }, "access_token parameter")]
    [TestCase(new[] { "curl", "https://api.example.net/x?page=2&api_key=" + Token + "#top" }, "api_key parameter")]
    [TestCase(new[] { "wget", "https://api.example.net/x?token=" + Token }, "token parameter")]
    [TestCase(new[] { "xh", "DELETE", "api.example.net/x", "--bearer", Token }, "--bearer")]
    public void AMoreCarrierYieldsItsSecret(string[] argv, string carrier)
    {
        var found = Found(argv);
        Assert.That(found.Select(c => (c.Carrier, c.Secret)), Has.Member((carrier, Token)), string.Join(", ", found.Select(c => c.Carrier)));
    }

    [TestCase(new[] { "curl", "-b", "cookies.txt", "https://api.example.net/x" }, "a cookie file's name")]
    [TestCase(new[] { "curl", "https://api.example.net/x?csrf_token=abcdef123" }, "a parameter that only ends in token")]
    public void ALookAlikeOfTheMoreCarriersYieldsNoSecret(string[] argv, string why) =>
        Assert.That(Found(argv).Select(c => c.Secret), Has.None.EqualTo("abcdef123").And.None.EqualTo("cookies.txt"), why);

    [TestCase("$(cat t.txt)")]
    [TestCase("$(< t.txt)")]
    [TestCase("`cat t.txt`")]
    [TestCase("$(grep TOKEN t.env | cut -d= -f2)")]
    [TestCase("$(jq -r .user.token ./t.json)")]
    public void ASecretReadFromAFileByACommandSubstitutionIsThatFilesValue(string substitution)
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-subst-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "t.txt"), Token + "\n");
            File.WriteAllText(Path.Combine(dir, "t.env"), $"OTHER=1\nTOKEN={Token}\n");
            File.WriteAllText(Path.Combine(dir, "t.json"), $"{{\"user\": {{\"token\": \"{Token}\"}}}}");
            var found = Found(["curl", "-X", "DELETE", "-H", "Authorization: Bearer " + substitution, "https://api.example.net/x"], cwd: dir);
            Assert.That(found.Select(c => c.Secret), Has.Member(Token), string.Join(", ", found.Select(c => c.Carrier)));
            Assert.That(Found(["curl", "-H", "Authorization: Bearer $(cat missing.txt)", "https://api.example.net/x"], cwd: dir).Select(c => c.Secret), Has.None.EqualTo(Token));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void TheAwsProfilesKeyInTheSharedCredentialsFileIsACredential()
    {
        var home = Directory.CreateTempSubdirectory("agentshell-aws-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(home, ".aws"));
            File.WriteAllText(Path.Combine(home, ".aws", "credentials"), $"[default]\naws_secret_access_key = other-key-000000\n[prod]\naws_access_key_id = AKIA1\naws_secret_access_key = {Token}\n");
            var env = new Dictionary<string, string> { ["HOME"] = home };
            Assert.That(Found(["aws", "--profile", "prod", "s3", "rb", "s3://b"], env).Select(c => c.Secret), Has.Member(Token));
            Assert.That(Found(["aws", "s3", "rb", "s3://b"], new Dictionary<string, string>(env) { ["AWS_PROFILE"] = "prod" }).Select(c => c.Secret), Has.Member(Token));
            Assert.That(Found(["aws", "s3", "rb", "s3://b"], env).Select(c => c.Secret), Has.None.EqualTo(Token), "the default profile's key is another");
        }
        finally { Directory.Delete(home, true); }
    }

    [TestCase(new[] { "curl", "-H", "Accept: application/json", "https://api.example.net/x" }, "a header that is no credential")]
    [TestCase(new[] { "curl", "-H", "X-Delete: 1", "https://api.example.net/x" }, "a header named like an action")]
    [TestCase(new[] { "curl", "https://api.example.net/search?q=token" }, "the word token in a query")]
    [TestCase(new[] { "psql", "-h", "db.example.net", "-c", "SELECT password FROM users" }, "a column named password")]
    [TestCase(new[] { "mysql", "-h", "db.example.net", "-p", "app", "-e", "SELECT 1" }, "mysql -p alone prompts")]
    public void AnArgumentThatCarriesNoSecretYieldsNone(string[] argv, string why) =>
        Assert.That(Found(argv), Is.Empty, why);

    [Test]
    public void ACredentialShowsOnlyItsCarrier()
    {
        var c = Found(["curl", "-H", "Authorization: Bearer " + Token, "https://api.example.net/x"]).First();
        Assert.That(c.ToString(), Is.EqualTo("Authorization header"));
        Assert.That(c.ToString(), Does.Not.Contain(Token));
    }
}
