using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Model;

public class EvidenceTests
{
    // A fact made when read is the text the parser built before ($"{head}{value}{tail}"), and an
    // evidence holding it equals one holding that text.
    [TestCase("host ", "db.prod.example.com", null)]
    [TestCase("host ", null, null)]
    [TestCase("kubectl", " → ", "delete")]
    [TestCase("app ", "acme-prod", " (platform)")]
    [TestCase("", "", "")]
    public void JoinedIsTheInterpolatedText(string head, string? value, string? tail)
    {
        var lazy = Evidence.Joined("-h x", head, value, tail);
        var eager = new Evidence("-h x", $"{head}{value}{tail}");
        Assert.That(lazy.Fact, Is.EqualTo(eager.Fact));
        Assert.That(lazy, Is.EqualTo(eager));
        Assert.That(lazy.GetHashCode(), Is.EqualTo(eager.GetHashCode()));
        Assert.That(lazy.ToString(), Is.EqualTo(eager.ToString()));
    }

    [TestCase("host ", true)]
    [TestCase("host db", true)]
    [TestCase("host db.prod.example.com", true)]
    [TestCase("host dc", false)]
    [TestCase("hostname", false)]
    [TestCase("target ", false)]
    [TestCase("", true)]
    public void FactStartsWithReadsTheTextWhenTheHeadDoesNotDecide(string prefix, bool expected)
    {
        Assert.That(Evidence.Joined("-h", "host ", "db.prod.example.com").FactStartsWith(prefix), Is.EqualTo(expected));
        Assert.That(new Evidence("-h", "host db.prod.example.com").FactStartsWith(prefix), Is.EqualTo(expected));
    }

    // An option's evidence quotes the option as OptionToken.Text ("-h db…" when the value was the next
    // word, "--host=db…" or "-hdb…" when attached) and equals the evidence built from that text.
    [TestCase("-h", "db.prod.example.com", true)]
    [TestCase("--host=db.prod.example.com", "db.prod.example.com", false)]
    [TestCase("-hdb.prod.example.com", "db.prod.example.com", false)]
    [TestCase("-X", "DELETE", true)]
    public void JoinedFromAnOptionIsItsTextAndTheFact(string arg, string value, bool separate)
    {
        var option = new AgentShell.Core.Tools.OptionToken { Kind = AgentShell.Core.Tools.OptionTokenKind.Option, Arg = arg, Value = value, ValueSeparate = separate };
        var lazy = Evidence.Joined(option, "host ", value);
        var eager = new Evidence(option.Text, "host " + value);
        Assert.That(lazy.Token, Is.EqualTo(eager.Token));
        Assert.That(lazy.Fact, Is.EqualTo(eager.Fact));
        Assert.That(lazy, Is.EqualTo(eager));
        Assert.That(lazy.GetHashCode(), Is.EqualTo(eager.GetHashCode()));
        Assert.That(lazy.ToString(), Is.EqualTo(eager.ToString()));
        Assert.That(lazy.FactStartsWith("host db"), Is.EqualTo(value.StartsWith("db")));
        Assert.That(lazy.FactStartsWith("target "), Is.False);
        // A token set over it replaces the option's; the fact stays.
        var replaced = lazy with { Token = "PGHOST" };
        Assert.That((replaced.Token, replaced.Fact), Is.EqualTo(("PGHOST", "host " + value)));
        var (token, fact) = lazy;
        Assert.That((token, fact), Is.EqualTo((option.Text, "host " + value)));
    }

    [Test]
    public void TextOfIsTheObjectsText()
    {
        var target = new Target { Kind = TargetKind.Url, Scheme = "https", Host = "api.heroku.com", Path = "/apps/acme-prod" };
        var e = Evidence.TextOf("-a acme-prod", target);
        Assert.That(e.Fact, Is.EqualTo("https://api.heroku.com/apps/acme-prod"));
        Assert.That(e.FactStartsWith("https://api."), Is.True);
        Assert.That(e.FactStartsWith("target "), Is.False);
    }
}
