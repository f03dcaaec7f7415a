using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;
using AgentShell.Supervisor.Wire.Tls;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Issue 17's memory: with a profile that names production hosts, the run's CA is made in
/// a child (`agentshell __run-ca`), so the supervisor maps no OpenSSL until a production TLS
/// connection needs a leaf; then HTTPS to production is terminated as before. The child's
/// hand-over fails closed: no CA, never a CA without its key.</summary>
[TestFixture]
public sealed class RunCaLoadingTests : HttpsProductionFixture
{
    private static bool MapsOpenSsl(int pid) =>
        File.ReadAllLines($"/proc/{pid}/maps").Any(l => l.Contains("libcrypto", StringComparison.Ordinal) || l.Contains("libssl", StringComparison.Ordinal));

    [Test]
    public void TheSupervisorLoadsOpenSslOnlyWhenAProductionTlsConnectionArrives()
    {
        // The tree says "ready", waits for a line, makes one HTTPS GET to production, says "done", waits again.
        string py = WireTests.PyGo + $$"""

            print('ready', flush=True); sys.stdin.readline()
            go('GET', '{{Https.Url("/volumes/1")}}')
            print('done', flush=True); sys.stdin.readline()
            """;
        var psi = new ProcessStartInfo(Repo.AgentShell) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "run", "--connect-guard", "seccomp", "--profile", Repo.DemoProfile, "--", Repo.Python, "-c", py }) psi.ArgumentList.Add(a);
        psi.Environment["SSL_CERT_FILE"] = Ca.PemFile;
        using var p = Process.Start(psi)!;
        try
        {
            Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("ready"));
            Assert.That(MapsOpenSsl(p.Id), Is.False, "OpenSSL is mapped before any production TLS connection");
            p.StandardInput.WriteLine();
            Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("GET 200"));
            Assert.That(p.StandardOutput.ReadLine(), Is.EqualTo("done"));
            Assert.That(MapsOpenSsl(p.Id), Is.True, "the leaf was minted without OpenSSL?");
            p.StandardInput.WriteLine();
            Assert.That(p.WaitForExit(30_000), Is.True);
            Assert.That(p.ExitCode, Is.EqualTo(0), p.StandardError.ReadToEnd());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        Assert.That(Https.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [Test]
    public void TheChildsCaSignsLeavesThatVerifyAgainstItsCertificate()
    {
        using var ca = RunCaChild.Make("e2e", Repo.AgentShell);
        var leaf = ca.LeafFor("api.prod.example.com", System.Net.IPAddress.Loopback).TargetCertificate;
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(ca.Pem));
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        Assert.That(chain.Build(leaf), Is.True, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.That(ca.Pem, Does.Contain("BEGIN CERTIFICATE").And.Not.Contain("PRIVATE KEY"));
    }

    [TestCase("/bin/true", TestName = "AChildThatSendsNothingGivesNoCa")]
    [TestCase("/bin/sleep", TestName = "AChildThatNeverAnswersIsKilledAndGivesNoCa")]
    public void AChildThatFailsGivesNoCa(string exe)
    {
        // /bin/sleep is given "__run-ca e2e" and fails at once; a script that sleeps stands for a hang.
        string program = exe;
        string? dir = null;
        if (exe == "/bin/sleep")
        {
            dir = Directory.CreateTempSubdirectory("agentshell-runca-").FullName;
            program = Path.Combine(dir, "hang");
            File.WriteAllText(program, "#!/bin/sh\nexec sleep 60\n");
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        try
        {
            var sw = Stopwatch.StartNew();
            Assert.That(() => RunCaChild.Make("e2e", program, TimeSpan.FromSeconds(1)), Throws.InstanceOf<IOException>());
            Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            if (dir != null) Directory.Delete(dir, true);
        }
    }
}
