using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Root mode (`run --connect-guard kernel`): connects decided by the eBPF cgroup programs,
/// undecided TCP connects held at the supervisor's gate and then proxied or reset. Real kernel,
/// real python and curl, loopback servers: 127.0.0.2 is production and 127.0.0.3 staging in
/// demo.json. A gated connect succeeds locally, so a refusal shows as a reset (errno 104) where
/// seccomp mode fails the connect itself (errno 1).</summary>
[TestFixture]
public sealed class KernelConnectTests
{
    private const int ECONNRESET = 104, EPERM = 1, EACCES = 13;
    private const string UnknownClientRule = "[rule network:unknown-client-to-production]";

    private LoopbackHttpServer _prod = null!, _staging = null!;
    private string _tmp = null!;

    [OneTimeSetUp]
    public void RequireRootMode()
    {
        // The programs load only as root (skipped otherwise); as root, failing to load them is a failure.
        KernelSetUp.RequireKernelConnectGuard();
    }

    [SetUp]
    public void SetUp()
    {
        _prod = new LoopbackHttpServer("127.0.0.2");
        _staging = new LoopbackHttpServer("127.0.0.3");
        _tmp = Directory.CreateTempSubdirectory("agentshell-kernel-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        _prod.Dispose();
        _staging.Dispose();
        Directory.Delete(_tmp, true);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>Python prelude: request(method, url) prints "status N", or "error ERRNO" (urllib
    /// wraps some errors in URLError, whose reason carries the errno).</summary>
    private const string PyPrelude = """
        import os, socket, urllib.request
        def request(method, url):
            try:
                r = urllib.request.urlopen(urllib.request.Request(url, method=method)); print('status', r.status)
            except Exception as e:
                print('error', getattr(getattr(e, 'reason', e), 'errno', e))

        """;

    private static string[] Python(string body) => [Repo.Python, "-c", PyPrelude + "\n" + body];

    private static string[] Options(string guard, int pauseTimeout, string[]? profiles) =>
        ["--connect-guard", guard, "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, .. (profiles ?? []).SelectMany(p => new[] { "--profile", p }), "--pause-timeout", pauseTimeout.ToString()];

    /// <summary>A run in the background, for tests that answer its pauses.</summary>
    private static BackgroundRun Background(int pauseTimeout, string[] command, string guard = "kernel", string[]? profiles = null) =>
        new(Options(guard, pauseTimeout, profiles), command);

    /// <summary>A run to completion (a pause, if any, times out after 1 s).</summary>
    private static AgentShellRunner.Result Supervise(string[] command, string guard = "kernel", string[]? profiles = null) =>
        AgentShellRunner.Run(["run", .. Options(guard, 1, profiles), "--", .. command]);

    private static string Paused(IPAddress address, int port) => $"connect {address}:{port} (production) {UnknownClientRule}";

    private static int PauseCount(string stderr) => Regex.Matches(stderr, "agentshell: paused").Count;

    private static string[] Lines(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // ---- pause at the gate: timeout, approve, deny -----------------------------------------------

    [Test]
    public void AnInterpreterDeletingOnProductionIsPausedAndResetOnTimeout()
    {
        using var run = Background(1, Python($"request('DELETE', '{_prod.Url("/volumes/1")}')"));
        run.WaitForPause();
        Assert.That(run.Stderr, Does.Contain(Paused(_prod.Address, _prod.Port)));
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo($"error {ECONNRESET}"), run.Stderr);
        Assert.That(run.Stderr, Does.Contain("no answer in 1s"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AnApprovedConnectReachesProductionAndTheSameDestinationIsNotAskedAgain()
    {
        string url = _prod.Url("/volumes/1");
        using var run = Background(30, Python($"request('DELETE', '{url}')\nrequest('DELETE', '{url}')"));
        var approve = run.Client("approve", run.WaitForPause());
        Assert.That(approve.ExitCode, Is.EqualTo(0), approve.Stderr);
        run.WaitForExit();
        Assert.That(Lines(run.Stdout), Is.EqualTo(new[] { "status 200", "status 200" }), run.Stderr);
        Assert.That(_prod.Requests.Select(r => r.Method), Is.EqualTo(new[] { "DELETE", "DELETE" }));
        // The second connect is let go by the kernel from the remembered decision.
        Assert.That(PauseCount(run.Stderr), Is.EqualTo(1), run.Stderr);
    }

    [Test]
    public void ADeniedConnectIsResetAndNothingReachesProduction()
    {
        using var run = Background(30, Python($"request('DELETE', '{_prod.Url("/volumes/1")}')"));
        var deny = run.Client("deny", run.WaitForPause());
        Assert.That(deny.ExitCode, Is.EqualTo(0), deny.Stderr);
        run.WaitForExit();
        Assert.That(run.Stdout.Trim(), Is.EqualTo($"error {ECONNRESET}"), run.Stderr);
        Assert.That(run.Stderr, Does.Match($@"agentshell: denied by .+ after \d+s: .*{Regex.Escape(Paused(_prod.Address, _prod.Port))}"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void AProfileThatBlocksUnknownClientsRefusesInTheKernelWithAMessage()
    {
        var block = Path.Combine(_tmp, "block.json");
        File.WriteAllText(block, """{ "Description": "test: block unknown clients", "Network": { "UnknownClientToProduction": "block" } }""");
        var r = Supervise(Python($"request('DELETE', '{_prod.Url("/volumes/1")}')"), profiles: [block]);
        Assert.That(r.Stdout.Trim(), Is.EqualTo($"error {EPERM}"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked python").And.Contain($"connect 127.0.0.2:{_prod.Port} (production)").And.Contain(UnknownClientRule));
        Assert.That(r.Stderr, Does.Not.Contain("agentshell: paused"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void SeccompPausesAreAnsweredWhateverTheKernelNumbersNotifications()
    {
        // Gated connects have pending ids of their own; seccomp's start at a random 64-bit value
        // per listener. When they were told apart by a bit, half of all runs never answered a paused
        // seccomp notification (the process hung). Eight runs miss that with odds of 1 in 256.
        string url = _prod.Url("/volumes/1");
        var runs = Enumerable.Range(0, 8).Select(_ => Background(1, Python($"request('DELETE', '{url}')"), "seccomp")).ToList();
        try
        {
            foreach (var run in runs)
            {
                run.WaitForExit();
                Assert.That(run.Stdout.Trim(), Is.EqualTo($"error {EPERM}"), run.Stderr);
                Assert.That(run.Stderr, Does.Contain("no answer in 1s"));
            }
            Assert.That(_prod.Requests, Is.Empty);
        }
        finally
        {
            foreach (var run in runs) run.Dispose();
        }
    }

    // ---- what passes without a pause -------------------------------------------------------------

    [Test]
    public void AnInterpreterOnStagingPassesWithoutAPause()
    {
        var r = Supervise(Python($"request('DELETE', '{_staging.Url("/volumes/1")}')"));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("status 200"), r.Stderr);
        Assert.That(_staging.Requests.Select(q => q.Method), Is.EqualTo(new[] { "DELETE" }));
        Assert.That(r.Stderr, Does.Not.Contain("agentshell: paused"));
    }

    [Test]
    public void AnUnderstoodCurlGetToProductionPassesWithoutAPause()
    {
        // curl's committed exec named production: the kernel trusts its connects.
        var r = Supervise([Repo.Which("curl"), "-s", _prod.Url("/status")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo("ok\n"));
        Assert.That(_prod.Requests.Select(q => q.Path), Is.EqualTo(new[] { "/status" }));
        Assert.That(r.Stderr, Does.Not.Contain("agentshell: paused"));
    }

    // ---- trust follows a committed exec -----------------------------------------------------------

    [TestCase("kernel", ECONNRESET)]
    [TestCase("seccomp", EPERM)]
    public void AFailedExecOfAnUnderstoodToolDoesNotTrustTheProcess(string guard, int refusedErrno)
    {
        // The supervisor lets `curl -s GET production` go, but the file cannot be executed: python
        // stays python and must not inherit curl's trust.
        var curl = Path.Combine(_tmp, "curl");
        File.Copy(Repo.Which("curl"), curl);
        File.SetUnixFileMode(curl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string url = _prod.Url("/after-failed-exec");
        var r = Supervise(Python($"""
            try:
                os.execv('{curl}', ['curl', '-s', '{url}'])
            except OSError as e:
                print('exec', e.errno)
            request('GET', '{url}')
            """), guard);
        Assert.That(Lines(r.Stdout), Is.EqualTo(new[] { $"exec {EACCES}", $"error {refusedErrno}" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(Paused(_prod.Address, _prod.Port)).And.Contain("no answer in 1s"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    // ---- datagrams, the gate range, cgroups, bpf() -------------------------------------------------

    [Test]
    public void ADatagramToProductionIsRefusedAndOneToStagingIsSent()
    {
        using var staging = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        int port = ((IPEndPoint)staging.Client.LocalEndPoint!).Port;
        var received = staging.ReceiveAsync();
        var r = Supervise(Python($"""
            for host, port in (('127.0.0.2', 9999), ('127.0.0.3', {port})):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    s.sendto(b'hello', (host, port)); print(host, 'sent')
                except OSError as e:
                    print(host, 'error', e.errno)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.connect(('127.0.0.2', 9999)); print('connect ok')
            except OSError as e:
                print('connect error', e.errno)
            """));
        // A datagram cannot wait at the gate: refused at once (sendto and a UDP connect alike).
        Assert.That(Lines(r.Stdout), Is.EqualTo(new[] { $"127.0.0.2 error {EPERM}", "127.0.0.3 sent", $"connect error {EPERM}" }), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("agentshell: blocked python").And.Contain("127.0.0.2:9999 (production)").And.Contain("a datagram cannot wait for approval").And.Contain(UnknownClientRule));
        Assert.That(r.Stderr, Does.Not.Contain("agentshell: paused"));
        Assert.That(received.Wait(TimeSpan.FromSeconds(5)), Is.True, "the datagram to staging did not arrive");
        Assert.That(received.Result.Buffer, Is.EqualTo("hello"u8.ToArray()));
    }

    // Every way to the gate: a plain connect (the kernel's programs), an address of unusual length
    // (the supervisor decides it), and the unspecified address from a socket bound in the range.
    [TestCase("s.connect(('127.254.0.7', 80))")]
    [TestCase("import ctypes; sa = ctypes.create_string_buffer(b'\\x02\\x00\\x00\\x50\\x7f\\xfe\\x00\\x07' + bytes(9)); r = ctypes.CDLL(None, use_errno=True).connect(s.fileno(), sa, 17); (r == 0) or (_ for _ in ()).throw(OSError(ctypes.get_errno(), 'connect'))")]
    [TestCase("s.bind(('127.254.0.7', 0)); s.connect(('0.0.0.0', 80))")]
    public void ATreeProcessCannotReachTheGateRangeItself(string connect)
    {
        var r = Supervise(Python($"""
            s = socket.socket()
            try:
                {connect}; print('connected')
            except OSError as e:
                print('error', e.errno)
            """));
        Assert.That(r.Stdout.Trim(), Is.EqualTo($"error {EPERM}"), r.Stderr);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void MovingToAnotherCgroupDoesNotEscapeTheGuard(bool intoFreshChild)
    {
        // The programs are attached at the root of the cgroup v2 hierarchy and membership follows
        // fork, not cgroups: neither a fresh cgroup nor the root itself is outside them.
        string root = AgentShell.Supervisor.Network.KernelConnectGuard.CgroupV2Root() ?? "";
        if (root.Length == 0) Assert.Ignore("no cgroup v2 hierarchy is mounted");
        string name = $"agentshell-test-{Guid.NewGuid():N}";
        string target = intoFreshChild ? Path.Combine(root, name) : root;
        if (intoFreshChild) Directory.CreateDirectory(target);
        try
        {
            var r = Supervise(Python($"""
                open('{target}/cgroup.procs', 'w').write(str(os.getpid()))
                print([l.strip() for l in open('/proc/self/cgroup') if l.startswith('0::')][0])
                request('GET', '{_prod.Url("/moved")}')
                """));
            string where = intoFreshChild ? "0::/" + name : "0::/";
            Assert.That(Lines(r.Stdout), Is.EqualTo(new[] { where, $"error {ECONNRESET}" }), r.Stderr);
            Assert.That(r.Stderr, Does.Contain(Paused(_prod.Address, _prod.Port)));
            Assert.That(_prod.Requests, Is.Empty);
        }
        finally
        {
            if (intoFreshChild) RemoveCgroup(target);
        }
    }

    [TestCase("kernel")]
    [TestCase("seccomp")]
    public void BpfIsRefusedInsideTheTree(string guard)
    {
        // bpf() could detach the connect programs or rewrite their maps; 321 = __NR_bpf on x86_64.
        var r = Supervise([Repo.Python, "-c", "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.syscall(321, 0, 0, 0), ctypes.get_errno())"], guard);
        Assert.That(r.Stdout.Trim(), Is.EqualTo($"-1 {EPERM}"), r.Stderr);
    }

    // ---- IPv6 --------------------------------------------------------------------------------------

    [Test]
    public void AnIpv6ProductionAddressIsPausedAndProxiedOnceApproved()
    {
        if (!Socket.OSSupportsIPv6) Assert.Ignore("no IPv6 on this machine");
        using var v6 = new LoopbackHttpServer("::1");
        var profile = Path.Combine(_tmp, "v6.json");
        File.WriteAllText(profile, """{ "Description": "test: ::1 is production", "Environments": { "production": { "Hosts": ["::1"] } } }""");
        using var run = Background(30, Python($"request('DELETE', '{v6.Url("/volumes/6")}')"), profiles: [profile]);
        run.Client("approve", run.WaitForPause());
        run.WaitForExit();
        Assert.That(run.Stderr, Does.Contain(Paused(v6.Address, v6.Port)));
        Assert.That(run.Stdout.Trim(), Is.EqualTo("status 200"), run.Stderr);
        Assert.That(v6.Requests.Select(q => (q.Method, q.Path)), Is.EqualTo(new[] { ("DELETE", "/volumes/6") }));
    }

    [Test]
    public void AV4MappedAddressOnAnIpv6SocketIsTheSameProductionAddress()
    {
        if (!Socket.OSSupportsIPv6) Assert.Ignore("no IPv6 on this machine");
        var r = Supervise(Python($"""
            s = socket.socket(socket.AF_INET6)
            try:
                s.connect(('::ffff:127.0.0.2', {_prod.Port}))
                s.sendall(b'DELETE /volumes/1 HTTP/1.0\r\n\r\n'); print('reply', s.recv(100))
            except OSError as e:
                print('error', e.errno)
            """));
        Assert.That(r.Stdout.Trim(), Is.EqualTo($"error {ECONNRESET}"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(Paused(_prod.Address, _prod.Port)).And.Contain("no answer in 1s"));
        Assert.That(_prod.Requests, Is.Empty);
    }

    // ---- the option itself -------------------------------------------------------------------------

    [Test]
    public void KernelModeAsAnOrdinaryUserRefusesToStartAndRunsNothing()
    {
        // nobody can write here, so a missing file means the command was not run.
        File.SetUnixFileMode(_tmp, (UnixFileMode)0x1ff);
        string agentshell = OtherUser.Nobody(_tmp).AgentShell();
        string made = Path.Combine(_tmp, "made");
        var kernel = RunAsNobody(agentshell, "kernel", made);
        Assert.That(kernel.ExitCode, Is.EqualTo(125), kernel.Stderr);
        Assert.That(kernel.Stderr, Does.Contain("--connect-guard kernel: not running as root").And.Contain("nothing was run"));
        Assert.That(File.Exists(made), Is.False, "the command ran although the run refused to start");
        // The same as nobody under seccomp runs it: the refusal above is root mode's, not the setup's.
        var seccomp = RunAsNobody(agentshell, "seccomp", made);
        Assert.That(seccomp.ExitCode, Is.EqualTo(0), seccomp.Stderr);
        Assert.That(File.Exists(made), Is.True, seccomp.Stderr);
    }

    [Test]
    public void ASystemProfileDirectoryTheUserCannotReadRunsNothing()
    {
        // Its profiles may be stricter than the rest: running without them would weaken the policy.
        File.SetUnixFileMode(_tmp, (UnixFileMode)0x1ff);
        string agentshell = OtherUser.Nobody(_tmp).AgentShell();
        string system = Path.Combine(_tmp, "etc-agentshell");
        Directory.CreateDirectory(system);
        File.SetUnixFileMode(system, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // root only
        string made = Path.Combine(_tmp, "made");
        var env = new Dictionary<string, string> { ["AGENTSHELL_SYSTEM_PROFILES_DIR"] = system };
        var r = OtherUser.Nobody(_tmp).Run(env, agentshell, "run", "--connect-guard", "seccomp", "--", "/bin/sh", "-c", $"touch {made}");
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("the profile directory cannot be read").And.Contain("nothing was run"));
        Assert.That(File.Exists(made), Is.False, "the command ran without the system profiles");
        // The look-alike: the same directory readable runs it.
        File.SetUnixFileMode(system, (UnixFileMode)0x1ed); // 0755
        var ok = OtherUser.Nobody(_tmp).Run(env, agentshell, "run", "--connect-guard", "seccomp", "--", "/bin/sh", "-c", $"touch {made}");
        Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Stderr);
        Assert.That(File.Exists(made), Is.True, ok.Stderr);
    }

    [Test]
    public void AnUnknownConnectGuardIsAUsageError()
    {
        string made = Path.Combine(_tmp, "made");
        var r = AgentShellRunner.Run(["run", "--connect-guard", "bogus", "--", "/bin/sh", "-c", $"touch {made}"]);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stderr); // Program.UsageError
        Assert.That(r.Stderr, Does.Contain("--connect-guard must be auto, kernel or seccomp, not 'bogus'"));
        Assert.That(File.Exists(made), Is.False);
    }

    // ---- helpers for the cgroup and non-root tests -------------------------------------------------

    private static void RemoveCgroup(string dir)
    {
        // The moved process has exited, but the kernel may take a moment to empty the cgroup.
        for (int i = 0; i < 50; i++)
        {
            try { Directory.Delete(dir); return; }
            catch (IOException) { Thread.Sleep(20); }
        }
    }

    private AgentShellRunner.Result RunAsNobody(string agentshell, string guard, string made)
    {
        // The audit log's directory is protected from the tree (read-only in it): not the one the command writes to.
        string audit = Path.Combine(_tmp, $"audit-{guard}");
        Directory.CreateDirectory(audit);
        File.SetUnixFileMode(audit, (UnixFileMode)0x1ff);
        return OtherUser.Nobody(_tmp).Run(null, agentshell, "run", "--audit", Path.Combine(audit, "audit.jsonl"), "--connect-guard", guard, "--", "/bin/sh", "-c", $"touch {made}");
    }

    [Test]
    public void InANestedPidNamespaceTheKernelGuardIsNotUsed()
    {
        // The programs see the kernel's pids, a container's supervisor its own: they would guard
        // nothing. Asked for, it refuses to start; auto falls back to seccomp (and still guards).
        var r = AgentShellRunner.Run(["run", "--connect-guard", "kernel", "--", "/bin/true"], env: null);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        // sh stays pid 1 of the new namespace; agentshell runs below it, as in a container.
        var nested = Run("unshare", "-pf", "--mount-proc", "sh", "-c", "\"$@\"; exit $?", "sh", Repo.AgentShell, "run", "--connect-guard", "kernel", "--", "/bin/true");
        Assert.That(nested.Code, Is.EqualTo(125), nested.Err);
        Assert.That(nested.Err, Does.Contain("nested pid namespace"));
        var auto = Run("unshare", "-pf", "--mount-proc", "sh", "-c", "\"$@\"; exit $?", "sh", Repo.AgentShell, "run", "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--pause-timeout", "1", "--", Repo.Python, "-c",
            $"import socket\ntry:\n    socket.create_connection(('127.0.0.2', {_prod.Port}), timeout=3).sendall(b'GET /nested HTTP/1.0\\r\\n\\r\\n'); print('sent')\nexcept OSError as e:\n    print('error', e.errno)");
        Assert.That(auto.Err, Does.Contain("connects are decided by seccomp notification"));
        Assert.That(auto.Out.Trim(), Is.EqualTo($"error {EPERM}"), auto.Err);
        Assert.That(_prod.Requests, Is.Empty);
    }

    [Test]
    public void ProcessesThatOutrunTheTeardownStayGuarded()
    {
        // A background process that keeps forking (each parent exits at once) races the teardown;
        // whatever survives it must still be guarded after the run ends.
        var result = Path.Combine(_tmp, "hop.out");
        var hop = $"import os, time, socket\nend = time.time() + 3\nwhile time.time() < end:\n    if os.fork(): os._exit(0)\ntime.sleep(1)\n" +
                  $"try:\n    socket.create_connection(('127.0.0.2', {_prod.Port}), timeout=2).sendall(b'GET /hop HTTP/1.0\\r\\n\\r\\n'); r = 'sent'\nexcept OSError as e:\n    r = f'error {{e.errno}}'\nopen('{result}', 'w').write(r)";
        var script = Path.Combine(_tmp, "hop.py");
        File.WriteAllText(script, hop);
        var block = Path.Combine(_tmp, "block.json");
        File.WriteAllText(block, """{ "Description": "test: block unknown clients", "Network": { "UnknownClientToProduction": "block" } }""");
        var r = AgentShellRunner.Run(["run", "--connect-guard", "kernel", "--profile", Repo.WireOffProfile, "--profile", Repo.DemoProfile, "--profile", block, "--", "sh", "-c", $"{Repo.Python} {script} </dev/null >/dev/null 2>&1 & sleep 0.3"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Thread.Sleep(5000); // the hopper's connect, if it survived
        Assert.That(_prod.Requests, Is.Empty);
        if (File.Exists(result)) Assert.That(File.ReadAllText(result), Does.StartWith("error"));
    }

    private static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.That(p.WaitForExit(60_000), Is.True);
        return (p.ExitCode, o.Result, e.Result);
    }
}
