namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>OPEN. An interpreted tool is trusted with production by its script's file (and its
/// interpreter's), but the interpreter runs code from many more files, several of them writable by
/// the tree: Python's user site (<c>~/.local/lib/pythonX.Y/site-packages</c>: <c>usercustomize.py</c>,
/// <c>*.pth</c>, a package that shadows the tool's own), the script's directory, node's
/// <c>node_modules</c> chain. Here <c>http</c> (httpie's name) is a Python script on PATH, as pip
/// installs it; the tree writes a <c>usercustomize.py</c> and the trusted `http GET` sends a DELETE.
/// Delivered on main 4d7a276 and on this branch, both modes (wire off, as every trust-at-exec
/// attack is run; with the wire on, plain HTTP is decided per request, and HTTPS too when the tool
/// trusts the run CA, which botocore-based tools with their own bundle do not).</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class InterpretedToolTests(string guard) : TrustAtExecFixture(guard)
{
    [Test]
    [Explicit("open: an interpreted tool's trust covers only its script and interpreter, not the modules the interpreter loads from paths the tree can write")]
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
        Assert.That(r.Stdout, Does.StartWith("200"), $"the untouched tool went through first\n{r.Stderr}");
        Assert.That(Prod.Requests.Where(q => q.Method != "GET").Select(q => $"{q.Method} {q.Path}"), Is.Empty, r.Stderr);
    }
}
