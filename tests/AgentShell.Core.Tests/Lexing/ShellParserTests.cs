using System.Text;
using AgentShell.Core.Lexing;

namespace AgentShell.Core.Tests.Lexing;

public class ShellParserTests
{
    private static ShellScript Parse(string s, string? cwd = "/work") =>
        ShellParser.Parse(Encoding.UTF8.GetBytes(s), n => n == "HOME" ? "/home/u" : null, cwd);

    private static string Names(ShellScript s) => string.Join(",", s.Commands.Select(c => string.Join(" ", c.Words)));

    [TestCase("a; b && c || d & e | f", "a,b,c,d,e,f")]
    [TestCase("if a; then b; elif c; then d; else e; fi", "a,b,c,d,e")]
    [TestCase("while a; do b; done; until c; do d; done", "a,b,c,d")]
    [TestCase("for x in 1 2 3; do b $x; done", "b $x")]
    [TestCase("case $v in a|b) c;; *) d;; esac", "c,d")]
    [TestCase("f() { a; }; function g { b; }", "a,b")]
    [TestCase("(a; (b)); { c; }", "a,b,c")]
    [TestCase("! a", "a")]
    [TestCase("[[ -f x && -d y ]] && a", "a")]
    [TestCase("echo $(a $(b))", "b,a $(b),echo $(a $(b))")]
    [TestCase("case $v in\n a) x;;\n (b|c) y;;\nesac", "x,y")]
    [TestCase("A=1 B=2 cmd x", "cmd x")]
    [TestCase("X=v; echo $X", "echo v")]
    [TestCase("2>/dev/null a > f b", "a b")]
    public void FindsSimpleCommands(string script, string expected) =>
        Assert.That(Names(Parse(script)), Is.EqualTo(expected));

    [Test]
    public void KeepsAssignmentPrefixes()
    {
        var c = Parse("PGHOST=h PGPORT=1 psql").Commands.Single();
        Assert.That(c.Assignments.Select(kv => $"{kv.Key}={kv.Value}"), Is.EqualTo(new[] { "PGHOST=h", "PGPORT=1" }));
    }

    [Test]
    public void HereDocBodyIsStdinText()
    {
        var c = Parse("psql <<'EOF'\nDROP TABLE $x;\nEOF").Commands.Single();
        Assert.Multiple(() =>
        {
            Assert.That(c.Stdin, Is.EqualTo(StdinKind.Text));
            Assert.That(c.StdinText, Is.EqualTo("DROP TABLE $x;\n"));
        });
    }

    [Test]
    public void UnquotedHereDocBodyIsExpandedAndItsSubstitutionsAreCommands()
    {
        var s = Parse("cat <<EOF\nhome=$HOME $(rm -rf /)\nEOF");
        Assert.Multiple(() =>
        {
            Assert.That(s.Commands.Single(c => c.Words[0] == "cat").StdinText, Does.StartWith("home=/home/u "));
            Assert.That(Names(s), Does.Contain("rm -rf /"));
        });
    }

    [Test]
    public void PipeLinksTheSourceCommand()
    {
        var s = Parse("echo x | base64 -d | sh");
        Assert.Multiple(() =>
        {
            Assert.That(s.Commands[2].Stdin, Is.EqualTo(StdinKind.Pipe));
            Assert.That(s.Commands[2].PipeSource, Is.SameAs(s.Commands[1]));
            Assert.That(s.Commands[1].PipeSource, Is.SameAs(s.Commands[0]));
        });
    }

    [Test]
    public void RedirectionFromAFileIsRecorded()
    {
        var c = Parse("psql < drop.sql").Commands.Single();
        Assert.That((c.Stdin, c.StdinFile), Is.EqualTo((StdinKind.File, "drop.sql")));
    }

    [TestCase("cd /srv && a", "/srv")]
    [TestCase("cd sub; a", "/work/sub")]
    [TestCase("cd; a", "/home/u")]
    [TestCase("cd ..; a", "/")]
    public void TracksLiteralCd(string script, string cwd) =>
        Assert.That(Parse(script).Commands.Single().WorkingDirectory, Is.EqualTo(cwd));

