using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using PolicyT = AgentShell.Core.Policy.Policy;

namespace AgentShell.Core.Tests.Model;

/// <summary><see cref="VariableNames"/> and the one-pass <see cref="IExecContext.VariablesSet"/> of
/// each context: a clear bit only where a lookup by name finds nothing (a missed production
/// variable would allow what it should block).</summary>
public class VariableNamesTests
{
    private static readonly string[] Defaults = ["RAILS_ENV", "RACK_ENV", "MIX_ENV", "APP_ENV", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT"];

    [TestCase("RAILS_ENV=production", 1UL << 0)]
    [TestCase("RAILS_ENV=", 1UL << 0)]              // set, empty
    [TestCase("APP_ENV=a=b", 1UL << 3)]
    [TestCase("DOTNET_ENVIRONMENT=Production", 1UL << 5)]
    [TestCase("RAILS_ENVX=production", 0UL)]         // a longer name
    [TestCase("RAILS_EN=production", 0UL)]           // a prefix
    [TestCase("RAILS_ENV", 0UL)]                     // no '='
    [TestCase("rails_env=production", 0UL)]          // names are case-sensitive
    [TestCase("=RAILS_ENV", 0UL)]
    [TestCase("", 0UL)]
    [TestCase("PATH=/usr/bin", 0UL)]
    [TestCase("ÉAPP_ENV=x", 0UL)]
    public void AnEntryMatchesItsNameUpToTheEquals(string entry, ulong bits)
    {
        var names = new VariableNames(Defaults);
        Assert.That(names.Match(Encoding.UTF8.GetBytes(entry)), Is.EqualTo(bits));
        int eq = entry.IndexOf('=');
        if (eq >= 0) Assert.That(names.Match(entry[..eq]), Is.EqualTo(bits), "the name alone");
    }

    [Test]
    public void NamesNoVariableCanHaveAreNeverSetAndOthersThanAsciiAreAlwaysLookedUp()
    {
        var names = new VariableNames(["A=B", "", "CAFÉ", "X", "X"]);
        Assert.That(names.Unmatched, Is.EqualTo(1UL << 2), "not ASCII: looked up by name");
        Assert.That(names.Match("A=B"u8), Is.EqualTo(0UL));
        Assert.That(names.Match("A"), Is.EqualTo(0UL));
        Assert.That(names.Match(Encoding.UTF8.GetBytes("CAFÉ=1")), Is.EqualTo(0UL));
        Assert.That(names.Match("X=1"u8), Is.EqualTo((1UL << 3) | (1UL << 4)), "a name given twice: both indexes");
    }

    [Test]
    public void NamesPastTheMaskHaveNoBit()
    {
        var list = Enumerable.Range(0, 70).Select(i => $"V{i}").ToArray();
        var names = new VariableNames(list);
        Assert.That(names.Match("V63=1"u8), Is.EqualTo(1UL << 63));
        Assert.That(names.Match("V64=1"u8), Is.EqualTo(0UL));
        Assert.That(names.Count, Is.EqualTo(70));
        Assert.That(names[69], Is.EqualTo("V69"));
    }

    private static Dictionary<string, string>[] Environments() =>
    [
        new() { ["HOME"] = "/h", ["PATH"] = "/bin" },
        new() { ["RAILS_ENV"] = "production", ["HOME"] = "/h" },
        new() { ["DOTNET_ENVIRONMENT"] = "", ["MIX_ENV"] = "prod", ["RAILS_ENVX"] = "x", ["rack_env"] = "y" },
        new(StringComparer.Ordinal) { ["APP_ENV"] = "staging" },
        new(),
    ];

    /// <summary>Bit i set exactly when the context's own lookup of name i finds a value.</summary>
    private static ulong ByName(IExecContext ctx, VariableNames names)
    {
        ulong set = 0;
        for (int i = 0; i < names.Count; i++) if (ctx.GetEnvironmentVariable(names[i]) != null) set |= 1UL << i;
        return set;
    }

    [Test]
    public void AGivenEnvironmentIsScannedOnceAndAgreesWithItsLookups()
    {
        var names = new VariableNames(Defaults);
        foreach (var env in Environments())
        {
            var ctx = new LocalExecContext(env, "/tmp");
            Assert.That(ctx.VariablesSet(names), Is.EqualTo(ByName(ctx, names)), string.Join(",", env.Keys));
        }
    }

    [Test]
    public void AnEnvironmentThatComparesOtherwiseIsLookedUpByName()
    {
        var names = new VariableNames(Defaults);
        var ctx = new LocalExecContext(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["rails_env"] = "production" }, "/tmp");
        Assert.That(ctx.GetEnvironmentVariable("RAILS_ENV"), Is.EqualTo("production"));
        Assert.That(ctx.VariablesSet(names), Is.EqualTo(ulong.MaxValue));
        Assert.That(new LocalExecContext(null, "/tmp").VariablesSet(names), Is.EqualTo(ulong.MaxValue), "this process's environment");
    }

