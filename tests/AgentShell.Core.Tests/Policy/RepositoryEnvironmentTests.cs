using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Tools;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary>Profiles' <c>Repositories</c>: every way a command names a repository (a git remote,
/// gh/glab, a code host's API URL) is judged in the listed repository's environment, over the
/// real default.json rules, in a real repository directory with its own and a global git config.</summary>
public class RepositoryEnvironmentTests
{
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;
    private TempTree _tree = null!;
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("repos.json", """
            { "Environments": {
                "production": { "Repositories": ["github.com/acme/api", "gitlab.com/acme/*", "git.acme.dev/platform/*"] },
                "staging": { "Repositories": ["github.com/acme/api-staging"] } } }
            """)]);
        _tree = new TempTree();
        _root = _tree.Root;
        Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        Write("repo/.git/config", "[remote \"origin\"]\n\turl = https://github.com/acme/api-staging.git\n[remote \"upstream\"]\n\turl = corp:acme/api\n"
            + "[remote \"mirror\"]\n\turl = https://github.com/acme/api-staging.git\n\tpushurl = git@github.com:acme/api.git\n");
        // The global config's rewrite: corp: is git@github.com:, as many set it up.
        Write("home/.gitconfig", "[url \"git@github.com:\"]\n\tinsteadOf = corp:\n");
        Write("other/.git/HEAD", "ref: refs/heads/main\n");
        Write("other/.git/config", "[remote \"origin\"]\n\turl = ssh://git@git.acme.dev/platform/billing.git\n");
    }

    [TearDown]
    public void TearDown()
    {
        _tmp.Dispose();
        _tree.Dispose();
    }

    private void Write(string rel, string text) => _tree.Write(rel, text);

    private LocalExecContext Ctx(string dir = "repo", params string[] env)
    {
        var vars = new Dictionary<string, string> { ["HOME"] = Path.Combine(_root, "home"), ["PATH"] = "/usr/bin:/bin" };
        for (int i = 0; i + 1 < env.Length; i += 2) vars[env[i]] = env[i + 1];
        return new LocalExecContext(vars, Path.Combine(_root, dir));
    }

    private Decision Decide(string shell, LocalExecContext? ctx = null) => Decide(shell, out _, ctx);

    private Decision Decide(string shell, out IReadOnlyList<CommandIntent> intents, LocalExecContext? ctx = null)
    {
        ctx ??= Ctx();
        intents = new CommandClassifier().ClassifyShell(shell, ctx);
        return _policy.Decide(intents, ctx);
    }

    [TestCase("git push --force upstream main", "block", "production")]           // corp:acme/api via the global insteadOf
    [TestCase("git push --force mirror main", "block", "production")]             // the pushurl, not the url
    [TestCase("git push origin :main", "allow", "staging")]                        // a staging repository
    [TestCase("git push upstream main", "allow", "production")]                    // a plain push stays allowed
    [TestCase("gh repo delete acme/api --yes", "block", "production")]
    [TestCase("gh api -X DELETE repos/acme/api", "block", "production")]
    [TestCase("gh repo delete --yes", "block", "production")]                      // gh infers upstream first
    [TestCase("gh repo delete acme/api-staging --yes", "allow", "staging")]
    [TestCase("gh repo delete acme/unlisted --yes", "pause", "unknown")]
    [TestCase("curl -X DELETE https://api.github.com/repos/acme/api/releases/1", "block", "production")]
    [TestCase("glab api -X DELETE projects/acme%2Fshop", "block", "production")]
    [TestCase("glab -R acme/shop release delete v1", "block", "production")]
    public void EachFormIsJudgedInTheListedRepositorysEnvironment(string shell, string action, string environment)
    {
        var d = Decide(shell, out var intents);
        Assert.That(d.Action.ToString().ToLowerInvariant(), Is.EqualTo(action), d.Describe());
        // An allow names no environment: each target's is asked.
        Assert.That(intents.SelectMany(i => i.Targets).Select(t => _policy.EnvironmentOf(t, Ctx())), Has.Some.EqualTo(environment), d.Describe());
        if (action != "allow") Assert.That(d.Environment, Is.EqualTo(environment), d.Describe());
    }

    [Test]
    public void GhRepoDeleteAndGhApiDeleteAgree()
    {
        foreach (var repo in new[] { "acme/api", "acme/api-staging", "acme/unlisted" })
        {
            var viaRepo = Decide($"gh repo delete {repo} --yes");
            var viaApi = Decide($"gh api -X DELETE repos/{repo}");
            Assert.That((viaApi.Action, viaApi.Environment), Is.EqualTo((viaRepo.Action, viaRepo.Environment)), $"{repo}: {viaRepo.Describe()} / {viaApi.Describe()}");
        }
    }

    [Test]
    public void GitDirAndDashCFindTheRepositoryFromElsewhere()
    {
        var elsewhere = Ctx("home");
        Assert.That(Decide($"git --git-dir={Path.Combine(_root, "other", ".git")} push --force origin main", elsewhere).Action, Is.EqualTo(PolicyAction.Block));
        Assert.That(Decide($"git -C {Path.Combine(_root, "other")} push origin :main", elsewhere).Action, Is.EqualTo(PolicyAction.Block));
        Assert.That(Decide("git push --force origin main", Ctx("home", "GIT_DIR", Path.Combine(_root, "other", ".git"))).Action, Is.EqualTo(PolicyAction.Block));
    }

    [Test]
    public void AnUnreadableRemoteConfigFailsClosed()
    {
        // No config to say where origin points: the push's target is unknown, never allowed as if local.
        File.WriteAllText(Path.Combine(_root, "repo", ".git", "config"), "\0\0 not a config");
        var d = Decide("git push origin :main");
        Assert.That(d.Action, Is.EqualTo(PolicyAction.Pause), d.Describe());
        File.Delete(Path.Combine(_root, "repo", ".git", "config"));
        Assert.That(Decide("git push --force origin main").Action, Is.EqualTo(PolicyAction.Pause));
    }

    [Test]
    public void AProfileWithABadRepositoryDoesNotLoad()
    {
        var bad = _tmp.Write("bad.json", "{ \"Environments\": { \"production\": { \"Repositories\": [\"github.com/acme/api\", \"https://github.com/acme/web\"] } } }");
        var e = Assert.Throws<AgentShell.Core.Profiles.ProfileException>(() => PolicyT.Load([bad]))!;
        Assert.That(e.Errors.Single().JsonPath, Is.EqualTo("Environments.production.Repositories[1]"));
    }

    [TestCase("https://api.github.com/repos/acme/api/git/refs", "github.com/acme/api")]
    [TestCase("https://api.github.com/repos/ghe.acme.dev/acme/api", "ghe.acme.dev/acme/api")]
    [TestCase("https://api.github.com/repos/https://github.com/acme/api", "github.com/acme/api")]
    [TestCase("https://ghe.acme.dev/api/v3/repos/acme/api/releases", "ghe.acme.dev/acme/api")]
    [TestCase("https://gitlab.com/api/v4/projects/acme%2Fteam%2Fapi/variables", "gitlab.com/acme/team/api")]
    [TestCase("https://gitlab.com/api/v4/projects/acme/api", "gitlab.com/acme/api")]
    [TestCase("https://github.com/acme/api/issues?q=1", "github.com/acme/api")]
    [TestCase("ssh://git@github.com/acme/api.git", "github.com/acme/api")]
    [TestCase("ssh://git@git.acme.dev/platform/team/billing.git/", "git.acme.dev/platform/team/billing")]
    [TestCase("https://www.github.com/acme/api", "github.com/acme/api")]
    [TestCase("ssh://git@github.com:22/acme/api.git/", "github.com/acme/api")]
    [TestCase("https://github.com:443//acme//api.git", "github.com/acme/api")]
    [TestCase("https://github.com/acme/%61pi", "github.com/acme/api")]
    [TestCase("https://github.com./acme/api", "github.com/acme/api")]
    [TestCase("https://www.gitlab.com/api/v4/projects/acme%2Fapi", "gitlab.com/acme/api")]
    [TestCase("ssh://git@git.acme.dev/~alice/tools.git", "git.acme.dev/~alice/tools")]
    [TestCase("https://github.com.evil.io/acme/api", "github.com.evil.io/acme/api")]
    [TestCase("https://www.ghe.acme.dev/acme/api", "www.ghe.acme.dev/acme/api")] // www. of another host is another host
    [TestCase("https://gitlab.com/api/v4/projects/42", "gitlab.com/#42")]           // corpus22: by id (a profile's Id)
    [TestCase("https://api.github.com/repositories/7/releases", "github.com/#7")]
    [TestCase("https://ghe.acme.dev/api/v3/repositories/7", "ghe.acme.dev/#7")]
    [TestCase("https://gitlab.com/api/v4/projects/42x/api", "gitlab.com/42x/api")]   // not a number: glab's path form
    [TestCase("https://api.github.com/user/repos", "")]
    [TestCase("https://github.com/acme", "")]
    [TestCase("ftp://github.com/acme/api", "")]
    public void RepositoryKeys(string url, string key)
    {
        Assert.That(UrlParser.TryParse(url, "https", out var t), Is.True);
        Span<char> buf = stackalloc char[CodeHosts.MaxKey];
        int n = CodeHosts.RepositoryKey(t, buf);
        Assert.That(buf[..n].ToString(), Is.EqualTo(key));
    }

    // corpus22: spellings of one repository that git and the code host take as the same (www., a port, a
    // user, doubled slashes, %-escapes, .git/, case, a trailing dot) match the profile; look-alikes do not.
    [TestCase("https://www.github.com/acme/api", "block", "production")]
    [TestCase("ssh://git@github.com:22/acme/api.git/", "block", "production")]
    [TestCase("https://GitHub.com:443//acme//API.git", "block", "production")]
    [TestCase("https://github.com./acme/%61pi", "block", "production")]
    [TestCase("https://x-token@www.github.com/acme/api-staging.git", "allow", "staging")]
    [TestCase("git@github.com:acme/api-staging", "allow", "staging")]
    [TestCase("https://github.com.evil.io/acme/api", "pause", "unknown")]
    [TestCase("https://githubcom/acme/api", "pause", "unknown")]
    [TestCase("https://github.com@evil.io/acme/api-staging", "pause", "unknown")]
    [TestCase("https://github.com/acme/api%2Fx", "pause", "unknown")]
    public void EquivalentSpellingsOfARemoteMatchAndLookAlikesDoNot(string url, string action, string environment)
    {
        var d = Decide($"git push {url} --delete main");
        Assert.That((d.Action.ToString().ToLowerInvariant(), d.Action == PolicyAction.Allow ? environment : d.Environment), Is.EqualTo((action, environment)));
    }

    [Test]
    public void AScpPathUnderAUsersHomeAndItsUrlFormAgree()
    {
        Span<char> a = stackalloc char[CodeHosts.MaxKey], b = stackalloc char[CodeHosts.MaxKey];
        Assert.That(UrlParser.TryParse(GitRemotes.ScpToUrl("git@git.acme.dev:~alice/tools.git"), "ssh", out var scp), Is.True);
        Assert.That(UrlParser.TryParse("ssh://git.acme.dev/~alice/tools", "ssh", out var url), Is.True);
        int n = CodeHosts.RepositoryKey(scp, a), m = CodeHosts.RepositoryKey(url, b);
        Assert.That(a[..n].ToString(), Is.EqualTo(b[..m].ToString()).And.EqualTo("git.acme.dev/~alice/tools"));
    }

    [Test]
    public void WithoutRepositoriesTheHostDecides()
    {
        // default.json alone lists no repository: github.com is unknown, a destructive call pauses.
        var plain = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json")]);
        var ctx = Ctx();
        var intents = new CommandClassifier().Classify(ShellParser.Parse(Encoding.UTF8.GetBytes("gh api -X DELETE repos/acme/api"), ctx.GetEnvironmentVariable).Commands[0].Words, ctx);
        Assert.That(plain.Decide(intents, ctx).Action, Is.EqualTo(PolicyAction.Pause));
    }
}
