using AgentShell.Core.Classification;

namespace AgentShell.Core.Tests.Classification;

public class MakefileTests
{
    private static List<string> Lines(string text, params string[] goals) =>
        Makefile.Parse(text, []).Recipes(goals).Select(r => r.Line).ToList();

    [Test]
    public void RecipesComeWithPrerequisitesFirstAndPrefixesDropped() =>
        Assert.That(Lines("all: a b\n\t@echo all\na:\n\t-rm x\nb: a\n\t+echo b\n", "all"), Is.EqualTo(new[] { "rm x", "echo b", "echo all" }));

    [Test]
    public void VariablesExpandAsMakeExpandsThem()
    {
        var text = "HOST ?= db.prod\nHOST ?= other\nCMD := psql -h $(HOST)\nCMD += -X\nt:\n\t$(CMD) -c 'x' ${HOST} $$PGUSER $(UNSET) $@ $(MAKE)\n";
        Assert.That(Lines(text, "t"), Is.EqualTo(new[] { "psql -h db.prod -X -c 'x' db.prod $PGUSER ${UNSET} t make" }));
    }

    [Test]
    public void CommandLineAssignmentsWin() =>
        Assert.That(Makefile.Parse("H = a\nt:\n\tpsql -h $(H)\n", [new("H", "b")]).Recipes(["t"]).Single().Line, Is.EqualTo("psql -h b"));

    [Test]
    public void TheDefaultGoalIsTheFirstTargetNotStartingWithADot()
    {
        var m = Makefile.Parse(".PHONY: x\nX := 1\n%.o: %.c\n\tcc $<\nfirst: second\nsecond:\n\techo 2\n", []);
        Assert.That(m.DefaultGoal, Is.EqualTo("first"));
        Assert.That(m.Has("%.o"), Is.False);
    }

    [Test]
    public void APatternRuleMatchesAGoalWithoutAnExplicitRuleAndGivesItsStem()
    {
        var m = Makefile.Parse("drop-%:\n\tpsql -c 'DROP TABLE $*'\nkeep:\n\techo kept\n", []);
        Assert.That(m.Recipes(["drop-users"]).Single().Line, Is.EqualTo("psql -c 'DROP TABLE users'"));
        Assert.That(m.Recipes(["keep"]).Single().Line, Is.EqualTo("echo kept"));
        Assert.That(m.Has("drop-"), Is.False, "an empty stem matches nothing");
        Assert.That(m.Recipes(["other"]), Is.Empty);
    }

    [Test]
    public void ContinuationsInlineRecipesAndCyclesAreRead()
    {
        Assert.That(Lines("t: ; echo inline\n", "t"), Is.EqualTo(new[] { "echo inline" }));
        Assert.That(Lines("t:\n\tpsql -c \\\n\t  'DROP TABLE x'\n", "t"), Is.EqualTo(new[] { "psql -c \\\n  'DROP TABLE x'" }));
        Assert.That(Lines("a: b\n\techo a\nb: a\n\techo b\n", "a"), Is.EqualTo(new[] { "echo b", "echo a" }));
    }

    [Test]
    public void FunctionsAreLeftForTheShell() =>
        Assert.That(Lines("t:\n\techo $(shell date) $(wildcard *.c)\n", "t"), Is.EqualTo(new[] { "echo $(shell date) $(wildcard *.c)" }));

    [Test]
    public void AnUnknownGoalRunsNothing() => Assert.That(Lines("a:\n\techo a\n", "b"), Is.Empty);
}