    [Test]
    public void AWrappersAssignmentsAndUnsetsApplyOnTopOfTheParentsScan()
    {
        var names = new VariableNames(Defaults);
        KeyValuePair<string, string>[][] sets =
        [
            [], [new("RAILS_ENV", "production")], [new("APP_ENV", "x"), new("MIX_ENV", "prod")],
            // more than the few kept in an array: a dictionary
            [.. Enumerable.Range(0, 9).Select(i => new KeyValuePair<string, string>($"N{i}", "v")), new("DOTNET_ENVIRONMENT", "Production")],
        ];
        string[][] unsets = [[], ["RAILS_ENV"], ["MIX_ENV", "APP_ENV", "HOME"], [.. Enumerable.Range(0, 9).Select(i => $"U{i}"), "RAILS_ENV"]];
        int checkedCases = 0;
        foreach (var env in Environments())
            foreach (var set in sets)
                foreach (var unset in unsets)
                    foreach (bool cleared in new[] { false, true })
                    {
                        var ctx = ChildContext.Create(new LocalExecContext(env, "/tmp"), set, unset, cleared);
                        Assert.That(ctx.VariablesSet(names), Is.EqualTo(ByName(ctx, names)),
                            $"env {string.Join(",", env.Keys)} set {string.Join(",", set.Select(s => s.Key))} unset {string.Join(",", unset)} cleared {cleared}");
                        checkedCases++;
                    }
        Assert.That(checkedCases, Is.EqualTo(5 * 4 * 4 * 2));
    }

    [Test]
    public void AnUnsetThenTheSameNameAssignedIsSet()
    {
        var names = new VariableNames(Defaults);
        var parent = new LocalExecContext(new Dictionary<string, string> { ["RAILS_ENV"] = "production" }, "/tmp");
        var ctx = ChildContext.Create(parent, [new("RAILS_ENV", "staging")], ["RAILS_ENV"]);
        Assert.That(ctx.GetEnvironmentVariable("RAILS_ENV"), Is.EqualTo("staging"));
        Assert.That(ctx.VariablesSet(names), Is.EqualTo(1UL));
    }

    [Test]
    public void AVariablePastTheMaskStillNamesTheEnvironment()
    {
        using var tmp = new TempProfiles();
        var vars = string.Join(", ", Enumerable.Range(0, 70).Select(i => $"'V{i}': 'production'"));
        var policy = PolicyT.Load([tmp.Write("many.json", $$"""
            { 'Environments': { 'production': { 'EnvVars': { {{vars}} } } }, 'Rules': [] }
            """)]);
        var url = new Target { Kind = TargetKind.Url, Scheme = "https", Host = "example.org", Path = "/" };
        foreach (var name in new[] { "V0", "V63", "V64", "V69" })
        {
            var ctx = new LocalExecContext(new Dictionary<string, string> { [name] = "production" }, "/tmp");
            Assert.That(policy.EnvironmentOf(url, ctx), Is.EqualTo("production"), name);
            Assert.That(policy.EnvironmentMatch(url, ctx)?.Pattern, Is.EqualTo($"{name}=production"), name);
        }
        Assert.That(policy.EnvironmentOf(url, new LocalExecContext(new Dictionary<string, string> { ["V64"] = "staging" }, "/tmp")), Is.EqualTo("unknown"));
    }
}