    [Test]
    public void CdToAnUnknownDirectoryMakesTheCwdUnknown() =>
        Assert.That(Parse("cd $D; a").Commands.Single().WorkingDirectoryUnknown, Is.True);

    [TestCase("pushd sub && a", "/work/sub")]
    [TestCase("pushd /tmp; a", "/tmp")]
    public void PushdMovesAsCd(string script, string cwd) =>
        Assert.That(Parse(script).Commands.Last().WorkingDirectory, Is.EqualTo(cwd));

    [TestCase("cd sub; popd; a")]
    [TestCase("pushd; a")]
    [TestCase("pushd +1 && a")]
    public void PopdAndPushdOfTheStackMakeTheCwdUnknown(string script) =>
        Assert.That(Parse(script).Commands.Last().WorkingDirectoryUnknown, Is.True);

    // corpus12: a setting changed by an earlier command of the string is the later command's (check and hooks see the
    // whole string before any of it runs).
    [TestCase("terraform workspace select prod && terraform destroy", ShellStateChanges.TerraformWorkspace + "=prod")]
    [TestCase("tofu -chdir=infra workspace new prod-eu; tofu destroy", ShellStateChanges.TerraformWorkspace + "=prod-eu")]
    [TestCase("gcloud config set project shop-prod && gcloud sql instances delete db", ShellStateChanges.GcpProject + "=shop-prod")]
    [TestCase("gcloud config configurations activate prod; gcloud sql instances delete db", ShellStateChanges.GcpConfiguration + "=prod")]
    [TestCase("az account set -s prod-sub; az group delete -n rg", ShellStateChanges.AzureSubscription + "=prod-sub")]
    [TestCase("pulumi stack select acme/prod && pulumi destroy", ShellStateChanges.PulumiStack + "=acme/prod")]
    [TestCase("kubectl config use-context prod-eu && kubectl delete ns x", ShellStateChanges.KubeContext + "=prod-eu")]
    [TestCase("kubectl --kubeconfig k config use-context prod-eu && kubectl delete ns x", ShellStateChanges.KubeContext + "=prod-eu")]
    [TestCase("kubectx prod-eu; kubectl delete ns x", ShellStateChanges.KubeContext + "=prod-eu")]
    [TestCase("kubectx -; kubectl delete ns x", ShellStateChanges.KubeContext + "=" + ShellStateChanges.NotKnown)]
    [TestCase("terraform workspace select $WS && terraform destroy", ShellStateChanges.TerraformWorkspace + "=" + ShellStateChanges.NotKnown)]
    public void AnEarlierCommandsSettingReachesTheLaterCommand(string script, string assignment) =>
        Assert.That(Parse(script).Commands.Last().Assignments.Select(kv => $"{kv.Key}={kv.Value}"), Does.Contain(assignment));

    [TestCase("terraform workspace list && terraform destroy")]
    [TestCase("terraform workspace show; terraform destroy")]
    [TestCase("kubectl config get-contexts && kubectl delete ns x")]
    [TestCase("kubectx && kubectl delete ns x")]
    [TestCase("gcloud config get project && gcloud sql instances delete db")]
    [TestCase("terraform destroy; terraform workspace select prod")]
    public void CommandsThatChangeNothingLeaveTheLaterCommandAlone(string script) =>
        Assert.That(Parse(script).Commands.First(c => c.Words.Contains("delete") || c.Words.Contains("destroy")).Assignments, Is.Empty);

    [TestCase("echo 'x")]
    [TestCase("[[ a")]
    [TestCase("a >")]
    public void ReportsProblems(string script) => Assert.That(Parse(script).Problems, Is.Not.Empty);

    [Test]
    public void SubstitutionNestingIsBounded()
    {
        var deep = string.Concat(Enumerable.Repeat("$(a ", 50)) + new string(')', 50);
        var s = Parse("echo " + deep);
        Assert.That(s.Problems, Has.Some.Contains("nesting"));
    }
}
