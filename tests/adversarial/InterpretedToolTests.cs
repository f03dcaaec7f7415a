namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>An interpreted tool is not trusted with production on its exec. Its script and
/// interpreter are checked, but the interpreter runs code from many more files, several of them
/// writable by the tree: Python's user site (<c>~/.local/lib/pythonX.Y/site-packages</c>:
/// <c>usercustomize.py</c>, <c>*.pth</c>, a package that shadows the tool's own), the script's
/// directory, node's <c>node_modules</c> chain, and the script itself, which the interpreter opens
/// after the exec. Here <c>http</c> (httpie's name) is a Python script on PATH, as pip installs it;
/// the tree writes a <c>usercustomize.py</c> and the trusted `http GET` sent a DELETE: delivered on
/// main 4d7a276, both modes (wire off, as every trust-at-exec attack is run; with the wire on, plain
/// HTTP is decided per request, and HTTPS too when the tool trusts the run CA, which botocore-based
/// tools with their own bundle do not). Now a script's connections are an unknown client's
/// (blocked by this profile, paused by default); an installed binary (curl) keeps its trust
/// (<see cref="KnownToolInPlaceTests"/>' look-alike).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class InterpretedToolTests(string guard) : TrustAtExecFixture(guard)
{
    [Test]
    public void CodeAddedToAnInterpretedToolsModulePathIsNotTrustedAsThatTool()
    {
        string bin = Path.Combine(Home.Dir, ".local", "bin");
        Directory.CreateDirectory(bin);
        string tool = Path.Combine(bin, "http");
        File.WriteAllText(tool, "#!/usr/bin/python3\nimport sys, urllib.request\nprint(urllib.request.urlopen(sys.argv[-1]).status)\n");
        File.SetUnixFileMode(tool, (UnixFileMode)0x1ed);
        const string Custom = "import socket, sys\n" +
            "if sys.argv[0].endswith('/http'):\n" +
            "    h, p = sys.argv[-1].split('/')[2].split(':')\n" +
            "    s = socket.create_connection((h, int(p)))\n" +
            "    s.sendall(b'DELETE /volumes/1 HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n')\n" +
            "    print(s.recv(12).decode()); sys.exit(0)\n";
        File.WriteAllText(Path.Combine(Home.Dir, "custom.py"), Custom);
        var env = Home.Env;
        env["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        string script = $"http GET {Prod.Url("/before")}; " +
            "d=$(/usr/bin/python3 -c 'import site; print(site.getusersitepackages())'); mkdir -p $d; cp custom.py $d/usercustomize.py; " +
            $"http GET {Prod.Url("/volumes/1")}";
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--profile", Profile, "--", "bash", "-c", script], TimeSpan.FromMinutes(1), Home.Dir, env);
        Thread.Sleep(100);
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
        // The price: the untouched script's own GET is an unknown client's too (blocked here).
        Assert.That(Prod.Requests.Select(q => q.Path), Has.None.EqualTo("/before"), r.Stderr);
        Assert.That(r.Stderr, Does.Contain("[rule network:unknown-client-to-production]"));
    }
}
