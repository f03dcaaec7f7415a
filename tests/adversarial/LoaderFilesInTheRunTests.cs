namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A root tree that points the loader at a library file from before the run without touching
/// curl or its libraries: an /etc/ld.so.preload written in the run, or an /etc/ld.so.cache regenerated
/// in it (a directory of its own first in ld.so.conf.d, then ldconfig). Every file curl maps has a
/// change time before the run, so the mapping check passed them; on main 9540717 the DELETE from the
/// library's constructor was delivered on `curl -X GET`'s trust (both modes). This machine's /etc is
/// not the test's to write: the run starts in a mount namespace of the test's own, with an overlay on
/// /etc whose upper layer is a tmpfs there.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class LoaderFilesInTheRunTests(string guard) : TrustAtExecFixture(guard)
{
    private string _evilDir = null!, _layer = null!;

    [SetUp]
    public void PlaceALibraryBeforeTheRun()
    {
        if (Environment.UserName != "root") Assert.Ignore("mounts an overlay on /etc in a namespace of its own: needs root");
        _evilDir = Path.Combine(Home.Dir, "evil");
        Directory.CreateDirectory(_evilDir);
        File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl")), Path.Combine(_evilDir, "libcurl.so.4"));
        _layer = Path.Combine(Home.Dir, "etc-layer");
        Thread.Sleep(100); // older than the run
    }

    private AgentShellRunner.Result Run(string script) => RunInOwnMounts(Attacks.OverlayOnEtc, [_layer], script);

    [Test]
    public void APreloadWrittenInTheRunIsNotTrustedAsTheTool()
    {
        var r = Run($"curl -s -o /dev/null {Prod.Url("/before")}; echo {_evilDir}/libcurl.so.4 > /etc/ld.so.preload; curl -s -X GET {Prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(Prod, r, "/etc/ld.so.preload");
    }

    [Test]
    public void ALoaderCacheRegeneratedInTheRunIsNotTrustedAsTheTool()
    {
        var r = Run($"curl -s -o /dev/null {Prod.Url("/before")}; echo {_evilDir} > /etc/ld.so.conf.d/000-evil.conf; ldconfig; " +
            $"curl -s -X GET {Prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(Prod, r, "/etc/ld.so.cache");
    }

    /// <summary>The look-alike: the same overlay, a file written in /etc in the run that the loader
    /// does not read, and curl keeps its trust.</summary>
    [Test]
    public void AnotherFileWrittenInEtcKeepsTheToolsTrust()
    {
        var r = Run($"echo x > /etc/agentshell-test-unrelated; curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/volumes/1")}");
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]").And.Not.Contain("[rule supervisor:library-changed]"));
    }
}
