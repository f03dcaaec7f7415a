using AgentShell.Cli;
using AgentShell.Core.Profiles;

namespace AgentShell.Core.Tests.Profiles;

/// <summary>Which files a run loads: shipped default, system, user, then --profile, in that order.</summary>
[NonParallelizable]
public class ProfileSetTests
{
    private static readonly string[] Vars = [ProfileSet.ProfilesDirVariable, ProfileSet.SystemDirVariable, "XDG_CONFIG_HOME", "HOME"];
    private Dictionary<string, string?> _saved = null!;
    private TempProfiles _tmp = null!;

    [SetUp]
    public void SetUp()
    {
        _saved = Vars.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        _tmp = new TempProfiles();
        Environment.SetEnvironmentVariable(ProfileSet.ProfilesDirVariable, TempProfiles.ShippedDir);
        Environment.SetEnvironmentVariable(ProfileSet.SystemDirVariable, Path.Combine(_tmp.Dir, "etc"));
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", null);
        Environment.SetEnvironmentVariable("HOME", Path.Combine(_tmp.Dir, "home"));
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        _tmp.Dispose();
    }

    [Test]
    public void LayersAreDefaultSystemUserThenProfiles()
    {
        string sys = _tmp.Write("etc/b.json", "{}"), sysA = _tmp.Write("etc/a.json", "{}");
        _tmp.Write("etc/notes.txt", "not a profile");
        string user = _tmp.Write("home/.config/agentshell/user.json", "{}");
        string cli = _tmp.Write("cli.json", "{}");
        var files = ProfileSet.Resolve([cli]);
        Assert.That(files, Is.EqualTo(new[] { Path.Combine(TempProfiles.ShippedDir, "default.json"), sysA, sys, user, cli }));
    }

    [Test]
    public void XdgConfigHomeReplacesDotConfig()
    {
        _tmp.Write("home/.config/agentshell/ignored.json", "{}");
        string xdg = _tmp.Write("xdg/agentshell/user.json", "{}");
        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(_tmp.Dir, "xdg"));
        Assert.That(ProfileSet.Resolve([]).Skip(1), Is.EqualTo(new[] { xdg }));
    }

    [Test]
    public void MissingDefaultProfileIsAnErrorNotAnEmptyPolicy()
    {
        Environment.SetEnvironmentVariable(ProfileSet.ProfilesDirVariable, Path.Combine(_tmp.Dir, "nowhere"));
        var e = Assert.Throws<ProfileException>(() => ProfileSet.Resolve([]))!;
        Assert.That(e.Message, Does.Contain("default profile is missing").And.Contain(ProfileSet.ProfilesDirVariable));
    }

    [Test]
    public void LoadForRunSaysWhichFilesItLoaded()
    {
        string cli = _tmp.Write("cli.json", "{ 'Environments': { 'production': { 'Hosts': ['db.acme.internal'] } } }");
        var log = new StringWriter();
        var policy = ProfileSet.LoadForRun([cli], log);
        Assert.That(log.ToString(), Does.Contain("default.json").And.Contain(cli));
        Assert.That(policy.Files, Has.Count.EqualTo(2));
    }
}
