using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;

namespace AgentShell.Supervisor.Tests;

/// <summary>The rules' cached test results: a pass recorded for exact bytes and this build skips
/// the cases for those bytes only; a failing set is never recorded; anything the cache cannot vouch
/// for (corrupt, truncated, another set's entry, a link, writable by others) runs the cases.</summary>
[TestFixture]
public sealed class RuleTestCacheTests
{
    private const string Passing = """
        { "Environments": { "production": { "Hosts": ["*.prod.example.com"] } },
          "Rules": [ { "Id": "t:delete", "Effects": ["delete"], "Environments": ["production"], "Action": "block", "Reason": "r",
                       "Tests": { "Match": [["curl", "-X", "DELETE", "https://api.prod.example.com/v1"]], "NoMatch": [["curl", "https://api.prod.example.com/v1"]] } } ] }
        """;

    // The same rule, its look-alike moved to Match: the rule does not catch it, so loading fails.
    private const string Failing = """
        { "Environments": { "production": { "Hosts": ["*.prod.example.com"] } },
          "Rules": [ { "Id": "t:delete", "Effects": ["delete"], "Environments": ["production"], "Action": "block", "Reason": "r",
                       "Tests": { "Match": [["curl", "https://api.prod.example.com/v1"]], "NoMatch": [["curl", "-X", "GET", "https://api.prod.example.com/v1"]] } } ] }
        """;

