using System.Diagnostics;
using AgentShell.Core.Classification;
using AgentShell.Core.Config;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tests.Config;

/// <summary><c>check</c> and the agent hooks read this machine's files: a FIFO, a socket or a
/// device in a config file's or a body file's place hands the tool what a writer sends when it
/// runs. It must neither hang the check (nothing writes to it then) nor pass for an empty file.</summary>
public class LocalFilesTests
{
    private string _home = null!;

    [SetUp] public void SetUp() => _home = Directory.CreateTempSubdirectory("agentshell-localfiles-").FullName;

    [TearDown] public void TearDown() => Directory.Delete(_home, recursive: true);

    private string Fifo(string name)
    {
        var p = Path.Combine(_home, name);
        using var mk = Process.Start("mkfifo", p)!;
        mk.WaitForExit();
        Assert.That(mk.ExitCode, Is.Zero, "mkfifo");
        return p;
    }

    private CommandIntent Classify(params string[] argv) =>
        new CommandClassifier().Classify(argv, new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _home }, _home, new ConfigFileCache())).Single();

    [Test, CancelAfter(10_000)]
    public void ACurlrcThatIsAFifoMakesTheEffectUnknown()
    {
        // On main: zero length, taken for an empty .curlrc, and a plain GET allowed; curl then read
        // `request = DELETE` from the agent's writer.
        Fifo(".curlrc");
        Assert.That(Classify("curl", "https://api.example.net/v1/volumes/1").Effect, Is.EqualTo(Effect.Unknown));
        // -q: curl does not read it, so neither does the check.
        Assert.That(Classify("curl", "-q", "https://api.example.net/v1/volumes/1").Effect, Is.EqualTo(Effect.Read));
    }

    [Test]
    public void ACurlrcLinkedToADeviceMakesTheEffectUnknown()
    {
        File.CreateSymbolicLink(Path.Combine(_home, ".curlrc"), "/dev/zero");
        Assert.That(Classify("curl", "https://api.example.net/v1/volumes/1").Effect, Is.EqualTo(Effect.Unknown));
    }

    [Test]
    public void AnEmptyRegularCurlrcIsEmpty()
    {
        File.WriteAllText(Path.Combine(_home, ".curlrc"), "");
        Assert.That(Classify("curl", "https://api.example.net/v1/volumes/1").Effect, Is.EqualTo(Effect.Read));
    }

    [Test, CancelAfter(10_000)]
    public void ABodyFromAFifoIsNotRead()
    {
        const string url = "https://backboard.railway.app/graphql/v2";
        File.WriteAllText(Path.Combine(_home, "q.json"), """{"query":"query { me { id } }"}""");
        Assert.That(Classify("curl", "-H", "Content-Type: application/json", "-d", "@q.json", url).Effect, Is.EqualTo(Effect.Read));
        Fifo("m.json");
        Assert.That(Classify("curl", "-H", "Content-Type: application/json", "-d", "@m.json", url).Effect, Is.Not.EqualTo(Effect.Read));
    }

    [Test, CancelAfter(10_000)]
    public void ReadingAFifoNeitherBlocksNorReturnsContent()
    {
        var fifo = Fifo("f");
        Assert.That(LocalFiles.Read(fifo, 100, out var bytes), Is.EqualTo(LocalFiles.Outcome.NotRegular));
        Assert.That(bytes, Is.Null);
        Assert.That(new LocalExecContext(null, _home).ReadFile("f", 100), Is.Null);
        Assert.That(LocalFiles.Read(Path.Combine(_home, "absent"), 100, out _), Is.EqualTo(LocalFiles.Outcome.Missing));
        File.WriteAllText(Path.Combine(_home, "r"), "abc");
        Assert.That(LocalFiles.Read(Path.Combine(_home, "r"), 100, out bytes), Is.EqualTo(LocalFiles.Outcome.Read));
        Assert.That(bytes, Is.EqualTo("abc"u8.ToArray()));
        Assert.That(LocalFiles.Read(Path.Combine(_home, "r"), 2, out bytes), Is.EqualTo(LocalFiles.Outcome.Read));
        Assert.That(bytes, Is.EqualTo("ab"u8.ToArray()));
    }

    [Test]
    public void ACurlrcRewrittenInPlaceWithItsTimeSetBackIsReadAgain()
    {
        // Same inode, same size, the modification time set back: only the change time (which no
        // one can set back) tells the cached content is stale. On main the stamp was the path's
        // birth time, modification time and size, so the harmless first content stood.
        string rc = Path.Combine(_home, ".curlrc");
        const string Get = "request = GET\n# padding\n", Delete = "request = DELETE\n# padd\n";
        Assert.That(Get.Length, Is.EqualTo(Delete.Length));
        var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = _home }, _home, new ConfigFileCache());
        var classifier = new CommandClassifier();
        File.WriteAllText(rc, Get);
        var written = File.GetLastWriteTimeUtc(rc);
        Assert.That(classifier.Classify(["curl", "https://api.example.net/v1/volumes/1"], ctx).Single().Effect, Is.EqualTo(Effect.Read));
        Thread.Sleep(50); // past the file system's clock tick
        using (var f = new FileStream(rc, FileMode.Open, FileAccess.Write)) f.Write(System.Text.Encoding.ASCII.GetBytes(Delete));
        File.SetLastWriteTimeUtc(rc, written);
        ctx.NextDecision();
        Assert.That(classifier.Classify(["curl", "https://api.example.net/v1/volumes/1"], ctx).Single().Effect, Is.EqualTo(Effect.Delete));
    }
}
