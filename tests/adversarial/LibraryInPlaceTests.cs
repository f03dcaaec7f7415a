using System.Diagnostics;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>A trusted tool's shared library written in place by the tree. A root tree can write
/// /usr/lib/…/libcurl.so.4 (an ordinary user's tree, the libraries of a tool it installed itself:
/// conda's, linuxbrew's); the kernel refuses writes to a running program's file (ETXTBSY) but not
/// to a mapped library, and nothing at the exec looks at the libraries the loader maps after it.
/// On main 8a88507 a plain `curl -X GET https://prod/…` loaded a libcurl whose constructor sent a
/// DELETE from the trusted process, and it arrived (both modes, wire off, as every trust-at-exec
/// attack is run). A shared machine's libcurl is not the test's to overwrite: the run starts in a
/// mount namespace of the test's own where a copy of it is bound over the system's file, and the
/// tree writes that copy, the very file curl maps.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class LibraryInPlaceTests(string guard) : TrustAtExecFixture(guard)
{
    private string _lib = null!, _copy = null!;

    [SetUp]
    public void BindACopyOfLibcurl()
    {
        if (Environment.UserName != "root") Assert.Ignore("binds a copy of libcurl over the system's: needs root");
        _lib = Path.GetFullPath(ResolveLinks(LibcurlOf(Repo.Which("curl"))));
        _copy = Path.Combine(Home.Dir, "libcurl-copy.so");
        File.Copy(_lib, _copy);
        Thread.Sleep(100); // the copy is older than the run: it stands for the system's file
    }

    private static string ResolveLinks(string path) => new FileInfo(path).ResolveLinkTarget(true)?.FullName ?? path;

    /// <summary>The libcurl the loader gives curl (ldd's answer).</summary>
    private static string LibcurlOf(string curl)
    {
        var p = Process.Start(new ProcessStartInfo("ldd", [curl]) { RedirectStandardOutput = true })!;
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = o.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("libcurl.so"));
        if (line == null) Assert.Ignore("curl is not linked with a shared libcurl");
        return line!.Split("=>")[1].Trim().Split(' ')[0];
    }

    /// <summary>`agentshell run …` in a private mount namespace where <see cref="_copy"/> is the
    /// system's libcurl.</summary>
    private AgentShellRunner.Result RunWithCopy(string script) =>
        RunInOwnMounts("mount --bind \"$1\" \"$2\" && shift 2", [_copy, _lib], script);

    [Test]
    public void ACurlWithItsOwnLibraryIsTrusted()
    {
        // The look-alike: the same namespace and copy, untouched, and curl reaches production.
        var r = RunWithCopy($"curl -s -o /dev/null -w '%{{http_code}}' {Prod.Url("/volumes/1")}");
        Assert.That(r.Stdout, Is.EqualTo("200"), r.Stderr);
        Assert.That(Prod.Requests.Select(q => $"{q.Method} {q.Path}"), Is.EqualTo(new[] { "GET /volumes/1" }));
    }

    [Test]
    public void ALibraryWrittenInPlaceIsNotTrustedAsTheTool()
    {
        string evil = Attacks.Library("evil-libcurl", Repo.Which("curl"));
        var r = RunWithCopy($"curl -s -o /dev/null -w '%{{http_code}} ' {Prod.Url("/before")}; cat {evil} > {_lib}; " +
            $"curl -s -X GET {Prod.Url("/volumes/1")}");
        Thread.Sleep(100); // a request still in flight
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("200 "), $"the untouched curl went through first\n{r.Stderr}");
        // Its own rule, naming the library and why, on the tool's stderr and in the record.
        Attacks.AssertTheLibraryGotNoTrust(Prod, r, _lib);
        var rec = File.ReadAllLines(Home.AuditLog).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("ruleId", out var id) && id.GetString() == "supervisor:library-changed").ToList();
        Assert.That(rec, Has.Count.EqualTo(1), r.Stderr);
        Assert.That(rec[0].GetProperty("reason").GetString(), Does.Contain(_lib).And.Contain("changed during the run"));
        Assert.That(rec[0].GetProperty("outcome").GetString(), Is.EqualTo("blocked"));
    }

    /// <summary>The same library, whose constructor sends datagrams (sendto, and a connected UDP
    /// socket's send) to a UDP listener on production. On main 4c0dc77 root mode let both through on
    /// the exec's trust (the library check ran for TCP connects only: a datagram cannot wait at the
    /// gate).</summary>
    [Test]
    public void ALibraryWrittenInPlaceSendsNoDatagramToProduction()
    {
        using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        int port = ((System.Net.IPEndPoint)udp.Client.LocalEndPoint!).Port;
        string evil = Attacks.Library("evil-libcurl-udp", Repo.Which("curl"));
        var r = RunWithCopy($"curl -s -o /dev/null -w '%{{http_code}} ' {Prod.Url("/before")}; cat {evil} > {_lib}; " +
            $"curl -s -X GET http://127.0.0.2:{port}/volumes/1");
        Thread.Sleep(200); // a datagram still in flight
        Assert.That(r.Stdout, Does.StartWith("200 "), $"the untouched curl went through first\n{r.Stderr}");
        Assert.That(r.Stdout, Does.Contain("sendto:"), $"the library ran\n{r.Stderr}");
        Assert.That(udp.Available, Is.EqualTo(0), $"a datagram reached production: {r.Stdout}\n{r.Stderr}");
        Assert.That(r.Stdout, Does.Contain("sendto:1 ").And.Contain("connect:"), r.Stderr);
        Assert.That(r.Stdout, Does.Not.Contain(":ok"), r.Stderr);
    }

    /// <summary>The look-alike: the same datagrams from a libcurl in place before the run began (code
    /// the run did not change) go on curl's trust. Root mode refuses the first while it checks the
    /// code (a datagram cannot wait at the gate), then lets the next through.</summary>
    [Test]
    public void DatagramsOfCodeUnchangedSinceTheRunBeganGoOnTheToolsTrust()
    {
        using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0));
        int port = ((System.Net.IPEndPoint)udp.Client.LocalEndPoint!).Port;
        File.Copy(Attacks.Library("evil-libcurl-udp", Repo.Which("curl")), _copy, overwrite: true);
        Thread.Sleep(100); // older than the run
        long before = File.Exists(Home.AuditLog) ? new FileInfo(Home.AuditLog).Length : 0;
        var r = RunWithCopy($"curl -s -X GET http://127.0.0.2:{port}/volumes/1");
        Thread.Sleep(200);
        Assert.That(r.Stdout, Does.StartWith(Guard == "kernel" ? "sendto:1 retry:ok " : "sendto:ok "), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("connect:ok"), r.Stderr);
        Assert.That(udp.Available, Is.GreaterThan(0), r.Stderr);
        Assert.That(r.Stderr, Does.Not.Contain("[rule network:unknown-client-to-production]").And.Not.Contain("[rule supervisor:library-changed]"));
        // The refused first datagram is said and recorded under its rule (root mode only: seccomp
        // mode decides each send in its notification, so nothing is refused there).
        const string Checked = "supervisor:trusted-datagram-checked";
        string audit = File.Exists(Home.AuditLog) ? System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(Home.AuditLog)[(int)before..]) : "";
        if (Guard == "kernel")
        {
            Assert.That(r.Stderr, Does.Contain($"[rule {Checked}]"), r.Stderr);
            Assert.That(audit, Does.Contain(Checked), "the refused first datagram has its record");
        }
        else
        {
            Assert.That(r.Stderr + audit, Does.Not.Contain(Checked), "nothing refused in seccomp mode");
        }
    }
}

