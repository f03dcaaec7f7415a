using AgentShell.Core.Policy;

namespace AgentShell.Core.Tests.Policy;

public class GlobPatternTests
{
    [TestCase("prod", "prod", true)]
    [TestCase("prod", "PROD", true)]
    [TestCase("prod", "prod-eu", false)]
    [TestCase("prod-*", "prod-eu", true)]
    [TestCase("prod-*", "nonprod-eu", false)]
    [TestCase("*-prod", "acme-prod", true)]
    [TestCase("*-prod", "acme-prod-2", false)]
    [TestCase("arn:aws:eks:*:cluster/prod-*", "arn:aws:eks:eu-west-1:123456789012:cluster/prod-main", true)]
    [TestCase("arn:aws:eks:*:cluster/prod-*", "arn:aws:eks:eu-west-1:123456789012:cluster/dev-main", false)]
    [TestCase("gke_*_*_main", "gke_acme-prod_europe-west1_main", true)]
    [TestCase("*", "anything", true)]
    // Stars inside (matched literal by literal, leftmost): the default profile's shapes, overlaps, case.
    [TestCase("*/prod-*", "acme/prod-eu", true)]
    [TestCase("*/prod-*", "ACME/PROD-EU", true)]
    [TestCase("*/prod-*", "acme/prod", false)]
    [TestCase("*/prod-*", "a/b/prod-", true)]
    [TestCase("*/*-prod", "acme/eu-prod", true)]
    [TestCase("*/*-prod", "acme/-prod", true)]
    [TestCase("*/*-prod", "acme-prod", false)]
    [TestCase("*/*-prod", "/-prod", true)]
    [TestCase("*/*-prod", "/prod", false)]
    [TestCase("a*a", "a", false)]
    [TestCase("a*a", "aa", true)]
    [TestCase("a*b*b", "abb", true)]
    [TestCase("a*b*b", "ab", false)]
    [TestCase("*ab*ab*", "xabyab", true)]
    [TestCase("*ab*ab*", "xaab", false)]
    public void NameGlobs(string pattern, string value, bool expected)
    {
        Assert.That(GlobPattern.TryParseName(pattern, out var g, out var error), Is.True, error);
        Assert.That(g.Matches(value), Is.EqualTo(expected));
    }

    [TestCase("a*", "abc", true)]
    [TestCase("*c", "abc", true)]
    [TestCase("a*c", "abbbc", true)]
    [TestCase("a*c", "abd", false)]
    [TestCase("*", "", true)]
    [TestCase("abc", "abd", false)]
    [TestCase("ps:scale", "ps:scale", true)]
    [TestCase("*=0", "web=0", true)]
    [TestCase("*=0", "web=01", false)]
    [TestCase("destroy", "DESTROY", false)]
    [TestCase("run:*", "run:detached", true)]
    [TestCase("*/prod", "a/b/prod", true)]
    public void WordGlobsAreCaseSensitiveAndStarMatchesAnything(string pattern, string word, bool expected)
    {
        Assert.That(GlobPattern.TryParseWord(pattern, out var g, out var error), Is.True, error);
        Assert.That(g.Matches(word), Is.EqualTo(expected));
    }

    [TestCase("a b", "spaces")]
    [TestCase("", "empty")]
    [TestCase("x?", "only '*' is a wildcard")]
    [TestCase("**", "'**' is not supported")]
    public void RejectsBadWordGlobs(string pattern, string why)
    {
        Assert.That(GlobPattern.TryParseWord(pattern, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(why));
    }

    [TestCase("/", "/", true)]
    [TestCase("/", "/usr", false)]
    [TestCase("/*", "/usr", true)]
    [TestCase("/*", "/usr/lib", false)]
    [TestCase("/var/**", "/var/lib/postgresql/data", true)]
    [TestCase("/var/**/data", "/var/lib/postgresql/data", true)]
    [TestCase("/var/*/data", "/var/lib/postgresql/data", false)]
    [TestCase("/graphql/**", "/graphql/v2", true)]
    [TestCase("/Graphql/**", "/graphql/v2", false)]
    [TestCase("/srv/app/", "/srv/app", true)]
    public void PathGlobs(string pattern, string path, bool expected)
    {
        Assert.That(GlobPattern.TryParsePath(pattern, out var g, out var error), Is.True, error);
        Assert.That(g.Matches(path), Is.EqualTo(expected));
    }

    [TestCase("~", PathAnchor.Home)]
    [TestCase("~/.ssh", PathAnchor.Home)]
    [TestCase("{cwd}", PathAnchor.WorkingDirectory)]
    [TestCase("{repo}/.git", PathAnchor.Repository)]
    [TestCase("/etc", PathAnchor.Root)]
    public void PathAnchors(string pattern, PathAnchor anchor)
    {
        Assert.That(GlobPattern.TryParsePath(pattern, out var g, out var error), Is.True, error);
        Assert.That(g.Anchor, Is.EqualTo(anchor));
    }

    [TestCase("prod-?", "only '*' is a wildcard")]
    [TestCase("prod-[ab]", "only '*' is a wildcard")]
    [TestCase("prod-**", "'**' is not supported")]
    [TestCase("", "empty")]
    [TestCase(" prod", "spaces")]
    public void RejectsBadNameGlobs(string pattern, string why)
    {
        Assert.That(GlobPattern.TryParseName(pattern, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(why));
    }

    [TestCase("relative/path", "must start with")]
    [TestCase("~user", "continues with '/'")]
    [TestCase("/a/***", "'***'")]
    [TestCase("{home}/x", "must start with")]
    public void RejectsBadPathGlobs(string pattern, string why)
    {
        Assert.That(GlobPattern.TryParsePath(pattern, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(why));
    }
}
