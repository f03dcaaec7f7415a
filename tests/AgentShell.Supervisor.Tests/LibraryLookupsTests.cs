using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentShell.Supervisor.Tests;

/// <summary>The loader's lookup done again for a running process (<see cref="LibraryLookups"/>):
/// real programs, a real RUNPATH ($ORIGIN) and links made before or during "the run" (the time the
/// check is given).</summary>
[TestFixture]
public sealed class LibraryLookupsTests
{
    private static long Now => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private string _base = null!, _dir = null!;

    /// <summary>The tests work one level below a directory of their own: the walk takes a directory
    /// changed in the run as moved when its parent changed too, and /tmp changes whenever any other
    /// test makes a file there (CI's other lane: a look-alike walked as Changed, s38).</summary>
    [SetUp]
    public void MakeDir()
    {
        _base = Directory.CreateTempSubdirectory("agentshell-lookups-").FullName;
        _dir = Directory.CreateDirectory(Path.Combine(_base, "t")).FullName;
    }

    [TearDown]
    public void RemoveDir() => Directory.Delete(_base, true);

    /// <summary>A curl waiting on a server that never answers: all its libraries mapped.</summary>
    private static (Process Curl, TcpListener Server, TcpClient Accepted) WaitingCurl()
    {
        var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var curl = Process.Start(new ProcessStartInfo("curl", ["-s", "-m", "30", $"http://127.0.0.1:{((IPEndPoint)server.LocalEndpoint).Port}/"]) { RedirectStandardOutput = true })!;
        var accepted = server.AcceptTcpClient(); // connected: its libraries are loaded; kept open, curl waits
        return (curl, server, accepted);
    }

    [Test]
    public void ACurlWithTheSystemsLibrariesPasses()
    {
        var (curl, server, accepted) = WaitingCurl();
        try { Assert.That(ExecMappings.UnchangedSince(curl.Id, Now, out var why), Is.True, why); }
        finally { curl.Kill(); accepted.Dispose(); server.Stop(); }
    }