    private string _tmp = null!;
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = Directory.CreateTempSubdirectory("as-ruletests-").FullName;
        _dir = Path.Combine(_tmp, "cache", "agentshell");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_tmp, recursive: true);

    private string Profile(string name, string text)
    {
        var f = Path.Combine(_tmp, name);
        File.WriteAllText(f, text);
        return f;
    }

    private static byte[][] Texts(params string[] files) => files.Select(File.ReadAllBytes).ToArray();

    private string[] Entries() => Directory.Exists(_dir) ? Directory.GetFiles(_dir) : [];

    [Test]
    public void APassIsRecordedForTheExactBytesAndThisBuildOnly()
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        Policy.Load([f], cache);
        Assert.That(Entries(), Has.Length.EqualTo(1));
        Assert.That(cache.Passed([f], Texts(f)), Is.Empty, "recorded, with no warnings");

        var other = File.ReadAllBytes(f);
        other[^2] ^= 0x20; // one byte
        Assert.That(cache.Passed([f], [other]), Is.Null, "other bytes");
        Assert.That(cache.Passed([f + ".x"], Texts(f)), Is.Null, "another path");
        Assert.That(cache.Passed([f, f], Texts(f, f)), Is.Null, "another set of layers");
        Assert.That(new RuleTestCache(_dir, "build-2\n").Passed([f], Texts(f)), Is.Null, "another build");
    }

    [Test]
    public void AFailingProfileIsNeverRecordedAndFailsEveryTime()
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Failing);
        for (int i = 0; i < 2; i++)
            Assert.That(() => Policy.Load([f], cache), Throws.TypeOf<ProfileException>().With.Message.Contain("does not catch"));
        Assert.That(Entries(), Is.Empty);
    }

    [Test]
    public void APassRecordedBeforeAnEditDoesNotCoverTheEditedFile()
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        Policy.Load([f], cache);
        File.WriteAllText(f, Failing); // the stale entry is still there, under the old bytes' name
        Assert.That(() => Policy.Load([f], cache), Throws.TypeOf<ProfileException>().With.Message.Contain("does not catch"));
    }

    [Test]
    public void AnEntryRenamedToAFailingSetsNameIsAMissAndTheCasesRun()
    {
        // A real pass, copied to where the failing bytes' entry would be: it names the other key inside.
        var cache = new RuleTestCache(_dir, "build-1\n");
        var good = Profile("p.json", Passing);
        Policy.Load([good], cache);
        var bad = Profile("q.json", Failing);
        string forged = Path.Combine(_dir, "rule-tests-" + cache.Key([bad], Texts(bad))[..40]);
        File.Copy(Entries().Single(), forged);
        Assert.That(cache.Passed([bad], Texts(bad)), Is.Null);
        Assert.That(() => Policy.Load([bad], cache), Throws.TypeOf<ProfileException>());
    }

    [TestCase("garbage\n")]
    [TestCase("")]
    [TestCase("agentshell rule tests v1\n{key}\npass 2\nonly one\n")]
    [TestCase("agentshell rule tests v1\n{key}\npass 0")]
    [TestCase("agentshell rule tests v1\n{key}\nfail 0\n")]
    [TestCase("agentshell rule tests v1\n{key}\npass -1\n")]
    public void ACorruptOrTruncatedEntryIsAMiss(string text)
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        string key = cache.Key([f], Texts(f));
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "rule-tests-" + key[..40]), text.Replace("{key}", key));
        Assert.That(cache.Passed([f], Texts(f)), Is.Null);
    }

    [Test]
    public void AnEntryOthersCanWriteOrReachedThroughALinkIsAMiss()
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        Policy.Load([f], cache);
        string entry = Entries().Single();
        Assert.That(cache.Passed([f], Texts(f)), Is.Not.Null, "the control: believed as written");

        File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.OtherWrite);
        Assert.That(cache.Passed([f], Texts(f)), Is.Null, "a file others can write");
        File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        File.SetUnixFileMode(_dir, File.GetUnixFileMode(_dir) | UnixFileMode.GroupWrite);
        Assert.That(cache.Passed([f], Texts(f)), Is.Null, "a directory others can write");
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string real = Path.Combine(_tmp, "elsewhere");
        File.Move(entry, real);
        File.CreateSymbolicLink(entry, real);
        Assert.That(cache.Passed([f], Texts(f)), Is.Null, "a link to an entry");
    }

    [Test]
    public void ACachedLoadGivesTheSameWarningsAsARunOfTheCases()
    {
        // A Match case no parser understands is a warning, not an error: it must survive the cache.
        const string warned = """
            { "Environments": { "production": { "Hosts": ["*.prod.example.com"] } },
              "Rules": [ { "Id": "t:any", "Effects": ["delete"], "Environments": ["production"], "Action": "block", "Reason": "r",
                           "Tests": { "Match": [["curl", "-X", "DELETE", "https://api.prod.example.com/v1"], ["frobnicate", "--all"]], "NoMatch": [["curl", "https://api.prod.example.com/v1"]] } } ] }
            """;
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", warned);
        var first = Policy.Load([f], cache).Warnings;
        Assert.That(first, Has.Count.EqualTo(1));
        Assert.That(Policy.Load([f], cache).Warnings, Is.EqualTo(first));
        Assert.That(Policy.Load([f]).Warnings, Is.EqualTo(first));
    }

    [Test]
    public void ProfilesWithCredentialFilesAreNeverCached()
    {
        // Their verdicts can depend on a file of this machine, not only on the profiles' bytes.
        var cred = Path.Combine(_tmp, ".env.production");
        File.WriteAllText(cred, "TOKEN=abcdefgh12345\n");
        string text = Passing.Replace("""["*.prod.example.com"] }""", $$"""["*.prod.example.com"], "CredentialFiles": ["{{cred}}"] }""");
        var f = Profile("p.json", text);
        Policy.Load([f], new RuleTestCache(_dir, "build-1\n"));
        Assert.That(Entries(), Is.Empty);
    }

    [Test]
    public void AHitSkipsReadingTheCasesAndAMissReadsThem()
    {
        // What the hit saves (issue 16): the rules' Tests are not even read.
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        var miss = Policy.Load([f], cache);
        Assert.That(miss.Rules.Single(r => r.Id == "t:delete").Tests.Match, Has.Count.EqualTo(1), "a miss reads and runs the cases");
        var hit = Policy.Load([f], cache);
        Assert.That(hit.Rules.Single(r => r.Id == "t:delete").Tests, Is.SameAs(RuleTests.Empty), "a hit leaves them unread");
        Assert.That(hit.Rules.Single(r => r.Id == "t:delete").Action, Is.EqualTo(PolicyAction.Block), "the rule itself is read as ever");
    }

    [Test]
    public void APlantedPassStillLeavesEveryOtherCheckOfTheFilesToRun()
    {
        // An entry for these exact bytes, as if someone could write the cache (a run makes it
        // read-only for its tree: tests/adversarial/ProtectedFilesTests): only the cases are skipped;
        // an unknown action, a missing reason or an undefined environment still fails the load.
        var cache = new RuleTestCache(_dir, "build-1\n");
        foreach (var (broken, error) in new[]
                 {
                     (Passing.Replace("\"block\"", "\"allw\""), "unknown action 'allw'"),
                     (Passing.Replace("\"Reason\": \"r\",", ""), "'Reason' is required"),
                     (Passing.Replace("\"Environments\": [\"production\"]", "\"Environments\": [\"prod\"]"), "no environment 'prod'"),
                 })
        {
            var f = Profile("planted.json", broken);
            cache.RecordPass([f], Texts(f), []);
            Assert.That(cache.Passed([f], Texts(f)), Is.Not.Null, "the control: the planted entry is found");
            Assert.That(() => Policy.Load([f], cache), Throws.TypeOf<ProfileException>().With.Message.Contain(error));
        }
    }

    [Test]
    public void APlantedPassForProfilesWithCredentialFilesIsNotBelieved()
    {
        // No run records such a set (its verdicts depend on a file of this machine); an entry for
        // one is not believed: the files are read again, cases and all, and the failing case fails.
        var cred = Path.Combine(_tmp, ".env.production");
        File.WriteAllText(cred, "TOKEN=abcdefgh12345\n");
        var f = Profile("p.json", Failing.Replace("""["*.prod.example.com"] }""", $$"""["*.prod.example.com"], "CredentialFiles": ["{{cred}}"] }"""));
        var cache = new RuleTestCache(_dir, "build-1\n");
        cache.RecordPass([f], Texts(f), []);
        Assert.That(cache.Passed([f], Texts(f)), Is.Not.Null, "the control: the planted entry is found");
        Assert.That(() => Policy.Load([f], cache), Throws.TypeOf<ProfileException>().With.Message.Contain("does not catch"));
    }

    [Test]
    public void TheEntriesAreKeptToABoundedNumber()
    {
        var cache = new RuleTestCache(_dir, "build-1\n");
        var f = Profile("p.json", Passing);
        for (int i = 0; i < 40; i++)
        {
            File.WriteAllText(f, Passing + new string(' ', i));
            Policy.Load([f], cache);
        }
        Assert.That(Entries(), Has.Length.EqualTo(32));
        Assert.That(cache.Passed([f], Texts(f)), Is.Not.Null, "the newest is kept");
    }

    [Test]
    public void TheCacheDirectoryIsCreatedPrivateAndProtectedForTheTree()
    {
        string? home = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(_tmp, "xdg-cache"));
        try
        {
            var dirs = ProtectedPaths.CacheDirectories();
            string dir = Path.Combine(_tmp, "xdg-cache", "agentshell");
            Assert.That(dirs, Is.EqualTo(new[] { dir }));
            Assert.That(File.GetUnixFileMode(dir), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That(RuleTestCache.ForThisUser()!.Directory, Is.EqualTo(dir), "where loads look");
            Assert.That(ProtectedPaths.Collect([], dirs, null, []), Is.EqualTo(new[] { dir }));
        }
        finally { Environment.SetEnvironmentVariable("XDG_CACHE_HOME", home); }
    }
}