/// <summary>A curl an ordinary user installed with its own libcurl (RUNPATH $ORIGIN/../lib, as
/// conda's or linuxbrew's) in DIR/.local, and a profile for nobody's run where 127.0.0.2 is
/// production, the wire is off and unknown clients are blocked.</summary>
internal static class UserInstalledCurl
{
    /// <summary>Builds DIR/.local/bin/curl against the system's libcurl (a 777 DIR: nobody's HOME).</summary>
    public static (string Bin, string Lib, string Libcurl) Build(string dir)
    {
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ff);
        string bin = Path.Combine(dir, ".local", "bin"), lib = Path.Combine(dir, ".local", "lib");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(lib);
        string libcurl = new FileInfo(Path.Combine("/usr/lib/x86_64-linux-gnu", "libcurl.so.4")).ResolveLinkTarget(true)?.FullName
            ?? Path.Combine("/usr/lib/x86_64-linux-gnu", "libcurl.so.4");
        if (!File.Exists(libcurl)) Assert.Ignore("no shared libcurl at /usr/lib/x86_64-linux-gnu");
        var cc = Process.Start("gcc", ["-O2", "-o", Path.Combine(bin, "curl"), Path.Combine(Repo.Root, "tests", "adversarial", "native", "user-curl.c"),
            libcurl, "-Wl,-rpath,$ORIGIN/../lib"])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0), "gcc user-curl.c");
        return (bin, lib, libcurl);
    }

    /// <summary>The profile, readable by nobody.</summary>
    public static string BlockingProfile(string dir)
    {
        string profile = Path.Combine(dir, "block.json");
        File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"], "Wire": { "Http": false, "Postgres": false } } }, "Network": { "UnknownClientToProduction": "block" } }""");
        File.SetUnixFileMode(profile, (UnixFileMode)0x1a4);
        return profile;
    }
}

