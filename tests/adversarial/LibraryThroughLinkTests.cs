using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A library file from before the run, reached during it through a link the tree repoints.
/// A user-installed curl (RUNPATH $ORIGIN/../lib, as conda's or linuxbrew's) finds libcurl.so.4 as
/// a link in its own lib directory; the tree runs `ln -sfn evil.so lib/libcurl.so.4`, where evil.so
/// was there before the run, so every file the process maps has a change time before the run and
/// the mapping check alone passed it. On main 9540717 the DELETE from evil.so's constructor was
/// delivered on curl's trust (nobody in seccomp mode; root in root mode).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class LibraryThroughLinkTests(string guard)
{
    private string _top = null!, _dir = null!, _lib = null!, _profile = null!;
    private LoopbackHttpServer _prod = null!;
    private OtherUser _user = null!;
    private Dictionary<string, string> _env = null!;

    [SetUp]
    public void InstallACurlWithItsOwnLibrary()
    {
        Attacks.Require(guard);
        if (Environment.UserName != "root") Assert.Ignore("runs as nobody (seccomp) or as root (kernel): needs root");
        _prod = new LoopbackHttpServer("127.0.0.2");
        // HOME one level down: the run writes in HOME, and the moved-directory check would take HOME
        // for moved when its parent changed in the run too, as the shared /tmp always does.
        _top = Directory.CreateTempSubdirectory("agentshell-adv-liblink-").FullName;
        File.SetUnixFileMode(_top, (UnixFileMode)0x1ed);
        _dir = Directory.CreateDirectory(Path.Combine(_top, "home")).FullName;
        var (bin, lib, libcurl) = UserInstalledCurl.Build(_dir);
        _lib = lib;
        File.Copy(libcurl, Path.Combine(lib, "libcurl.so.4.8.0"));
        File.CreateSymbolicLink(Path.Combine(lib, "libcurl.so.4"), "libcurl.so.4.8.0");
        File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl")), Path.Combine(lib, "evil.so"));
        File.SetUnixFileMode(Path.Combine(lib, "evil.so"), (UnixFileMode)0x1a4);
        _profile = UserInstalledCurl.BlockingProfile(_dir);
        _user = guard == "seccomp" ? OtherUser.Nobody(_dir) : new OtherUser(_dir);
        if (guard == "seccomp")
            Process.Start("chown", ["-R", "65534:65534", Path.Combine(_dir, ".local")])!.WaitForExit();
        _env = new Dictionary<string, string> { ["PATH"] = bin + ":/usr/local/bin:/usr/bin:/bin" };
    }

    [TearDown]
    public void Remove()
    {
        _prod?.Dispose();
        if (_top != null) Directory.Delete(_top, true);
    }

    private AgentShellRunner.Result Run(string script)
    {
        Thread.Sleep(100); // the user's install is older than the run
        return _user.Run(_env, _user.AgentShell(), "run", "--connect-guard", guard, "--profile", _profile, "--", "bash", "-c", script);
    }

    /// <summary>A directory from before the run beside the tool's lib, holding the evil library as libcurl.so.4.</summary>
    private string SwapInDirectory()
    {
        string other = Path.Combine(_dir, ".local", "lib2");
        Directory.CreateDirectory(other);
        File.Copy(Path.Combine(_lib, "evil.so"), Path.Combine(other, "libcurl.so.4"));
        if (guard == "seccomp") Process.Start("chown", ["-R", "65534:65534", other])!.WaitForExit();
        return other;
    }

    [Test]
    public void ALinkRepointedInTheRunAtALibraryFromBeforeItIsNotTrustedAsTheTool()
    {
        var r = Run($"curl -s -o /dev/null {_prod.Url("/before")}; ln -sfn evil.so {_lib}/libcurl.so.4; curl -s -X GET {_prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(_prod, r, "libcurl.so.4");
    }

    /// <summary>The same with a library whose DT_SONAME is its own file name: a check of
    /// dirname(file)/SONAME finds the file itself and no link; the lookup by the needed name does.</summary>
    [Test]
    public void ALinkRepointedInTheRunAtALibraryNamedOtherwiseIsNotTrustedAsTheTool()
    {
        File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl"), soname: "evil2.so"), Path.Combine(_lib, "evil2.so"));
        File.SetUnixFileMode(Path.Combine(_lib, "evil2.so"), (UnixFileMode)0x1a4);
        if (guard == "seccomp") Process.Start("chown", ["-R", "65534:65534", _lib])!.WaitForExit();
        var r = Run($"curl -s -o /dev/null {_prod.Url("/before")}; ln -sfn evil2.so {_lib}/libcurl.so.4; curl -s -X GET {_prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(_prod, r, "libcurl.so.4");
    }

    /// <summary>No link at all: a directory from before the run, holding a library from before it, renamed
    /// into the place of the tool's lib directory (`mv lib lib.orig; mv lib2 lib`). Every file and link
    /// on the way is older than the run; only the directory's binding changed. On main fa89ab6 the DELETE
    /// was delivered in both guards.</summary>
    [Test]
    public void ADirectoryFromBeforeTheRunRenamedIntoTheLibrariesPlaceIsNotTrustedAsTheTool()
    {
        string other = SwapInDirectory();
        var r = Run($"curl -s -o /dev/null {_prod.Url("/before")}; mv {_lib} {_lib}.orig && mv {other} {_lib}; curl -s -X GET {_prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(_prod, r, "libcurl.so.4");
    }

    /// <summary>The same rename, then the modification times of the directory and of the two above it set back to
    /// before the run (`touch -m -d`): the check reads change times, which utimes cannot set back.</summary>
    [Test]
    public void ARenamedDirectoryWhoseTimesWereSetBackIsNotTrustedAsTheTool()
    {
        string other = SwapInDirectory();
        string old = "@" + (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600);
        var r = Run($"curl -s -o /dev/null {_prod.Url("/before")}; mv {_lib} {_lib}.orig && mv {other} {_lib} && touch -m -d {old} {_lib} {_lib}/.. {_lib}/../..; curl -s -X GET {_prod.Url("/volumes/1")}");
        Attacks.AssertTheLibraryGotNoTrust(_prod, r, "libcurl.so.4");
    }

    /// <summary>The look-alike: files written in the run in HOME (the parent of .local changed) and in
    /// .local/bin (a directory beside lib changed, .local itself did not) keep curl's trust: no directory
    /// on the way to its libraries was moved. (A file written in the lib directory itself, or one written
    /// in .local while HOME changed too, costs it: see KNOWN-GAPS.)</summary>
    [Test]
    public void FilesWrittenBesideTheLibrariesInTheRunKeepTheTrust()
    {
        var r = Run($"touch {_dir}/notes.txt {_lib}/../bin/notes.txt; curl -s {_prod.Url("/volumes/1")}");
        Assert.That(_prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]").And.Not.Contain("[rule supervisor:library-changed]"));
    }

    /// <summary>The look-alike: an update done before the run the way a package manager does it (a
    /// new file, the link moved to it) is the run's starting state, trusted.</summary>
    [Test]
    public void ALinkRepointedBeforeTheRunIsTrusted()
    {
        File.Copy(Path.Combine(_lib, "libcurl.so.4.8.0"), Path.Combine(_lib, "libcurl.so.4.8.1"));
        File.CreateSymbolicLink(Path.Combine(_lib, "libcurl.so.4.new"), "libcurl.so.4.8.1");
        File.Move(Path.Combine(_lib, "libcurl.so.4.new"), Path.Combine(_lib, "libcurl.so.4"), overwrite: true);
        if (guard == "seccomp") Process.Start("chown", ["-R", "65534:65534", _lib])!.WaitForExit();
        var r = Run($"curl -s {_prod.Url("/volumes/1")}");
        Assert.That(_prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]").And.Not.Contain("[rule supervisor:library-changed]"));
    }
}
