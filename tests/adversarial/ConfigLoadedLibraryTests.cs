namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A root tree that makes a trusted tool dlopen a root-owned library from before the run by
/// writing a configuration file that names it: /etc/ssl/openssl.cnf with a provider whose module is
/// that library (OpenSSL reads it when curl initialises, for any URL). No DT_NEEDED leads to a
/// dlopened library, so the mapping check's rule for those (root's alone, its SONAME not reached
/// through a link made in the run) passed it, and the library's constructor (evil-libcurl.c, built
/// under another SONAME) sent a DELETE on `curl -X GET`'s trust. As LoaderFilesInTheRunTests, the
/// run starts in a mount namespace of the test's own with an overlay on /etc.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ConfigLoadedLibraryTests(string guard) : TrustAtExecFixture(guard)
{
    private string _provider = null!, _layer = null!;

    [SetUp]
    public void PlaceALibraryBeforeTheRun()
    {
        if (Environment.UserName != "root") Assert.Ignore("mounts an overlay on /etc in a namespace of its own: needs root");
        var dir = Directory.CreateDirectory(Path.Combine(Home.Dir, "providers")).FullName;
        _provider = Path.Combine(dir, "evil-provider.so");
        File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl"), soname: "evil-provider.so"), _provider);
        File.SetUnixFileMode(_provider, (UnixFileMode)0x1a4); // 0644, root's: what the dlopen rule asks of it
        _layer = Path.Combine(Home.Dir, "etc-layer");
        Thread.Sleep(100); // older than the run
    }

    private AgentShellRunner.Result Run(string script) => RunInOwnMounts(Attacks.OverlayOnEtc, [_layer], script);

    private string OpensslCnf(string module) =>
        "openssl_conf = openssl_init\\n[openssl_init]\\nproviders = provider_sect\\n[provider_sect]\\ndefault = default_sect\\nx = x_sect\\n" +
        $"[default_sect]\\nactivate = 1\\n[x_sect]\\nmodule = {module}\\nactivate = 1\\n";

    [Test]
    public void AnOpensslConfWrittenInTheRunToLoadALibraryIsNotTrustedAsTheTool()
    {
        var r = Run($"curl -s -o /dev/null {Prod.Url("/before")}; printf '{OpensslCnf(_provider)}' > /etc/ssl/openssl.cnf; " +
            $"curl -s -X GET {Prod.Url("/volumes/1")}");
        // Writing /etc/ssl/openssl.cnf in the overlay copies /etc/ssl up, which changes /etc itself:
        // the check may first find the loader's missing /etc/ld.so.preload in a directory changed in
        // the run. Either reason withdraws the trust (seen in CI on a fresh clone).
        Attacks.AssertTheLibraryGotNoTrust(Prod, r, "/etc/ssl/openssl.cnf", orSaid: "while /etc/ld.so.preload was removed in the run");
    }

    /// <summary>The look-alike: files written in the run beside openssl.cnf and in /etc (the same
    /// overlay), none that names code, and curl keeps its trust.</summary>
    [Test]
    public void FilesWrittenBesideOpensslConfKeepTheToolsTrust()
    {
        var r = Run($"echo x > /etc/ssl/notes.txt; echo x > /etc/agentshell-test-notes; curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/volumes/1")}");
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]").And.Not.Contain("[rule supervisor:library-changed]"));
    }
}