/// <summary>The same in an ordinary user's run (nobody, seccomp mode): a curl the user installed
/// with its own libcurl (RUNPATH $ORIGIN/../lib, as conda's or linuxbrew's), found on PATH at start
/// and so trusted as curl; the user's tree writes that libcurl in place. On main 8a88507 the DELETE
/// was delivered (by hand: the same script with main's binary).</summary>
[TestFixture]
public sealed class LibraryInPlaceAsAUserTests
{
    [Test]
    public void ALibraryOfAToolTheUserInstalledWrittenInPlaceIsNotTrustedAsTheTool()
    {
        Attacks.Require("seccomp");
        using var prod = new LoopbackHttpServer("127.0.0.2");
        string dir = Directory.CreateTempSubdirectory("agentshell-adv-userlib-").FullName;
        try
        {
            var (bin, lib, libcurl) = UserInstalledCurl.Build(dir);
            File.Copy(libcurl, Path.Combine(lib, "libcurl.so.4"));
            string evil = Path.Combine(dir, "evil.so");
            File.Copy(Attacks.Library("evil-libcurl", Repo.Which("curl")), evil);
            File.SetUnixFileMode(evil, (UnixFileMode)0x1a4);
            string profile = UserInstalledCurl.BlockingProfile(dir);
            var nobody = OtherUser.Nobody(dir);
            // What the run makes in HOME at its start (its state and socket directory, its profile
            // directory's parent) is made here first: made by the run, an entry of HOME changed the
            // directory the library is reached through, within the run's start margin on a quick start
            // (the untouched tool lost its trust: one CI failure).
            // (measured: .cache, .config, agentshell, config and the empty system profile directory).
            string[] made = [".cache", ".config", "agentshell", "config", "no-system-profiles"];
            foreach (var m in made) Directory.CreateDirectory(Path.Combine(dir, m));
            File.SetUnixFileMode(Path.Combine(dir, "agentshell"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var chown = Process.Start("chown", ["-R", "65534:65534", Path.Combine(dir, ".local"), .. made.Select(m => Path.Combine(dir, m))])!;
            chown.WaitForExit();
            Thread.Sleep(100); // the user's install is older than the run
            var env = new Dictionary<string, string> { ["PATH"] = bin + ":/usr/local/bin:/usr/bin:/bin" };
            string script = $"curl {prod.Url("/before")}; echo; cat {evil} > {lib}/libcurl.so.4; curl -X GET {prod.Url("/volumes/1")}";
            var r = nobody.Run(env, nobody.AgentShell(), "run", "--connect-guard", "seccomp", "--profile", profile, "--", "bash", "-c", script);
            Thread.Sleep(100);
            Assert.That(prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
            Attacks.AssertTheLibraryGotNoTrust(prod, r, Path.Combine(lib, "libcurl.so.4"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
