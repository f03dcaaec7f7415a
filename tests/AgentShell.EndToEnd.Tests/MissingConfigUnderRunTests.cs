using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>The supervisor remembers that <c>~/.curlrc</c> is missing (the missing-file watch), and
/// the agent makes one right before the next exec: the real curl under `agentshell run` against the
/// loopback production server. Whatever was remembered, the DELETE the new file asks for is blocked
/// and the server receives only the GETs made before.</summary>
[TestFixture]
[NonParallelizable]
public sealed class MissingConfigUnderRunTests : CurlUnderRunFixture
{
    private AgentShellRunner.Result Run(string script) =>
        AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--", "env", $"HOME={Home}", "/bin/sh", "-c", script], cwd: Home);

    [Test]
    public void ACurlrcWrittenAfterAHundredCurlsWithoutOneMakesTheNextCurlsDeleteBlocked()
    {
        var url = Prod.Url("/volumes/1");
        // Copied by cp: a `> .curlrc` of known text in the string is read where the string is decided.
        File.WriteAllText(Path.Combine(Home, ".delete-rc"), "request = \"DELETE\"\n");
        var r = Run($"i=0; while [ $i -lt 100 ]; do {Curl} -sS -o /dev/null '{url}' || exit 3; i=$((i+1)); done; "
            + $"cp \"$HOME/.delete-rc\" \"$HOME/.curlrc\"; {Curl} -sS '{url}'; echo rc=$?");
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {url} (production) [rule demo.http:delete-on-production]"));
        Assert.That(r.Stdout, Does.Contain("rc=").And.Not.Contain("rc=0"));
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(Enumerable.Repeat("GET", 100)), "a hundred GETs, no DELETE");
    }

    [Test]
    public void AHomeDirectoryMovedIntoPlaceWithACurlrcIsSeen()
    {
        // The parent directory itself is replaced by a rename: no file is created in the watched home.
        var url = Prod.Url("/volumes/2");
        var r = Run($"for i in 1 2 3 4 5; do {Curl} -sS -o /dev/null '{url}' || exit 3; done; "
            + $"mkdir \"$HOME/staged\" && printf 'request = DELETE\\n' > \"$HOME/staged/.curlrc\" && mkdir \"$HOME/h\" && "
            + $"HOME=\"$HOME/h\" {Curl} -sS -o /dev/null '{url}' && mv \"$HOME/h\" \"$HOME/old\" && mv \"$HOME/staged\" \"$HOME/h\" && "
            + $"HOME=\"$HOME/h\" {Curl} -sS '{url}'; echo rc=$?");
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {url} (production)"));
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(Enumerable.Repeat("GET", 6)));
    }

    [Test]
    public void EachProcessHomeIsDecidedWithItsOwnCurlrc()
    {
        // Look-alike and must-catch in one run: the same curl, HOME without and with a DELETE .curlrc.
        var url = Prod.Url("/volumes/3");
        var other = Directory.CreateDirectory(Path.Combine(Home, "other")).FullName;
        File.WriteAllText(Path.Combine(other, ".curlrc"), "request = DELETE\n");
        // A script file run by its #! line, so that each curl is decided at its own exec (a `sh -c`
        // string naming the other HOME is refused whole, before anything runs).
        var script = Path.Combine(Home, "agent.sh");
        File.WriteAllText(script, $"#!/bin/sh\nfor i in 1 2 3; do {Curl} -sS -o /dev/null '{url}' || exit 3; HOME='{other}' {Curl} -sS -o /dev/null '{url}'; done; echo done\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--", "env", $"HOME={Home}", script], cwd: Home);
        Assert.That(r.Stdout, Does.Contain("done"), r.Stderr);
        Assert.That(r.Stderr.Split('\n').Count(l => l.StartsWith($"agentshell: blocked curl DELETE {url}", StringComparison.Ordinal)), Is.EqualTo(3));
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(Enumerable.Repeat("GET", 3)));
    }
}
