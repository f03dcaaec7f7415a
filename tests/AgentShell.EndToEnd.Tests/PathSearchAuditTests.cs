using System.Text.Json;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>A PATH search makes the kernel trap one execve per directory tried; the audit log
/// records the decision once.</summary>
[TestFixture]
public sealed class PathSearchAuditTests
{
    [Test]
    public void APathSearchIsOneAuditRowForABlockAndOneForAnAllow()
    {
        KernelSetUp.RequireInterception();
        using var prod = new LoopbackHttpServer("127.0.0.2");
        var tmp = Directory.CreateTempSubdirectory("agentshell-pathsearch-").FullName;
        try
        {
            var audit = Path.Combine(tmp, "audit.jsonl");
            // Python's subprocess tries execve in each PATH directory: two directories without curl
            // (a refused miss is answered ENOENT), then the real one, ended at its commit (126).
            string path = $"{tmp}/none1:{tmp}/none2:{Path.GetDirectoryName(Repo.Which("curl"))}:/usr/bin:/bin";
            string script = $$"""
                import subprocess
                subprocess.run(['curl', '-sS', '-o', '/dev/null', '{{prod.Url("/volumes/1")}}'])
                r = subprocess.run(['curl', '-sS', '-X', 'DELETE', '{{prod.Url("/volumes/1")}}'])
                print('refused', r.returncode)
                """;
            var r = AgentShellRunner.Run(["run", "-q", "--audit", audit, "--profile", Repo.DemoProfile, "--", Repo.Python, "-c", script],
                env: new Dictionary<string, string> { ["PATH"] = path });
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
            Assert.That(r.Stdout, Does.Contain("refused 126"));
            var rows = File.ReadLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("argv")[0].GetString()!.EndsWith("curl", StringComparison.Ordinal)).ToList();
            var outcomes = rows.Select(e => e.GetProperty("outcome").GetString()).ToList();
            Assert.That(outcomes.Count(o => o == "blocked"), Is.EqualTo(1), "the refused DELETE, tried in three directories: " + string.Join(", ", outcomes));
            Assert.That(outcomes.Count(o => o == "allowed"), Is.EqualTo(1), "the GET, found in the third directory: " + string.Join(", ", outcomes));
            Assert.That(prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }));
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }
}