    /// <summary>What one check costs for a real curl (it runs once per trusted connect to production).</summary>
    [Test]
    public void TheCheckOfACurlsLibrariesIsTimed()
    {
        var (curl, server, accepted) = WaitingCurl();
        try
        {
            long since = Now;
            Assert.That(ExecMappings.UnchangedSince(curl.Id, since, out var why), Is.True, why);
            var sw = Stopwatch.StartNew();
            int passed = 0;
            for (int i = 0; i < 1000; i++) passed += ExecMappings.UnchangedSince(curl.Id, since, out _) ? 1 : 0;
            sw.Stop();
            Assert.That(passed, Is.EqualTo(1000), "every check of the same waiting curl passes");
            byte[] maps = File.ReadAllBytes($"/proc/{curl.Id}/maps");
            Assert.That(Interop.Files.TryStat($"/proc/{curl.Id}/exe", out var exe), Is.True);
            var program = (AgentShell.Supervisor.Network.ExecFiles.KernelDev(exe.Dev), exe.Ino);
            var only = Stopwatch.StartNew();
            for (int i = 0; i < 1000; i++) ExecMappings.AllUnchanged(maps, since, program, out _);
            only.Stop();
            TestContext.Out.WriteLine($"the mapping check alone (maps read once): {only.Elapsed.TotalMilliseconds:F1} µs per check");
            var mapped = new Dictionary<(ulong, ulong), (string, FileStatus)>();
            Assert.That(ExecMappings.AllUnchanged(maps, since, program, out _, mapped), Is.True);
            var lookups = Stopwatch.StartNew();
            for (int i = 0; i < 1000; i++) LibraryLookups.Verify(curl.Id, mapped, program, exe.CtimeNs, since, out _);
            lookups.Stop();
            TestContext.Out.WriteLine($"the lookups alone: {lookups.Elapsed.TotalMilliseconds:F1} µs per check");
            TestContext.Out.WriteLine($"mapping and lookup check of curl: {sw.Elapsed.TotalMilliseconds * 1000 / 1000:F1} µs per check (1000 checks)");
            Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
        finally { curl.Kill(); accepted.Dispose(); server.Stop(); }
    }

    /// <summary>DIR/bin/prog with RUNPATH $ORIGIN/../a:$ORIGIN/../lib, needing libz.so.1; DIR/lib
    /// holds a copy of the system's libz and libz.so.1, a link to it.</summary>
    private string Install()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        Directory.CreateDirectory(Path.Combine(_dir, "lib"));
        string src = Path.Combine(_dir, "prog.c"), prog = Path.Combine(_dir, "bin", "prog");
        File.WriteAllText(src, "#include <zlib.h>\n#include <unistd.h>\nint main(void) { if (!zlibVersion()) return 1; pause(); return 0; }\n");
        string libz = new FileInfo("/usr/lib/x86_64-linux-gnu/libz.so.1").ResolveLinkTarget(true)?.FullName ?? "";
        if (!File.Exists(libz)) Assert.Ignore("no shared libz at /usr/lib/x86_64-linux-gnu");
        var cc = Process.Start("gcc", ["-O2", "-o", prog, src, libz, "-Wl,-rpath,$ORIGIN/../a:$ORIGIN/../lib"])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0), "gcc prog.c");
        File.Copy(libz, Path.Combine(_dir, "lib", "libz.so.1.real"));
        File.CreateSymbolicLink(Path.Combine(_dir, "lib", "libz.so.1"), "libz.so.1.real");
        return prog;
    }

    private static bool Check(string prog, long since, out string? why)
    {
        using var p = Process.Start(prog)!;
        try
        {
            Thread.Sleep(200); // its libraries are mapped
            return ExecMappings.UnchangedSince(p.Id, since, out why);
        }
        finally { p.Kill(); }
    }

    [Test]
    public void ALibraryReachedThroughALinkMadeBeforeTheRunPasses()
    {
        string prog = Install();
        Thread.Sleep(20);
        Assert.That(Check(prog, Now, out var why), Is.True, why);
    }

    [Test]
    public void ALibraryFromBeforeTheRunReachedThroughALinkMadeInItFails()
    {
        string prog = Install();
        File.Copy(Path.Combine(_dir, "lib", "libz.so.1.real"), Path.Combine(_dir, "lib", "other.so"));
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        // ln -sfn: a new link moved over the old one, at a file from before the run.
        File.CreateSymbolicLink(Path.Combine(_dir, "lib", "new"), "other.so");
        File.Move(Path.Combine(_dir, "lib", "new"), Path.Combine(_dir, "lib", "libz.so.1"), overwrite: true);
        Assert.That(Check(prog, since, out var why), Is.False);
        // The first place the loader looks (lib/glibc-hwcaps/…) is in the directory the link was moved into.
        Assert.That(why, Does.Contain("libz.so.1").And.Contain("changed in the run"));
    }

    [Test]
    public void AFileRemovedInTheRunWhereTheLoaderLooksFirstFails()
    {
        string prog = Install();
        // What was removed from a directory is not known: a libz.so.1 there would have come first.
        File.WriteAllText(Path.Combine(_dir, "a", "removed"), "");
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        File.Delete(Path.Combine(_dir, "a", "removed"));
        Assert.That(Check(prog, since, out var why), Is.False);
        Assert.That(why, Does.Contain($"{_dir}/a changed in the run"));
    }

    [Test]
    public void AFileAddedInTheRunBesideTheLibrariesPasses()
    {
        string prog = Install();
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        File.WriteAllText(Path.Combine(_dir, "bin", "notes.txt"), "unrelated");
        Assert.That(Check(prog, since, out var why), Is.True, why);
    }

    /// <summary>DIR/dl, which dlopens DIR/plugin.so (a copy of the system's libz: no name leads to it).</summary>
    private string Dlopener()
    {
        string src = Path.Combine(_dir, "dl.c"), prog = Path.Combine(_dir, "dl");
        File.WriteAllText(src, "#include <dlfcn.h>\n#include <unistd.h>\nint main(int c, char **v) { (void)c; if (!dlopen(v[1], RTLD_NOW)) return 1; pause(); return 0; }\n");
        var cc = Process.Start("gcc", ["-O2", "-o", prog, src, "-ldl"])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0), "gcc dl.c");
        File.Copy(new FileInfo("/usr/lib/x86_64-linux-gnu/libz.so.1").ResolveLinkTarget(true)?.FullName ?? "", Path.Combine(_dir, "plugin.so"));
        return prog;
    }

    private static bool CheckDlopen(string prog, string plugin, out string? why)
    {
        using var p = Process.Start(prog, plugin)!;
        try
        {
            Thread.Sleep(200);
            Assert.That(File.ReadAllText($"/proc/{p.Id}/maps"), Does.Contain(plugin), "the plugin is mapped");
            return ExecMappings.UnchangedSince(p.Id, Now, out why);
        }
        finally { p.Kill(); }
    }

    [Test]
    public void ADlopenedLibraryOfRootsPasses()
    {
        if (Environment.UserName != "root") Assert.Ignore("the plugin must be root's");
        string prog = Dlopener();
        Assert.That(CheckDlopen(prog, Path.Combine(_dir, "plugin.so"), out var why), Is.True, why);
    }

    /// <summary>A library no name leads to was dlopened, perhaps because a configuration file named
    /// it; one an ordinary user's tree could have planted (nobody's) is not trusted.</summary>
    [Test]
    public void ADlopenedLibraryOfAnotherUsersFails()
    {
        if (Environment.UserName != "root") Assert.Ignore("chowns the plugin to nobody");
        string prog = Dlopener();
        Process.Start("chown", ["65534:65534", Path.Combine(_dir, "plugin.so")])!.WaitForExit();
        Thread.Sleep(20); // chown changed its ctime
        Assert.That(CheckDlopen(prog, Path.Combine(_dir, "plugin.so"), out var why), Is.False);
        Assert.That(why, Does.Contain("plugin.so").And.Contain("not root's"));
    }

    /// <summary>A directory from before "the run" renamed into a library's place in it: every file on
    /// the way is older than the run, only the name's binding changed (the moved directory's change
    /// time and its parent's modification time say so).</summary>
    [Test]
    public void ADirectoryRenamedIntoThePlaceInTheRunIsChanged()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "lib"));
        Directory.CreateDirectory(Path.Combine(_dir, "lib2"));
        File.WriteAllText(Path.Combine(_dir, "lib", "libx.so"), "a");
        File.WriteAllText(Path.Combine(_dir, "lib2", "libx.so"), "b");
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        Directory.Move(Path.Combine(_dir, "lib"), Path.Combine(_dir, "lib.orig"));
        Directory.Move(Path.Combine(_dir, "lib2"), Path.Combine(_dir, "lib"));
        Assert.That(new PathWalk(since).Resolve(Path.Combine(_dir, "lib", "libx.so"), out _, out var where), Is.EqualTo(PathWalk.Result.Changed));
        Assert.That(where, Is.EqualTo(Path.Combine(_dir, "lib")));
    }

    /// <summary>The rename with the parent's modification time set back afterwards (`touch -m -d`):
    /// utimes cannot set a change time back, and that is what is compared.</summary>
    [Test]
    public void ADirectoryRenamedIntoThePlaceWithItsParentsTimeSetBackIsChanged()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "lib"));
        Directory.CreateDirectory(Path.Combine(_dir, "lib2"));
        File.WriteAllText(Path.Combine(_dir, "lib2", "libx.so"), "b");
        var before = Directory.GetLastWriteTimeUtc(_dir);
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        Directory.Move(Path.Combine(_dir, "lib"), Path.Combine(_dir, "lib.orig"));
        Directory.Move(Path.Combine(_dir, "lib2"), Path.Combine(_dir, "lib"));
        Directory.SetLastWriteTimeUtc(_dir, before);
        Directory.SetLastWriteTimeUtc(Path.Combine(_dir, "lib"), before);
        Assert.That(new PathWalk(since).Resolve(Path.Combine(_dir, "lib", "libx.so"), out _, out var where), Is.EqualTo(PathWalk.Result.Changed));
        Assert.That(where, Is.EqualTo(Path.Combine(_dir, "lib")));
    }

    /// <summary>Where nothing is found: a file removed in the run from the directory the loader looks
    /// in first, its modification time set back afterwards, is still a change.</summary>
    [Test]
    public void AFileRemovedWithTheDirectorysTimeSetBackIsAChange()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a"));
        File.WriteAllText(Path.Combine(_dir, "a", "libx.so"), "a");
        var before = Directory.GetLastWriteTimeUtc(Path.Combine(_dir, "a"));
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        File.Delete(Path.Combine(_dir, "a", "libx.so"));
        Directory.SetLastWriteTimeUtc(Path.Combine(_dir, "a"), before);
        Assert.That(new PathWalk(since).Resolve(Path.Combine(_dir, "a", "libx.so"), out _, out var where), Is.EqualTo(PathWalk.Result.MissingChanged));
        Assert.That(where, Is.EqualTo(Path.Combine(_dir, "a")));
    }

    /// <summary>The look-alike: a file written in the run beside the directory (its parent changed) and
    /// one in a sibling directory: the directory was not moved, the path is found.</summary>
    [Test]
    public void FilesWrittenBesideADirectoryInTheRunLeaveItFound()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "lib"));
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        File.WriteAllText(Path.Combine(_dir, "lib", "libx.so"), "a");
        Thread.Sleep(20);
        long since = Now;
        Thread.Sleep(20);
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "n");
        File.WriteAllText(Path.Combine(_dir, "bin", "notes.txt"), "n");
        Assert.That(new PathWalk(since).Resolve(Path.Combine(_dir, "lib", "libx.so"), out _, out var where), Is.EqualTo(PathWalk.Result.Found), where);
    }

    [Test]
    public void TheSystemsLoaderCacheNamesLibc()
    {
        var entries = LoaderCache.Parse(File.ReadAllBytes(LoaderCache.Path));
        Assert.That(entries, Is.Not.Null);
        Assert.That(entries!["libc.so.6"], Has.Some.EndsWith("/libc.so.6"));
    }

    [Test]
    public void AnOldFormatCacheThatCountsPastItsEndIsNotRead() =>
        Assert.That(LoaderCache.Parse([.. "ld.so-1.7.0\0"u8, 0xff, 0xff, 0xff, 0xff]), Is.Null);

    [Test]
    public void ACacheNotInTheNewFormatIsNotRead() =>
        Assert.That(LoaderCache.Parse("ld.so-1.7.0\0\0\0\0\0"u8.ToArray()), Is.Null);
}
