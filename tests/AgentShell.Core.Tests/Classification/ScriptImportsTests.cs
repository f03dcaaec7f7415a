using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Tests.Corpus;

namespace AgentShell.Core.Tests.Classification;

/// <summary>corpus28: the local modules a script file imports (ScriptImports), read as the script is.</summary>
[TestFixture]
public sealed class ScriptImportsTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("agentshell-imports-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, true);

    private void Write(string rel, string text)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
    }

    private IReadOnlyList<CommandIntent> Classify(string line) => new CommandClassifier().ClassifyShell(line, CorpusFixture.Context(_dir));

    private const string Delete = "import os\nos.system('kubectl --context prod-eu delete ns payments')\n";

    [TestCase("from .wipe import go\n", "wipe.py")]
    [TestCase("import util, wipe as w\n", "wipe.py")]
    [TestCase("from pkg.sub import wipe\n", "pkg/sub/wipe.py")]
    [TestCase("from pkg import (\n  wipe,\n)\n", "pkg/wipe.py")]
    [TestCase("from wipe import *\n", "wipe/__init__.py")]
    [TestCase("import wipe; wipe.go()\n", "wipe.py")]
    [TestCase("import\twipe\n", "wipe.py")]
    [TestCase("from\twipe\timport\tgo\n", "wipe.py")]
    [TestCase("from wipe import(go)\n", "wipe.py")]
    [TestCase("import os, sys, json, re, time, logging, argparse, datetime\nfrom wipe import go\n", "wipe.py")]
    public void APythonImportBesideTheScriptIsRead(string job, string module)
    {
        Write("job.py", job);
        Write(module, Delete);
        Assert.That(Classify("python3 job.py").Any(i => i.Tool == "kubectl" && i.Effect == Effect.Wipe), Is.True);
    }

    [TestCase("const w = require('./wipe');\n", "wipe.cjs")]
    [TestCase("import w from \"./lib/wipe.js\";\n", "lib/wipe.js")]
    [TestCase("export * from './lib';\n", "lib/index.js")]
    [TestCase("const w = await import('../up/wipe.ts');\n", "../up/wipe.ts")]
    [TestCase("require('./config'); require('./data'); require('./wipe');\n", "wipe.js")]
    public void ANodeRelativeImportIsRead(string job, string module)
    {
        Write("sub/job.mjs", job);
        Write(Path.Combine("sub", module), "require('child_process').execSync('kubectl --context prod-eu delete ns payments');\n");
        Assert.That(Classify("node sub/job.mjs").Any(i => i.Tool == "kubectl" && i.Effect == Effect.Wipe), Is.True);
    }

    [Test]
    public void APackageIsNotReadAndAChainStopsAtTheBound()
    {
        Write("pkgjob.js", "const w = require('wipe');\n");
        Write("node_modules/wipe/index.js", "require('child_process').execSync('kubectl --context prod-eu delete ns payments');\n");
        Assert.That(Classify("node pkgjob.js").Any(i => i.Effect >= Effect.Delete), Is.False, "a package is not beside the script");
        for (int k = 0; k < ScriptImports.MaxFiles + 4; k++) Write($"m{k}.py", $"import m{k + 1}\n");
        Write($"m{ScriptImports.MaxFiles + 4}.py", Delete);
        Assert.That(Classify("python3 m0.py").Any(i => i.Effect >= Effect.Delete), Is.False, "past the bound nothing more is read");
        Write("m3.py", Delete);
        Assert.That(Classify("python3 m0.py").Any(i => i.Tool == "kubectl" && i.Effect == Effect.Wipe), Is.True);
    }

    [Test]
    public void ImportCyclesEnd()
    {
        Write("a.py", "import b\n");
        Write("b.py", "import a\nimport requests\nrequests.get('https://api.prod.example.com/v1/x')\n");
        Assert.That(Classify("python3 a.py").Any(i => i.Effect >= Effect.Delete), Is.False);
    }

    /// <summary>review42 F3: a parenthesised list was joined with += and a Contains over the whole
    /// join per line (49 s on a 260 KB file). It is joined once, bounded, and what follows is still read.</summary>
    [Test]
    public void AHugeImportListIsReadInLinearTime()
    {
        Write("job.py", "from x import (\n" + string.Concat(Enumerable.Repeat("a\n", 120_000)));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(Classify("python3 job.py").Any(i => i.Effect >= Effect.Delete), Is.False);
        Assert.That(sw.ElapsedMilliseconds, Is.LessThan(3000));
        Write("job2.py", "from x import (\n a,\n b)\nfrom wipe import go\n");
        Write("wipe.py", Delete);
        Assert.That(Classify("python3 job2.py").Any(i => i.Tool == "kubectl" && i.Effect == Effect.Wipe), Is.True);
    }
}
