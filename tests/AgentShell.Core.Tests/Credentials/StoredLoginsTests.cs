using AgentShell.Core.Audit;
using AgentShell.Core.Classification;
using AgentShell.Core.Credentials;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Credentials;

/// <summary>Carriers the argv does not show (corpus19): a request body's secret fields, curl's and
/// wget's netrc, libpq's password file, Terraform's tokens. Each yields the secret for the command's
/// host only, and a file that cannot be read yields nothing without failing the scan.</summary>
public class StoredLoginsTests
{
    private const string Token = "tok_9f8e7d6c5b4a";
    private static readonly CommandClassifier Classifier = new();
    private string _home = null!;

    [SetUp]
    public void SetUp() => _home = Directory.CreateTempSubdirectory("agentshell-logins-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_home, true);

    private IReadOnlyList<Credential> Found(string[] argv, Dictionary<string, string>? env = null)
    {
        var vars = new Dictionary<string, string> { ["HOME"] = _home };
        foreach (var (k, v) in env ?? []) vars[k] = v;
        return Classifier.Classify(argv, new LocalExecContext(vars, _home)).SelectMany(i => i.Credentials).ToList();
    }

    private static bool Has(IReadOnlyList<Credential> found, string secret) => found.Any(c => c.Secret == secret);

    [TestCase("token", true)]
    [TestCase("apiKey", true)]
    [TestCase("api_key", true)]
    [TestCase("client_secret", true)]
    [TestCase("accessToken", true)]
    [TestCase("password", true)]
    [TestCase("auth", true)]
    [TestCase("tokenizer", false)]
    [TestCase("password_hint", false)]
    [TestCase("name", false)]
    [TestCase("keyword", false)]
    public void ABodyFieldNamedLikeASecretIsACarrier(string key, bool secret) =>
        Assert.That(BodySecrets.IsSecretKey(key), Is.EqualTo(secret));

    [Test]
    public void JsonBodiesInlineInAFileAndNestedAreRead()
    {
        File.WriteAllText(Path.Combine(_home, "b.json"), $"{{\"variables\": {{\"input\": {{\"apiToken\": \"{Token}1\"}}}}}}");
        Assert.That(Has(Found(["curl", "-X", "DELETE", "https://api.example.net/x", "-d", $"{{\"token\":\"{Token}\"}}"]), Token), Is.True);
        Assert.That(Has(Found(["curl", "-sd", $"{{\"password\":\"{Token}\"}}", "https://api.example.net/x"]), Token), Is.True, "-d in a cluster");
        Assert.That(Has(Found(["curl", "--data-binary", "@b.json", "https://api.example.net/x"]), Token + "1"), Is.True, "a body file, GraphQL variables");
        Assert.That(Has(Found(["wget", "--post-data", $"user=ops&api_key={Token}", "https://api.example.net/x"]), Token), Is.True, "a form body");
        Assert.That(Has(Found(["curl", "-d", $"{{\"note\":\"{Token}\"}}", "https://api.example.net/x"]), Token), Is.False, "a field that names no secret");
        Assert.That(Has(Found(["curl", "--data-raw", "@b.json", "https://api.example.net/x"]), Token + "1"), Is.False, "--data-raw sends '@b.json' as text");
        Assert.That(Has(Found(["curl", "-F", $"api_token={Token}", "-F", "file=@b.json", "https://api.example.net/x"]), Token), Is.True, "a form field");
        Assert.That(Has(Found(["http", "DELETE", "https://api.example.net/x", $"accessToken={Token}", "name=x"]), Token), Is.True, "an HTTPie data item");
        Assert.That(Has(Found(["http", "DELETE", "https://api.example.net/x", $"token:=\"{Token}\""]), Token), Is.True, "an HTTPie JSON item");
        Assert.That(Has(Found(["http", "DELETE", "https://api.example.net/x", $"name={Token}"]), Token), Is.False, "an item that names no secret");
        var piped = Classifier.ClassifyShell($"echo '{{\"token\":\"{Token}\"}}' | curl -X DELETE -d @- https://api.example.net/x",
            new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _home }, _home)).SelectMany(i => i.Credentials).ToList();
        Assert.That(Has(piped, Token), Is.True, "a body from a known pipe (-d @-)");
    }

    [Test]
    public void ANetrcYieldsTheHostsEntryAndTheDefaultOnly()
    {
        File.WriteAllText(Path.Combine(_home, ".netrc"),
            $"macdef init\npassword not-this-one-123\n\nmachine api.example.net login deploy password \"{Token}\"\nmachine other.example.org login ops password other-pass-123\ndefault login anon password default-pass-123\n");
        var found = Found(["curl", "--netrc", "-X", "DELETE", "https://api.example.net/x"]);
        Assert.That(Has(found, Token) && Has(found, "default-pass-123"), Is.True, string.Join(", ", found.Select(c => c.Carrier)));
        Assert.That(Has(found, "other-pass-123") || Has(found, "not-this-one-123"), Is.False, "another machine's entry, a macro's body");
        Assert.That(Has(Found(["curl", "-X", "DELETE", "https://api.example.net/x"]), Token), Is.False, "curl reads no netrc without -n");
        Assert.That(Has(Found(["curl", "-H", "-n", "https://api.example.net/x"]), Token), Is.False, "-n as another option's value");
        Assert.That(Has(Found(["wget", "https://api.example.net/x"]), Token), Is.True, "wget reads it by default");
    }

    [Test]
    public void APgpassYieldsTheHostsLinesWithEscapes()
    {
        var file = Path.Combine(_home, "pgpass");
        File.WriteAllText(file, $"# comment\ndb.example.net:5432:app:ops:{Token}\\:x\\\\y\n*:*:*:*:wild-pass-123\nother.example.net:*:*:*:other-pass-123\n");
        var found = Found(["psql", "-h", "db.example.net", "-c", "SELECT 1"], new() { ["PGPASSFILE"] = file });
        Assert.That(Has(found, Token + ":x\\y") && Has(found, "wild-pass-123"), Is.True, string.Join(", ", found.Select(c => c.Carrier)));
        Assert.That(Has(found, "other-pass-123"), Is.False);
    }

    [Test]
    public void AFileThatCannotBeReadYieldsNothingAndTheScanGoesOn()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".pgpass"));
        Directory.CreateDirectory(Path.Combine(_home, ".netrc"));
        var found = Found(["psql", $"postgresql://app:{Token}@db.example.net/app", "-c", "SELECT 1"]);
        Assert.That(Has(found, Token), Is.True, "the argument's carrier is still found");
        Assert.That(() => Found(["curl", "-n", "https://api.example.net/x"]), Throws.Nothing);
    }

    [Test]
    public void TerraformsTokenVariableAndCredentialsFile()
    {
        Assert.That(Has(Found(["terraform", "destroy"], new() { ["TF_TOKEN_app_terraform_io"] = Token }), Token), Is.True);
        Assert.That(Has(Found(["terraform", "destroy"], new() { ["TF_CLOUD_HOSTNAME"] = "tfe.my-corp.example", ["TF_TOKEN_tfe_my__corp_example"] = Token }), Token), Is.True,
            "terraform's name for a host: '.' as '_', '-' as '__'");
        Directory.CreateDirectory(Path.Combine(_home, ".terraform.d"));
        File.WriteAllText(Path.Combine(_home, ".terraform.d", "credentials.tfrc.json"), $"{{\"credentials\": {{\"app.terraform.io\": {{\"token\": \"{Token}2\"}}}}}}");
        Assert.That(Has(Found(["terraform", "apply"]), Token + "2"), Is.True);
    }

    [Test]
    public void ASecretTheCommandCarriesIsMaskedWhereverAParserQuotedIt()
    {
        var carried = new[] { new Credential("--token", Token) };
        Assert.That(Redactor.RedactCarried($"{Token} down → subcommand not known", carried), Is.EqualTo("*** down → subcommand not known"));
        Assert.That(Redactor.RedactCarried("down → delete", carried), Is.EqualTo("down → delete"));
        var users = new[] { new Credential("-u user", "deploy"), new Credential("URL user", "ghp_0123456789abcdefghij"), new Credential("-u password", "abc") };
        Assert.That(Redactor.MaskCarried("deploy ghp_0123456789abcdefghij abc", users), Is.EqualTo("deploy *** abc"),
            "a user name stays unless it is as long as a token; a very short secret would mask ordinary words");
    }
}
