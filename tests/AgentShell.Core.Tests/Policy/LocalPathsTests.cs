using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Policy;

public class LocalPathsTests
{
    [TestCase("/", "/")]
    [TestCase("/tmp/../", "/")]
    [TestCase("//usr///lib/./x/..", "/usr/lib")]
    [TestCase("build", "/home/dev/app/build")]
    [TestCase("../..", "/home")]
    [TestCase("~", "/home/dev")]
    [TestCase("~/.ssh", "/home/dev/.ssh")]
    public void Resolve(string path, string expected)
    {
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = "/home/dev" }, "/home/dev/app");
        Assert.That(LocalPaths.Resolve(path, ctx), Is.EqualTo(expected));
    }

    // Paths already normal come back as they are; every other form as collapsed segment by segment.
    [TestCase("/", "/")]
    [TestCase("/usr/lib", "/usr/lib")]
    [TestCase("/a/.b/..c/...", "/a/.b/..c/...")]
    [TestCase("/a/b.", "/a/b.")]
    [TestCase("/.", "/")]
    [TestCase("/..", "/")]
    [TestCase("/a/.", "/a")]
    [TestCase("/a/..", "/")]
    [TestCase("/a/./b", "/a/b")]
    [TestCase("/a/../b", "/b")]
    [TestCase("/a//b", "/a/b")]
    [TestCase("/a/b/", "/a/b")]
    [TestCase("//", "/")]
    [TestCase("a/b", "/a/b")]
    [TestCase("", "/")]
    public void Normalize(string path, string expected) =>
        Assert.That(LocalPaths.Normalize(path), Is.EqualTo(expected));

    [TestCase("/home/dev/app", "/home/dev", "/app")]
    [TestCase("/home/dev", "/home/dev", "")]
    [TestCase("/home/devx", "/home/dev", null)]
    [TestCase("/usr", "/", "/usr")]
    public void Below(string path, string root, string? expected) =>
        Assert.That(LocalPaths.Below(path, root), Is.EqualTo(expected));
}
