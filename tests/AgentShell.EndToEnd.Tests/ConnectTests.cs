using System.Runtime.InteropServices;
using System.Net;
using System.Net.Sockets;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Outbound connections decided from the kernel's sockaddr, whatever program opens them:
/// loopback HTTP servers stand in for production (127.0.0.2) and staging (127.0.0.3). Every test
/// runs with connects decided by seccomp notification and again in root mode, in the kernel.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class ConnectTests(string guard)
{
    /// <summary>What python prints for a connect that was paused and then refused: seccomp fails
    /// the connect itself (EPERM); in the kernel mode the connect was held at the gate and is reset.</summary>
    private string Refused => guard == "kernel" ? "error 104" : "error 1";

    /// <summary>`agentshell run --connect-guard GUARD` and the rest.</summary>
    private string[] RunArgs(params string[] rest) => ["run", "--connect-guard", guard, "--profile", Repo.WireOffProfile, .. rest];

    private LoopbackHttpServer _prod = null!, _staging = null!;
    private string _tmp = null!;
    private string _curl = null!;

    [SetUp]
    public void SetUp()
    {
        KernelSetUp.RequireInterception();
        if (guard == "kernel") KernelSetUp.RequireKernelConnectGuard();
        _curl = Repo.Which("curl");
        _prod = new LoopbackHttpServer("127.0.0.2");
        _staging = new LoopbackHttpServer("127.0.0.3");
        _tmp = Directory.CreateTempSubdirectory("agentshell-net-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        _staging.Dispose();
        Directory.Delete(_tmp, true);
    }

    // The URL is a variable: a literal DELETE to production in the code would be refused at
    // python's exec (the inline reading under run, BlockOnly), before any connect these tests judge.
    internal static string PyDelete(string url) =>
        $"import urllib.request\nu = '{url}'\ntry:\n    r = urllib.request.urlopen(urllib.request.Request(u, method='DELETE')); print('status', r.status)\nexcept Exception as e:\n    print('error', getattr(getattr(e, 'reason', e), 'errno', e))";

    private BackgroundRun Run(int timeout, params string[] command) =>
        new(["--connect-guard", guard, "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--pause-timeout", timeout.ToString()], command);

    private AgentShellRunner.Result Supervise(params string[] command) =>
        AgentShellRunner.Run(RunArgs(["--profile", Repo.DemoProfile, "--", .. command]));

    [Test]
    public void AnInterpreterDeletingOnProductionIsPausedAndRefusedOnTimeout()
    {
        using var run = Run(2, Repo.Python, "-c", PyDelete(_prod.Url("/volumes/1")));
        run.WaitForPause();
        Assert.That(run.Stderr, Does.Contain($"connect {_prod.Address}:{_prod.Port} (production) [rule network:unknown-client-to-production]"));
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo(Refused));
        Assert.That(run.Stderr, Does.Contain("no answer in 2s"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void ThePendingItemShowsTheInterpretersCommandLine()
    {
        using var run = Run(30, Repo.Python, "-c", PyDelete(_prod.Url("/volumes/1")));
        string id = run.WaitForPause();
        var pending = run.Client("pending");
        Assert.That(pending.Stdout, Does.Contain("urllib.request.Request").And.Contain("DELETE").And.Contain("process: python3("));
        run.Client("approve", id);
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo("status 200"));
        Assert.That(_prod.Requests.Select(r => r.Method), Is.EqualTo(new[] { "DELETE" }));
    }

    [Test]
    public void AnApprovedProcessIsNotAskedAgainForTheSameDestination()
    {
        var py = $"import urllib.request\nfor i in range(3):\n    urllib.request.urlopen('{_prod.Url("/n")}')\nprint('done')";
        using var run = Run(30, Repo.Python, "-c", py);
        run.Client("approve", run.WaitForPause());
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo("done"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(run.Stderr, "agentshell: paused").Count, Is.EqualTo(1));
        Assert.That(_prod.Requests.Count, Is.EqualTo(3));
    }

    [Test]
    public void TheSameInterpreterOnStagingPasses()
    {
        var r = Supervise(Repo.Python, "-c", PyDelete(_staging.Url("/volumes/1")));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("status 200"), r.Stderr);
        Assert.That(_staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }));
        Assert.That(r.Stderr, Does.Not.Contain("paused"));
    }

    [Test]
    public void AnUnderstoodCurlGetToProductionPasses()
    {
        var r = Supervise(_curl, "-sS", _prod.Url("/status"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(_prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/status" }));
    }

    [Test]
    public void ACurlAimedAtStagingButConnectingToProductionIsJudgedAsProduction()
    {
        // --connect-to sends a "staging" request to production's address: the parser reads the
        // address it names as a target, so the DELETE is refused at the exec, before any connect.
        using var run = Run(1, _curl, "-sS", "-X", "DELETE", "--connect-to", $"127.0.0.3:{_staging.Port}:127.0.0.2:{_prod.Port}", _staging.Url("/volumes/1"));
        run.WaitForExit();
        Assert.That(run.Stderr, Does.Contain("[rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests, Is.Empty);
        Assert.That(_staging.Requests, Is.Empty);
    }

    [Test]
    public void TcpFastOpenFromAnUnknownClientIsPausedOrRefusedNotSent()
    {
        using var run = Run(1, Repo.Python, "-c",
            $"import socket\ns = socket.socket()\ntry:\n    s.sendto(b'DELETE /v HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n', socket.MSG_FASTOPEN, ('127.0.0.2', {_prod.Port})); s.recv(1); print('sent')\nexcept OSError as e:\n    print('error', e.errno)");
        // kernel: the SYN and its data went to the gate, which holds them for a person. seccomp: the
        // supervisor sends what it checked itself, so a send cannot wait (letting the kernel's own
        // send go after an approval would re-read an address the process may have rewritten): refused.
        if (guard == "kernel") run.WaitForPause();
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo(Refused));
        if (guard != "kernel") Assert.That(run.Stderr, Does.Contain("a TCP Fast Open send cannot wait for approval"));
        Thread.Sleep(200);
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void CurlWithTcpFastOpenStillWorksWhereAllowed()
    {
        var r = Supervise(_curl, "-sS", "--tcp-fastopen", _prod.Url("/tfo"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(_prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/tfo" }));
    }

    [Test]
    public void AV4MappedIpv6AddressIsTheSameProductionAddress()
    {
        // recv: in the kernel mode the connect itself completes at the gate; the verdict comes after.
        var py = $"import socket\ns = socket.socket(socket.AF_INET6)\ntry:\n    s.connect(('::ffff:127.0.0.2', {_prod.Port})); s.recv(1); print('connected')\nexcept OSError as e:\n    print('error', e.errno)";
        using var run = Run(1, Repo.Python, "-c", py);
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo(Refused));
        Assert.That(run.Stderr, Does.Contain("connect 127.0.0.2:").And.Contain("(production)"));
    }

    [Test]
    public void AnIpv6LiteralListedInAProfileIsProductionAndLoopbackOtherwiseIsLocal()
    {
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v6.Start();
        int port = ((IPEndPoint)v6.LocalEndpoint).Port;
        var profile = Path.Combine(_tmp, "v6.json");
        File.WriteAllText(profile, """{ "Description": "test: ::1 is production", "Environments": { "production": { "Hosts": ["[::1]"] } } }""");
        var py = $"import socket\ns = socket.socket(socket.AF_INET6)\ntry:\n    s.connect(('::1', {port})); print('connected')\nexcept OSError as e:\n    print('error', e.errno)";
        // The listener never answers: a recv after the connect waits for the gate's verdict.
        var pyWait = py.Replace("print('connected')", "s.recv(1); print('connected')", StringComparison.Ordinal);
        var listed = AgentShellRunner.Run(RunArgs("--profile", profile, "--pause-timeout", "1", "--", Repo.Python, "-c", pyWait));
        Assert.That(listed.Stdout.Trim(), Is.EqualTo(Refused), listed.Stderr);
        Assert.That(listed.Stderr, Does.Contain("connect ::1:").Or.Contain("connect [::1]:"));
        var plain = AgentShellRunner.Run(RunArgs("--", Repo.Python, "-c", py));
        Assert.That(plain.Stdout.Trim(), Is.EqualTo("connected"), plain.Stderr);
    }

    [Test]
    public void AProfileCanBlockUnknownClientsOutright()
    {
        var profile = Path.Combine(_tmp, "block.json");
        File.WriteAllText(profile, """{ "Description": "test: block unknown clients", "Network": { "UnknownClientToProduction": "block" } }""");
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--profile", profile, "--", Repo.Python, "-c", PyDelete(_prod.Url("/volumes/1"))));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("error 1"));
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked python").And.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(r.Stderr, Does.Not.Contain("paused"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void DnsIsAlwaysAllowed()
    {
        var profile = Path.Combine(_tmp, "dns.json");
        File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 production, block unknown clients", "Environments": { "production": { "Hosts": ["127.0.0.2"] } }, "Network": { "UnknownClientToProduction": "block" } }""");
        var py = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.connect(('127.0.0.2', 53)); print('connected')";
        var r = AgentShellRunner.Run(RunArgs("--profile", profile, "--", Repo.Python, "-c", py));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("connected"), r.Stderr);
    }

    [Test]
    public void ARenamedCopyOfCurlIsParsedAsCurlAndBlocked()
    {
        var copy = Path.Combine(_tmp, "definitely-not-curl");
        File.Copy(_curl, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var r = Supervise(copy, "-sS", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [TestCase("symlink")]
    [TestCase("hard link")]
    public void CurlLinkedUnderAnotherNameIsParsedAsCurlAndBlocked(string kind)
    {
        // The name says nothing; the file the kernel runs is curl's own inode either way.
        var link = Path.Combine(_tmp, "definitely-not-curl");
        if (kind == "symlink") File.CreateSymbolicLink(link, _curl);
        else if (Link(_curl, link) != 0) Assert.Ignore($"link({_curl}) failed here (errno {Marshal.GetLastPInvokeError()}): another filesystem");
        var r = Supervise(link, "-sS", "-X", "DELETE", _prod.Url("/volumes/1"));
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);

    [Test]
    public void ARenamedCopyOfCurlDoingAGetStillPasses()
    {
        var copy = Path.Combine(_tmp, "fetch");
        File.Copy(_curl, copy);
        File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var r = Supervise(copy, "-sS", _prod.Url("/ok"));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(_prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/ok" }));
    }

    [Test]
    public void AProfileHostNameIsResolvedToItsAddressesAndGuarded()
    {
        // The profile names a host, not an address; a hosts file the test controls (in a private
        // mount namespace) makes that name resolve to 127.0.0.2 for the supervisor.
        using var hosts = new HostsOverride(("127.0.0.2", "prod-db.agentshell.test"));
        if (hosts.Unavailable() is string why) Assert.Ignore(why);
        var profile = Path.Combine(_tmp, "named.json");
        File.WriteAllText(profile, """{ "Description": "test: a production host by name", "Environments": { "production": { "Hosts": ["prod-db.agentshell.test"] } } }""");
        var (code, stdout, stderr) = hosts.Run(Repo.AgentShell, "run", "--connect-guard", guard, "--profile", Repo.WireOffProfile, "--profile", profile, "--pause-timeout", "1", "--",
            Repo.Python, "-c", PyDelete(_prod.Url("/volumes/1")));
        Assert.That(stdout.Trim(), Is.EqualTo(Refused), stderr);
        Assert.That(stderr, Does.Contain($"connect 127.0.0.2:{_prod.Port} (production)"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AnFexecveOfAMemfdCopyOfCurlIsParsedAsCurl()
    {
        // execveat(fd, "", AT_EMPTY_PATH): the program has no path at all; it is known by its content.
        var py = $"import os\nfd = os.memfd_create('x')\nos.write(fd, open('{_curl}', 'rb').read())\n" +
                 $"try:\n    os.execve(fd, ['x', '-sS', '-X', 'DELETE', '{_prod.Url("/volumes/1")}'], dict(os.environ))\nexcept OSError as e:\n    print('error', e.errno)";
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", Repo.Python, "-c", py));
        // Refused, and ended at its commit (a single-threaded caller): python's except never runs.
        Assert.That(r.ExitCode, Is.EqualTo(126), r.Stderr);
        Assert.That(r.Stdout, Is.Empty, r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked curl DELETE").And.Contain("[rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [TestCase("127.0.0.2", true)]
    [TestCase("127.0.0.3", false)]
    public void BashsOwnTcpRedirectionIsDecidedLikeAnyUnknownClient(string host, bool production)
    {
        var server = production ? _prod : _staging;
        var cmd = $"printf 'DELETE /volumes/1 HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' > /dev/tcp/{host}/{server.Port}; echo rc=$?";
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", "bash", "-c", cmd));
        Thread.Sleep(200);
        if (production)
        {
            Assert.That(r.Stderr, Does.Contain("bash network redirection /dev/tcp/127.0.0.2/").And.Contain("(production)"));
            Assert.That(r.Stderr, Does.Contain("no answer in 1s"));
            Assert.That(_prod.Requests, Is.Empty);
        }
        else
        {
            Assert.That(r.Stdout, Does.Contain("rc=0"), r.Stderr);
            Assert.That(_staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }));
        }
    }

    // ---- a process is trusted only for what it really runs ------------------------------------

    private string FlipExec()
    {
        var exe = Path.Combine(_tmp, "flip-exec");
        var cc = System.Diagnostics.Process.Start("gcc", ["-O2", "-pthread", "-o", exe, Path.Combine(Repo.Root, "tests", "AgentShell.EndToEnd.Tests", "native", "flip-exec.c")])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0));
        return exe;
    }

    private string BlockUnknownClients()
    {
        var profile = Path.Combine(_tmp, "block.json");
        File.WriteAllText(profile, """{ "Description": "test: 127.0.0.2 is production; unknown clients are blocked", "Environments": { "production": { "Hosts": ["127.0.0.2"] } }, "Network": { "UnknownClientToProduction": "block" } }""");
        return profile;
    }

    [Test]
    public void AProgramThatOnlyCallsItselfCurlIsNotTrustedAsCurl()
    {
        // exec -a curl: argv[0] says curl, the file is another program. Its arguments are still
        // parsed as curl's (a GET, allowed), but its connects are an unknown client's.
        var evil = FlipExec();
        var r = AgentShellRunner.Run(RunArgs("--profile", BlockUnknownClients(), "--", "bash", "-c", $"exec -a curl {evil} -s -o /dev/null {_prod.Url("/x")}"));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("evil refused"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AProgramWhoseFileIsNamedCurlIsNotTrustedAsCurl()
    {
        // Trust comes from what the file is (an installed curl, or a copy), not from its name.
        var dir = Directory.CreateDirectory(Path.Combine(_tmp, "bin")).FullName;
        var named = Path.Combine(dir, "curl");
        File.Copy(FlipExec(), named);
        var r = AgentShellRunner.Run(RunArgs("--profile", BlockUnknownClients(), "--", named, "-s", "-o", "/dev/null", _prod.Url("/x")));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("evil refused"), r.Stderr);
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AScriptWhoseInterpreterIsCurlIsDecidedOnWhatCurlWillDo()
    {
        // #!/usr/bin/curl -XDELETE: the kernel runs curl -XDELETE SCRIPT ARGS; argv alone says GET.
        var script = Path.Combine(_tmp, "fetch");
        File.WriteAllText(script, $"#!{_curl} -XDELETE\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--", script, "-s", _prod.Url("/volumes/1")));
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {_prod.Url("/volumes/1")} (production) [rule demo.http:delete-on-production]"));
        Assert.That(_prod.Requests, Is.Empty);
        // The look-alike: a script interpreted by something that is no parsed tool is decided as before.
        var plain = Path.Combine(_tmp, "hello");
        File.WriteAllText(plain, "#!/bin/sh\necho hello\n");
        File.SetUnixFileMode(plain, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ok = AgentShellRunner.Run(RunArgs("--profile", Repo.DemoProfile, "--", plain));
        Assert.That(ok.Stdout.Trim(), Is.EqualTo("hello"), ok.Stderr);
    }

    [Test]
    public void ACurlWithPreloadedCodeIsNotTrustedAsCurl()
    {
        // LD_PRELOAD runs other code inside curl: curl's connects are then an unknown client's.
        var so = Path.Combine(_tmp, "pre.so");
        var src = Path.Combine(_tmp, "pre.c");
        File.WriteAllText(src, "int preloaded;\n");
        var cc = System.Diagnostics.Process.Start("gcc", ["-shared", "-fPIC", "-o", so, src])!;
        cc.WaitForExit();
        Assert.That(cc.ExitCode, Is.EqualTo(0));
        var r = AgentShellRunner.Run(RunArgs("--profile", BlockUnknownClients(), "--", "env", $"LD_PRELOAD={so}", _curl, "-sS", _prod.Url("/x")));
        Assert.That(r.ExitCode, Is.Not.Zero, r.Stderr);
        // Root mode reports the kernel's refusal shortly after it; curl may have exited by then.
        if (guard == "seccomp") Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
        Assert.That(_prod.Requests, Is.Empty);
        var plain = AgentShellRunner.Run(RunArgs("--profile", BlockUnknownClients(), "--", _curl, "-sS", _prod.Url("/y")));
        Assert.That(plain.ExitCode, Is.EqualTo(0), plain.Stderr);
        Assert.That(_prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/y" }));
    }

    [Test]
    public void FlippingTheExecPathAfterTheCheckGetsTheOtherProgramNoTrust()
    {
        // A thread rewrites the path between curl (checked: a GET to production, trusted) and
        // another program; whichever the kernel runs, only curl itself may reach production.
        var flip = FlipExec();
        var evil = Path.Combine(_tmp, "evil");
        File.Copy(flip, evil);
        File.SetUnixFileMode(evil, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var r = AgentShellRunner.Run(RunArgs("--profile", BlockUnknownClients(), "--", flip, "40", _curl, evil, _prod.Url("/x")), TimeSpan.FromSeconds(120));
        Thread.Sleep(200);
        Assert.That(r.Stdout, Does.Not.Contain("evil answered"), r.Stderr);
        Assert.That(_prod.Requests.Select(q => q.Path), Has.None.EqualTo("/evil"));
        // The attack was exercised: the other program ran in some rounds (and was refused). A round
        // whose check saw the other path may refuse curl itself (it is not the file checked).
        Assert.That(System.Text.RegularExpressions.Regex.Matches(r.Stdout, "evil refused").Count, Is.GreaterThan(0), r.Stdout);
    }

    [Test]
    public void AProcessThatExecsFromAThreadIsStillGuarded()
    {
        // A non-leader thread's exec takes over the process's pid.
        var child = $"import urllib.request\ntry:\n    urllib.request.urlopen('{_prod.Url("/from-thread")}'); print('status ok')\nexcept Exception as e:\n    print('error', getattr(getattr(e, 'reason', e), 'errno', e))";
        var py = $"import os, sys, threading, time\nthreading.Thread(target=lambda: os.execv(sys.executable, [sys.executable, '-c', {Quote(child)}])).start()\ntime.sleep(30)";
        using var run = Run(1, Repo.Python, "-c", py);
        run.WaitForPause();
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo(Refused));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [TestCase("AF_INET", "127.0.0.2", "0.0.0.0")]
    [TestCase("AF_INET6", "::ffff:127.0.0.2", "::ffff:0.0.0.0")]
    public void ConnectingToTheUnspecifiedAddressIsDecidedOnWhereItGoes(string family, string bind, string unspecified)
    {
        // connect(0.0.0.0) reaches the socket's own bound address: here production.
        var py = $"import socket\ns = socket.socket(socket.{family})\ns.bind(('{bind}', 0))\ntry:\n    s.connect(('{unspecified}', {_prod.Port})); s.sendall(b'GET /any HTTP/1.0\\r\\n\\r\\n'); print('got', s.recv(12))\nexcept OSError as e:\n    print('error', e.errno)";
        using var run = Run(1, Repo.Python, "-c", py);
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo(Refused), run.Stderr);
        Assert.That(run.Stderr, Does.Contain($"connect 127.0.0.2:{_prod.Port} (production)"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'";
}
