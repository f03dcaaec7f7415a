using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Policy;

/// <summary>redteam31: ways an agent can make git push to a production repository while a reader of
/// the config sees the staging one. A branch delete on staging is allowed, so each attack that the
/// reader misread was a destructive push to production allowed. Real files in a temporary
/// repository; the system file is the test's own (GIT_CONFIG_SYSTEM), never the machine's.</summary>
public class GitConfigAttackTests
{
    private const string Prod = "https://github.com/acme/prod", Staging = "https://github.com/acme/staging";
    private TempProfiles _tmp = null!;
    private PolicyT _policy = null!;
    private TempTree _tree = null!;
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        _tmp = new TempProfiles();
        _policy = PolicyT.Load([Path.Combine(TempProfiles.ShippedDir, "default.json"), _tmp.Write("repos.json", """
            { "Environments": { "production": { "Repositories": ["github.com/acme/prod"] },
                                "staging": { "Repositories": ["github.com/acme/staging"] } } }
            """)]);
        _tree = new TempTree();
        _root = _tree.Root;
        Write("repo/.git/HEAD", "ref: refs/heads/main\n");
        Write("home/.keep", "");
    }

    [TearDown]
    public void TearDown()
    {
        _tmp.Dispose();
        _tree.Dispose();
    }

    private string Write(string rel, string text) => _tree.Write(rel, text.Replace("$ROOT", _root));

    private string Decide(string repoConfig, string shell, params string[] env)
    {
        Write("repo/.git/config", $"[remote \"origin\"]\n\turl = {Staging}\n{repoConfig}");
        var vars = new Dictionary<string, string> { ["HOME"] = Path.Combine(_root, "home"), ["PATH"] = "/usr/bin:/bin", ["GIT_CONFIG_SYSTEM"] = Path.Combine(_root, "system") };
        for (int i = 0; i + 1 < env.Length; i += 2) vars[env[i]] = env[i + 1].Replace("$ROOT", _root);
        var ctx = new LocalExecContext(vars, Path.Combine(_root, "repo"));
        var intents = new CommandClassifier().ClassifyShell(shell, ctx);
        return PolicyVerdict.Of(_policy, intents, ctx);
    }

    private const string Delete = "git push origin --delete main";

    [TestCase("\tpushurl = " + Prod + "\n\tpushurl = " + Staging + "\n", TestName = "every pushurl is pushed to")]
    [TestCase("\turl = " + Prod + "\n", TestName = "every url is pushed to (a second url after the first)")]
    [TestCase("[remote.Origin]\n\tpushurl = " + Prod + "\n", TestName = "old [remote.Origin] syntax is lower-cased")]
    [TestCase("[Remote \"origin\"]\n\tPushURL = " + Prod + "\n", TestName = "section and key case")]
    [TestCase("\tpushurl = " + Prod + "\n\tfoo = x\\\n\tpushurl = " + Staging + "\n", TestName = "a continuation hides the staging line from git")]
    [TestCase("\tpushurl = \"https://github.com/acme/p\\\"\"rod\n", TestName = "quotes and escapes in a value")]
    [TestCase("[include]\n\tpath = $ROOT/inc\n[remote \"origin\"]\n\turl = " + Staging + "\n", TestName = "an include adding a url")]
    public void RepositoryConfigFormsReachProduction(string config, string? _ = null)
    {
        Write("inc", $"[remote \"origin\"]\n\turl = {Prod}\n");
        var result = Decide(config, Delete);
        // The quoted case names p"rod, an unlisted repository: paused, never allowed.
        Assert.That(result, config.Contains("\\\"") ? Is.EqualTo("pause:unknown") : Is.EqualTo("block:production"));
    }

    [TestCase("include.path", TestName = "a global include's insteadOf")]
    [TestCase("includeIf.gitdir:$ROOT/repo/.git.path", TestName = "a global includeIf gitdir that matches")]
    [TestCase("includeIf.gitdir:**/repo/.path", TestName = "a global includeIf gitdir with ** and a trailing slash")]
    [TestCase("includeIf.onbranch:main.path", TestName = "a global includeIf onbranch")]
    public void GlobalIncludesAreFollowed(string key)
    {
        Write("rewrite", $"[url \"{Prod}\"]\n\tinsteadOf = {Staging}\n");
        int dot = key.LastIndexOf('.'), first = key.IndexOf('.');
        var header = first == dot ? $"[{key[..dot]}]" : $"[{key[..first]} \"{key[(first + 1)..dot]}\"]";
        Write("home/.gitconfig", $"{header}\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide("", Delete), Is.EqualTo("block:production"));
    }

    [Test]
    public void AnIncludeIfThatDoesNotMatchIsNotFollowed()
    {
        // Look-alike: the rewrite applies only under another directory.
        Write("rewrite", $"[url \"{Prod}\"]\n\tinsteadOf = {Staging}\n");
        Write("home/.gitconfig", "[includeIf \"gitdir:/elsewhere/\"]\n\tpath = $ROOT/rewrite\n[includeIf \"onbranch:release\"]\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide("", Delete), Is.EqualTo("allow:staging"));
    }

    [Test]
    public void AConditionNotEvaluatedMakesTheRemoteUnknown()
    {
        Write("home/.gitconfig", "[includeIf \"hasconfig:core.bare:false\"]\n\tpath = $ROOT/rewrite\n[includeIf \"newcondition:x\"]\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide("", Delete), Is.EqualTo("pause:unknown"));
    }

    // corpus22: hasconfig:remote.*.url: is evaluated as git does (every remote.*.url of every source, pushurl
    // and insteadOf not counted, wildmatch with WM_PATHNAME, case kept), so it no longer pauses every push;
    // and a file it takes in cannot add the URL that decides it (git refuses to run: paused).
    [TestCase("https://github.com/**", "", "", "block:production", TestName = "hasconfig ** matches origin: its insteadOf is seen")]
    [TestCase("https://github.com/*/*", "", "", "block:production", TestName = "hasconfig */* matches origin")]
    [TestCase("https://github.com/*", "", "", "allow:staging", TestName = "hasconfig * does not cross a slash (look-alike)")]
    [TestCase("https://gitlab.com/**", "", "", "allow:staging", TestName = "hasconfig for another host no longer pauses (look-alike)")]
    [TestCase("HTTPS://GITHUB.COM/**", "", "", "allow:staging", TestName = "hasconfig is case-sensitive (look-alike)")]
    [TestCase("https://gitlab.com/**", "[remote \"mirror\"]\n\turl = https://gitlab.com/a/b\n", "", "block:production", TestName = "hasconfig matches a url the repository config sets later")]
    [TestCase("https://gitlab.com/**", "[remote \"mirror\"]\n\tpushurl = https://gitlab.com/a/b\n", "", "allow:staging", TestName = "hasconfig ignores a pushurl (look-alike)")]
    [TestCase("https://gitlab.com/**", "[url \"https://gitlab.com/\"]\n\tinsteadOf = gl:\n[remote \"m\"]\n\turl = gl:a/b\n", "", "allow:staging", TestName = "hasconfig matches the url as written, not rewritten (look-alike)")]
    [TestCase("https://gitlab.com/**", "", "-c remote.m.url=https://gitlab.com/a/b ", "block:production", TestName = "hasconfig matches a -c url")]
    [TestCase("https://github.com/**", "", "", "block:production", "[remote \"origin\"]\n\tpushurl = " + Prod + "\n", TestName = "hasconfig file adding a pushurl is followed")]
    [TestCase("https://nomatch/**", "", "", "pause:unknown", "[remote \"origin\"]\n\turl = " + Prod + "\n", TestName = "hasconfig file setting a url: git refuses, paused")]
    [TestCase("https://github.com/[a]cme/**", "", "", "pause:unknown", TestName = "hasconfig bracket pattern is not evaluated: paused")]
    public void HasconfigRemoteUrlIsEvaluatedAsGitDoes(string pattern, string repoConfig, string options, string expected, string? included = null)
    {
        Write("rewrite", (included ?? "") + $"[url \"{Prod}\"]\n\tinsteadOf = {Staging}\n");
        Write("home/.gitconfig", $"[includeIf \"hasconfig:remote.*.url:{pattern}\"]\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide(repoConfig, $"git {options}push origin --delete main"), Is.EqualTo(expected));
        // Real git on the same files agrees: production when blocked, staging when allowed, a refusal when paused
        // (except a bracket class, which git evaluates and this reading does not).
        var (rc, urls) = GitPushUrls(options);
        if (expected == "block:production") Assert.That(urls, Does.Contain(Prod));
        else if (expected == "allow:staging") Assert.That((rc, urls.Trim()), Is.EqualTo((0, Staging)));
        else if (!pattern.Contains('[')) Assert.That(rc, Is.EqualTo(128));
    }

    [Test]
    public void AnIncludeIfFileSettingAUrlWhileHasconfigIsUsedIsRefusedByGit()
    {
        // A gitdir include that holds a url, with a hasconfig condition anywhere: git dies, so nothing can be hidden there.
        Write("inc", $"[remote \"origin\"]\n\turl = {Prod}\n");
        Write("home/.gitconfig", "[includeIf \"gitdir:$ROOT/repo/.git\"]\n\tpath = $ROOT/inc\n[includeIf \"hasconfig:remote.*.url:https://nomatch/**\"]\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide("", Delete), Is.EqualTo("pause:unknown"));
        Assert.That(GitPushUrls("").Rc, Is.EqualTo(128));
        // Look-alike: the same include without any hasconfig condition is read (and reaches production).
        Write("home/.gitconfig", "[includeIf \"gitdir:$ROOT/repo/.git\"]\n\tpath = $ROOT/inc\n");
        Assert.That(Decide("", Delete), Is.EqualTo("block:production"));
    }

    // What real git makes of the files Decide wrote: `git remote get-url --push --all origin`.
    private (int Rc, string Urls) GitPushUrls(string options)
    {
        Directory.CreateDirectory(Path.Combine(_root, "repo/.git/objects"));
        Directory.CreateDirectory(Path.Combine(_root, "repo/.git/refs"));
        var psi = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.Combine(_root, "repo") };
        foreach (var o in options.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(o);
        foreach (var a in new[] { "remote", "get-url", "--push", "--all", "origin" }) psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = Path.Combine(_root, "home");
        psi.Environment["GIT_CONFIG_SYSTEM"] = Path.Combine(_root, "system");
        psi.Environment.Remove("GIT_CONFIG_GLOBAL");
        psi.Environment.Remove("XDG_CONFIG_HOME");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Test]
    public void AnIncludeTooLargeToReadMakesTheRemoteUnknown()
    {
        // Past the config-file limit the file is not read: what it rewrites cannot be accounted for.
        Write("rewrite", "[x]\n" + new string('#', AgentShell.Core.Config.ConfigFile.MaxBytes + 10) + "\n");
        Write("home/.gitconfig", "[include]\n\tpath = $ROOT/rewrite\n");
        Assert.That(Decide("", Delete), Is.EqualTo("pause:unknown"));
    }

    [Test]
    public void AMalformedConfigMakesTheRemoteUnknown() =>
        Assert.That(Decide("\tpushurl = \"" + Prod + "\n", Delete), Is.EqualTo("pause:unknown"));

    [TestCase(Delete, "GIT_CONFIG_SYSTEM", "$ROOT/sys", TestName = "GIT_CONFIG_SYSTEM")]
    [TestCase(Delete, "GIT_CONFIG_GLOBAL", "$ROOT/sys", TestName = "GIT_CONFIG_GLOBAL")]
    [TestCase(Delete, "GIT_CONFIG_PARAMETERS", "'url." + Prod + ".pushinsteadof'='" + Staging + "'", TestName = "GIT_CONFIG_PARAMETERS")]
    [TestCase(Delete, "GIT_CONFIG_PARAMETERS", "'remote.origin.pushurl=" + Prod + "'", TestName = "GIT_CONFIG_PARAMETERS old form")]
    [TestCase(Delete, "GIT_CONFIG_COUNT", "1", "GIT_CONFIG_KEY_0", "Remote.origin.PushUrl", "GIT_CONFIG_VALUE_0", Prod, TestName = "GIT_CONFIG_COUNT with mixed case")]
    [TestCase("git -c Remote.origin.pushUrl=" + Prod + " push origin --delete main", TestName = "-c with mixed case")]
    [TestCase("git --config-env=remote.origin.pushurl=X push origin --delete main", "X", Prod, TestName = "--config-env")]
    [TestCase("git push --prune --repo=" + Prod, TestName = "--repo=")]
    [TestCase("git push --prune --repo " + Prod, TestName = "--repo")]
    public void EnvironmentAndOptionsReachProduction(string shell, params string[] env)
    {
        Write("sys", $"[url \"{Prod}\"]\n\tpushInsteadOf = {Staging}\n");
        Assert.That(Decide("", shell, env), Is.EqualTo("block:production"));
    }

    [Test]
    public void NoSystemFileWithGitConfigNoSystem()
    {
        // Look-alike: GIT_CONFIG_NOSYSTEM drops the system file's rewrite, so staging it is.
        Write("system", $"[url \"{Prod}\"]\n\tpushInsteadOf = {Staging}\n");
        Assert.That(Decide("", Delete, "GIT_CONFIG_NOSYSTEM", "1"), Is.EqualTo("allow:staging"));
        Assert.That(Decide("", Delete), Is.EqualTo("block:production"));
    }

    [TestCase("[remote]\n\tpushDefault = p\n", TestName = "remote.pushDefault")]
    [TestCase("[branch \"main\"]\n\tpushRemote = p\n", TestName = "branch.main.pushRemote")]
    [TestCase("[branch \"main\"]\n\tremote = p\n", TestName = "branch.main.remote")]
    public void APushWithoutARemoteGoesWhereGitSends(string config)
    {
        Assert.That(Decide($"[remote \"p\"]\n\turl = {Prod}\n{config}", "git push --prune"), Is.EqualTo("block:production"));
        // Look-alike: another branch's setting does not apply.
        Assert.That(Decide($"[remote \"p\"]\n\turl = {Prod}\n{config.Replace("\"main\"", "\"other\"")}", "git push --prune"),
            config.StartsWith("[remote]", StringComparison.Ordinal) ? Is.EqualTo("block:production") : Is.EqualTo("allow:staging"));
    }

    [Test]
    public void StagingLookAlikesStayAllowed()
    {
        Assert.That(Decide("\tpushurl = " + Staging + "\n", Delete), Is.EqualTo("allow:staging"));
        Assert.That(Decide("[remote \"p\"]\n\turl = " + Prod + "\n", Delete), Is.EqualTo("allow:staging")); // another remote
        Assert.That(Decide("\t# pushurl = " + Prod + "\n", Delete), Is.EqualTo("allow:staging"));          // a comment
        Assert.That(Decide("\tfoo = \"x ; " + Prod + "\"\n", Delete), Is.EqualTo("allow:staging"));       // a quoted ';'
    }

    [TestCase("git remote set-url origin " + Prod + " && " + Delete)]
    [TestCase("git remote set-url --push origin " + Prod + "; " + Delete)]
    [TestCase("git config remote.origin.pushurl " + Prod + " && " + Delete)]
    [TestCase("git config --global url." + Prod + ".insteadOf " + Staging + " && " + Delete)]
    [TestCase("bash -c 'git remote add p " + Prod + " && git push p --delete main'")]
    [TestCase("printf '[remote \"origin\"]\\n\\tpushurl = " + Prod + "\\n' >> .git/config && " + Delete)]
    [TestCase("cp /tmp/evil .git/config; " + Delete)]
    [TestCase("echo '[url \"" + Prod + "\"]' > ~/.gitconfig; " + Delete)]
    [TestCase("bash -c \"sed -i s/staging/prod/ .git/config && " + Delete + "\"")]
    public void AConfigChangedEarlierInTheStringMakesThePushUnknown(string shell) =>
        Assert.That(Decide("", shell), Is.EqualTo("pause:unknown"));

    [TestCase("git remote -v && " + Delete)]
    [TestCase("git config --get remote.origin.url && " + Delete)]
    [TestCase("git config remote.origin.url && " + Delete)]
    [TestCase(Delete + " && git remote set-url origin " + Prod)] // the change comes after the push
    [TestCase("echo done > notes.txt && " + Delete)]                // a file that is no git config
    public void AConfigReadEarlierInTheStringChangesNothing(string shell) =>
        Assert.That(Decide("", shell), Is.EqualTo("allow:staging"));
}
