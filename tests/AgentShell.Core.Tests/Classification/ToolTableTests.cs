using System.Text;
using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

/// <summary><see cref="ToolTable"/>: the byte lookup (bucketed by first byte and length) finds what
/// the string lookup finds, for every listed name and for names that are not listed.</summary>
public class ToolTableTests
{
    [Test]
    public void EveryListedNameIsFoundByItsBytesWithTheTablesOwnString()
    {
        foreach (var (name, id) in ToolTable.Names)
        {
            Assert.That(ToolTable.Lookup(Encoding.ASCII.GetBytes(name), out var text), Is.EqualTo(id), name);
            Assert.That(text, Is.SameAs(ToolTable.Names.First(n => n.Name == name).Name), name);
            Assert.That(ToolTable.Lookup(name), Is.EqualTo(id), name);
        }
    }

    [Test]
    public void EveryProcessWrapperNameHasItsRowAndEveryRowItsName()
    {
        var named = ToolTable.Names.Where(n => n.Id == ToolId.ProcessWrapper).Select(n => n.Name).ToHashSet();
        // chamber is a table (Tools/chamber.json) whose exec alone is unwrapped by its row (corpus24).
        Assert.That(ToolTable.Lookup("chamber"), Is.EqualTo(ToolId.Table));
        named.Add("chamber");
        Assert.That(named, Is.EquivalentTo(CommandClassifier.ProcessWrappers.Keys));
        Assert.That(named, Has.Count.GreaterThan(10));
    }

    [TestCase("")]
    [TestCase("p")]
    [TestCase("psq")]
    [TestCase("psqll")]
    [TestCase("PSQL")]
    [TestCase("mkfs.ext4")]
    [TestCase("mkfs.")]
    [TestCase("mkfs.a-name-far-longer-than-any-listed-tool")]
    [TestCase("typeorm-ts-node-commonjs-and-more-than-thirty-two")]
    [TestCase("ésql")]
    [TestCase("not-a-tool")]
    public void ANameIsFoundAsTheStringLookupFindsIt(string name)
    {
        Assert.That(ToolTable.Lookup(Encoding.UTF8.GetBytes(name)), Is.EqualTo(ToolTable.Lookup(name)));
        if (name.StartsWith("mkfs.") && name.Length > 5) Assert.That(ToolTable.Lookup(Encoding.UTF8.GetBytes(name)), Is.EqualTo(ToolId.Mkfs));
    }
}
