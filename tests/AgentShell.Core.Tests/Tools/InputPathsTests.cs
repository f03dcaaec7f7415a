using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Tests.Tools;

public class InputPathsTests
{
    [TestCase("/dev/stdin", null, InputPaths.Kind.Stdin)]
    [TestCase("/dev/fd/0", null, InputPaths.Kind.Stdin)]
    [TestCase("/proc/self/fd/0", null, InputPaths.Kind.Stdin)]
    [TestCase("/proc/thread-self/fd/0", null, InputPaths.Kind.Stdin)]
    [TestCase("//dev//./stdin", null, InputPaths.Kind.Stdin)]
    [TestCase("/tmp/../dev/fd/0", null, InputPaths.Kind.Stdin)]
    [TestCase("stdin", "/dev", InputPaths.Kind.Stdin)]
    [TestCase("../dev/stdin", "/tmp", InputPaths.Kind.Stdin)]
    [TestCase("/dev/fd/63", null, InputPaths.Kind.Special)]
    [TestCase("/proc/1234/fd/0", null, InputPaths.Kind.Special)]
    [TestCase("/proc/self/environ", null, InputPaths.Kind.Special)]
    [TestCase("/dev/tcp/10.0.0.1/5432", null, InputPaths.Kind.Special)]
    [TestCase("/sys/kernel/x", null, InputPaths.Kind.Special)]
    [TestCase("/devices/x.sql", null, InputPaths.Kind.File)]
    [TestCase("drop.sql", "/home/dev/app", InputPaths.Kind.File)]
    [TestCase("-", null, InputPaths.Kind.File)]
    public void NamesOfStdinAndOfDescriptorsAreRecognised(string path, string? cwd, InputPaths.Kind kind) =>
        Assert.That(InputPaths.Classify(path, cwd), Is.EqualTo(kind));

    [Test]
    public void DashIsStdinWhereTheToolSaysSo() =>
        Assert.That(InputPaths.Classify("-", null, dashIsStdin: true), Is.EqualTo(InputPaths.Kind.Stdin));

    [Test]
    public void AFileLargerThanAParserReadsIsNotReadAtAll()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-input-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "big.sql"), new string(' ', ToolHelp.MaxFileBytes) + "DROP TABLE t;");
            File.WriteAllText(Path.Combine(dir.FullName, "small.sql"), "DROP TABLE t;");
            var ctx = new LocalExecContext(new Dictionary<string, string>(), dir.FullName);
            Assert.That(ToolHelp.ReadText(ctx, "big.sql"), Is.Null);
            Assert.That(ToolHelp.ReadText(ctx, "small.sql"), Is.EqualTo("DROP TABLE t;"));
        }
        finally { dir.Delete(true); }
    }
}
