using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Config;

/// <summary>curl's config files are part of the command: <c>.curlrc</c> as curl finds it (unless the
/// first argument is <c>-q</c>/<c>--disable</c>), <c>-K</c> files where they appear, folded into the
/// argv the parser reads; what cannot be accounted for is unknown.</summary>
public class CurlConfigTests
{
    private string _home = null!;
    private ConfigFileCache _cache = null!;

    [SetUp]
    public void SetUp()
    {
        _home = Directory.CreateTempSubdirectory("agentshell-curlrc-").FullName;
        _cache = new ConfigFileCache();
    }

    [TearDown] public void TearDown() => Directory.Delete(_home, recursive: true);

    private string Write(string rel, string text)
    {
        var p = Path.Combine(_home, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    private CommandIntent Classify(string[] argv, Dictionary<string, string>? env = null)
    {
        env ??= new Dictionary<string, string> { ["HOME"] = _home };
        var intents = new CommandClassifier().Classify(argv, new LocalExecContext(env, _home, _cache));
        return intents.Single();
    }

    [TestCase("request = DELETE", "DELETE")]
    [TestCase("request DELETE", "DELETE")]
    [TestCase("request: \"DELETE\"", "DELETE")]
    [TestCase("--request DELETE", "DELETE")]
    [TestCase("-X DELETE", "DELETE")]
    [TestCase("REQUEST = DELETE", "DELETE")]
    [TestCase("silen\nrequest = DELETE", "DELETE")]
    [TestCase("# request = DELETE\nsilent", "GET")]
    [TestCase("  * request = DELETE", "GET")]
    public void TheHomeCurlrcIsFoldedIn(string rc, string method)
    {
        Write(".curlrc", rc);
        var i = Classify(["curl", "https://api.example.net/v1/volumes/1"]);
        Assert.That(i.Summary, Does.StartWith(method + " "), string.Join("; ", i.Evidence));
    }

    [Test]
    public void TheCommandLineOverridesTheCurlrc()
    {
        Write(".curlrc", "request = DELETE\n");
        Assert.That(Classify(["curl", "-X", "GET", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
    }

    [TestCase("-q")]
    [TestCase("-qs")]
    [TestCase("--disable")]
    [TestCase("--DISABLE")]
    public void AFirstArgumentThatDisablesTheCurlrcSkipsIt(string first)
    {
        Write(".curlrc", "request = DELETE\n");
        Assert.That(Classify(["curl", first, "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void DisableAnywhereButFirstDoesNotSkipIt()
    {
        Write(".curlrc", "request = DELETE\n");
        Assert.That(Classify(["curl", "-s", "-q", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void CurlHomeComesBeforeXdgAndHome()
    {
        Write("curl-home/.curlrc", "request = DELETE\n");
        Write("xdg/curlrc", "request = PURGE\n");
        Write(".curlrc", "request = GET\n");
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["CURL_HOME"] = Path.Combine(_home, "curl-home"), ["XDG_CONFIG_HOME"] = Path.Combine(_home, "xdg") };
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Summary, Does.StartWith("DELETE"));
        env.Remove("CURL_HOME");
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Summary, Does.StartWith("PURGE"));
    }

    // curl 7.88, tried: without XDG_CONFIG_HOME, $CURL_HOME/.config/curlrc then $HOME/.config/curlrc
    // are read after $HOME/.curlrc; with XDG_CONFIG_HOME set they are not.
    [Test]
    public void WithoutXdgConfigHomeTheDotConfigCurlrcIsRead()
    {
        Write(".config/curlrc", "request = DELETE\n");
        Assert.That(Classify(["curl", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Classify(["curl", "-q", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, "xdg") };
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Effect, Is.EqualTo(Effect.Read));
        Write(".curlrc", "request = GET\n");
        Assert.That(Classify(["curl", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Read));
    }

    // The XDG fallback reads $CURL_HOME/.config/curlrc too; an XDG_CONFIG_HOME set to nothing is set
    // (no fallback) though it names no directory to read.
    [Test]
    public void TheDotConfigFallbackOfCurlHomeAndAnEmptyXdgConfigHome()
    {
        Write("curl-home/.config/curlrc", "request = DELETE\n");
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["CURL_HOME"] = Path.Combine(_home, "curl-home") };
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Effect, Is.EqualTo(Effect.Delete));
        env["XDG_CONFIG_HOME"] = "";
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Effect, Is.EqualTo(Effect.Read));
        env.Remove("XDG_CONFIG_HOME");
        env["CURL_HOME"] = "";
        Assert.That(Classify(["curl", "https://api.example.net/x"], env).Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void AUrlAndABodyInTheCurlrcAreSeen()
    {
        Write(".curlrc", "url = \"https://backboard.railway.app/graphql/v2\"\ndata = \"{\\\"query\\\":\\\"mutation { volumeDelete(volumeId: \\\\\\\"v\\\\\\\") }\\\"}\"\n");
        var i = Classify(["curl", "-s"]);
        Assert.That((i.Effect, i.Targets.Single().Host), Is.EqualTo((Effect.Wipe, "backboard.railway.app")), string.Join("; ", i.Evidence));
    }

    [Test]
    public void AConfigFileNamedWithKIsFoldedWhereItAppears()
    {
        Write("req.cfg", "request = DELETE\nheader = \"X-Trace: 1\"\n");
        var i = Classify(["curl", "-K", "req.cfg", "https://api.example.net/x"]);
        Assert.That(i.Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Classify(["curl", "-sK", "req.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        Assert.That(Classify(["curl", "--config", "req.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
    }

    [Test]
    public void NestedConfigFilesAreFollowedAndBounded()
    {
        Write("a.cfg", "config = b.cfg\n");
        Write("b.cfg", "request = DELETE\n");
        Assert.That(Classify(["curl", "-K", "a.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Delete));
        Write("loop.cfg", "config = loop.cfg\n");
        Assert.That(Classify(["curl", "-K", "loop.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Unknown));
    }

    [TestCase("frobnicate = yes", "an option curl does not know")]
    [TestCase("re = DELETE", "an ambiguous abbreviation")]
    public void ALineCurlWouldNotUnderstandMakesTheEffectUnknown(string rc, string why)
    {
        Write(".curlrc", rc + "\n");
        Assert.That(Classify(["curl", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Unknown), why);
    }

    [Test]
    public void ACurlrcTooLargeToReadMakesTheEffectUnknown()
    {
        Write(".curlrc", "silent\n" + new string('#', ConfigFile.MaxBytes));
        var i = Classify(["curl", "https://api.example.net/x"]);
        Assert.That(i.Effect, Is.EqualTo(Effect.Unknown));
        Assert.That(i.Evidence.Select(e => e.Fact), Has.Some.Contains("larger than 256 KiB"));
    }

    [Test]
    public void AKFileThatCannotBeReadStaysUnknown()
    {
        Assert.That(Classify(["curl", "-K", "missing.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Unknown));
        Directory.CreateDirectory(Path.Combine(_home, "dir.cfg"));
        Assert.That(Classify(["curl", "-K", "dir.cfg", "https://api.example.net/x"]).Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void ACredentialInTheCurlrcIsTheCommands()
    {
        Write(".curlrc", "header = \"Authorization: Bearer rc-token-1234567\"\n");
        var i = Classify(["curl", "https://api.example.net/x"]);
        Assert.That(i.Credentials.Select(c => c.Secret), Has.Member("rc-token-1234567"));
    }

    [Test]
    public void AThousandClassificationsReadAnUnchangedCurlrcOnce()
    {
        Write(".curlrc", "silent\nshow-error\nrequest = GET\n");
        var classifier = new CommandClassifier();
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _home }, _home, _cache);
        for (int n = 0; n < 1000; n++)
            Assert.That(classifier.Classify(["curl", "https://api.example.net/x"], ctx).Single().Effect, Is.EqualTo(Effect.Read));
        Assert.That(_cache.Reads, Is.EqualTo(1));
        // A change is seen at once: a new stamp, one more read.
        File.WriteAllText(Path.Combine(_home, ".curlrc"), "request = DELETE\n");
        File.SetLastWriteTimeUtc(Path.Combine(_home, ".curlrc"), DateTime.UtcNow.AddSeconds(2));
        Assert.That(classifier.Classify(["curl", "https://api.example.net/x"], ctx).Single().Effect, Is.EqualTo(Effect.Delete));
        Assert.That(_cache.Reads, Is.EqualTo(2));
    }
}
