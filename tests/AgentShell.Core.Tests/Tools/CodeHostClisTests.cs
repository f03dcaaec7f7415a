using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Tools;

/// <summary>corpus22: gh and glab resolve a repository on the hosts they are configured for (GH_HOST,
/// hosts.yml; GITLAB_HOST, GL_HOST, glab-cli/config.yml), not always on github.com/gitlab.com. A real
/// repository whose origin is the staging repository on github.com/gitlab.com and whose other remote is
/// the production one on the company's server: which one the tool takes decides block or allow.</summary>
public class CodeHostClisTests
{
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;
    private TempTree _tree = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("repos.json", """
            { "Environments": { "production": { "Repositories": ["ghe.acme.io/acme/prod", "gitlab.acme.io/acme/*"] },
                                "staging": { "Repositories": ["github.com/acme/staging", "gitlab.com/acme/*"] } } }
            """)]);
        _tree = new TempTree();
        _tree.Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        _tree.Write("repo/.git/config", "[remote \"origin\"]\n\turl = https://github.com/acme/staging.git\n[remote \"ghe\"]\n\turl = git@ghe.acme.io:acme/prod.git\n"
            + "[remote \"gl\"]\n\turl = https://gitlab.com/acme/shop.git\n[remote \"corp\"]\n\turl = git@gitlab.acme.io:acme/shop.git\n");
        _tree.Write("home/.keep", "");
    }

    [TearDown]
    public void TearDown()
    {
        _tmp.Dispose();
        _tree.Dispose();
    }

    private string Decide(string shell, params string[] env)
    {
        var vars = new Dictionary<string, string> { ["HOME"] = Path.Combine(_tree.Root, "home"), ["PATH"] = "/usr/bin:/bin", ["GIT_CONFIG_NOSYSTEM"] = "1" };
        for (int i = 0; i + 1 < env.Length; i += 2) vars[env[i]] = env[i + 1];
        var ctx = new LocalExecContext(vars, Path.Combine(_tree.Root, "repo"));
        var intents = new CommandClassifier().ClassifyShell(shell, ctx);
        return PolicyVerdict.Of(_policy, intents, ctx);
    }

    private const string GhDelete = "gh release delete v1 --yes", GlabDelete = "glab release delete v1";

    [TestCase(GhDelete, "", "allow:staging")]                                                    // look-alike: github.com only
    [TestCase(GhDelete, "GH_HOST=ghe.acme.io", "block:production")]                              // only ghe's remotes
    [TestCase(GhDelete, "GH_HOST=https://GHE.acme.io/", "block:production")]                     // as gh normalises it
    [TestCase("gh repo delete acme/prod --yes", "GH_HOST=ghe.acme.io", "block:production")]       // OWNER/REPO on GH_HOST
    [TestCase("gh repo delete acme/prod --yes", "", "pause:unknown")]                            // look-alike: github.com/acme/prod, unlisted
    [TestCase("gh repo delete github.com/acme/staging --yes", "GH_HOST=ghe.acme.io", "allow:staging")] // a host named wins
    [TestCase("gh api -X DELETE repos/acme/prod", "GH_HOST=ghe.acme.io", "block:production")]
    [TestCase(GlabDelete, "", "allow:staging")]                                                  // look-alike: gitlab.com
    [TestCase(GlabDelete, "GITLAB_HOST=gitlab.acme.io", "block:production")]
    [TestCase(GlabDelete, "GL_HOST=https://gitlab.acme.io", "block:production")]
    [TestCase("glab -R acme/shop release delete v1", "GITLAB_HOST=gitlab.acme.io", "block:production")]
    [TestCase("glab -R acme/shop release delete v1", "", "allow:staging")]
    [TestCase("glab api -X DELETE projects/acme%2Fshop", "GITLAB_HOST=gitlab.acme.io", "block:production")]
    public void TheHostComesFromTheEnvironment(string shell, string env, string expected) =>
        Assert.That(Decide(shell, env.Length == 0 ? [] : env.Split('=', 2)), Is.EqualTo(expected));

    [TestCase("ghe.acme.io:\n    user: someone\n    git_protocol: ssh\n", "block:production", TestName = "hosts.yml with only the company's host")]
    [TestCase("github.com:\n    user: a\nghe.acme.io:\n    user: b\n", "allow:staging", TestName = "hosts.yml with both hosts: origin, as gh picks it (look-alike)")]
    [TestCase("\"ghe.acme.io\":\n    oauth_token: x\n", "block:production", TestName = "hosts.yml with a quoted host")]
    public void GhReadsItsHostsFile(string hostsYml, string expected)
    {
        _tree.Write("home/.config/gh/hosts.yml", hostsYml);
        Assert.That(Decide(GhDelete), Is.EqualTo(expected));
        Assert.That(Decide("gh api -X DELETE repos/acme/prod"), Is.EqualTo(expected == "allow:staging" ? "pause:unknown" : expected));
    }

    [Test]
    public void GhConfigDirAndXdgAreWhereGhLooks()
    {
        _tree.Write("cfg/hosts.yml", "ghe.acme.io:\n    user: x\n");
        Assert.That(Decide(GhDelete, "GH_CONFIG_DIR", Path.Combine(_tree.Root, "cfg")), Is.EqualTo("block:production"));
        _tree.Write("xdg/gh/hosts.yml", "ghe.acme.io:\n    user: x\n");
        Assert.That(Decide(GhDelete, "XDG_CONFIG_HOME", Path.Combine(_tree.Root, "xdg")), Is.EqualTo("block:production"));
    }

    [TestCase("host: gitlab.acme.io\nhosts:\n    gitlab.acme.io:\n        token: x\n", "block:production", TestName = "glab config's default host")]
    [TestCase("host: gitlab.com\nhosts:\n    gitlab.com:\n        token: x\n    gitlab.acme.io:\n        token: y\n", "allow:staging", TestName = "glab config defaulting to gitlab.com (look-alike)")]
    [TestCase("hosts:\n    gitlab.acme.io:\n        token: y\n", "allow:staging", TestName = "glab config listing another host, default gitlab.com (look-alike)")]
    public void GlabReadsItsConfig(string configYml, string expected)
    {
        _tree.Write("home/.config/glab-cli/config.yml", configYml);
        Assert.That(Decide(GlabDelete), Is.EqualTo(expected));
    }

    [TestCase("home/.config/gh/hosts.yml", GhDelete)]
    [TestCase("home/.config/gh/hosts.yml", "gh repo delete acme/prod --yes")]
    [TestCase("home/.config/gh/hosts.yml", "gh api -X DELETE repos/acme/prod")]
    [TestCase("home/.config/glab-cli/config.yml", GlabDelete)]
    public void AnUnreadableConfigPauses(string file, string shell)
    {
        // Too large to read: which host the tool takes is not known, so a destructive command pauses.
        _tree.Write(file, "ghe.acme.io:\n" + new string('#', AgentShell.Core.Config.ConfigFile.MaxBytes + 10) + "\n");
        Assert.That(Decide(shell), Is.EqualTo("pause:unknown"));
    }

    private const string AliasFirst = "[remote \"origin\"]\n\turl = git@github-work:acme/prod.git\n[remote \"staging\"]\n\turl = https://github.com/acme/staging.git\n";
    private const string SshConfig = "Host github-work\n  HostName github.com\n  IdentityFile ~/.ssh/work\nHost *.internal\n  User git\n";

    [TestCase(AliasFirst, SshConfig, "pause:unknown", TestName = "an ssh alias remote gh translates to github.com outranks the known one: paused")]
    [TestCase(AliasFirst, "Include ~/.ssh/more\n", "pause:unknown", TestName = "an ssh config Include is not followed: any ssh host may be an alias")]
    [TestCase(AliasFirst, "", "allow:staging", TestName = "no ssh config: github-work is no github.com host, gh takes staging (look-alike)")]
    [TestCase(AliasFirst, "Host other\n  HostName github.com\nHost github-work\n  User x\n", "allow:staging", TestName = "github-work is no alias in the ssh config (look-alike)")]
    [TestCase("[remote \"upstream\"]\n\turl = https://github.com/acme/staging.git\n[remote \"fork\"]\n\turl = git@github-work:acme/x.git\n", SshConfig, "allow:staging", TestName = "an ssh alias remote the known one outranks changes nothing (look-alike)")]
    public void SshAliasesAreNotGuessed(string config, string sshConfig, string expected)
    {
        // gh translates ssh remotes through ssh's config (ssh -G): a remote on an aliased ssh host may be github.com.
        _tree.Write("repo/.git/config", config);
        if (sshConfig.Length > 0) _tree.Write("home/.ssh/config", sshConfig);
        Assert.That(Decide(GhDelete), Is.EqualTo(expected));
    }

    [Test]
    public void NoRemoteOnTheHostGhHostNamesPausesRatherThanGuessing()
    {
        // gh refuses ("none of the git remotes … correspond to the GH_HOST"): no repository is inferred, the API host is.
        Assert.That(Decide(GhDelete, "GH_HOST", "other.acme.io"), Is.EqualTo("pause:unknown"));
    }
}
