namespace AgentShell.Supervisor.Tests;

/// <summary>The file and credential wrappers of Interop/, against what .NET and /proc report.</summary>
[TestFixture]
public sealed class InteropFilesTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("agentshell-files-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void StatFollowsALinkAndLStatDoesNot()
    {
        string file = Path.Combine(_dir, "f"), link = Path.Combine(_dir, "l");
        File.WriteAllText(file, "12345");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.CreateSymbolicLink(link, file);

        Assert.That(Interop.Files.TryStat(link, out var viaLink), Is.True);
        Assert.That(Interop.Files.TryStat(file, out var direct), Is.True);
        Assert.That(Interop.Files.TryLStat(link, out var theLink), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(viaLink.Identity, Is.EqualTo(direct.Identity));
            Assert.That(direct.IsRegular, Is.True);
            Assert.That(direct.Size, Is.EqualTo(5));
            Assert.That(direct.Permissions, Is.EqualTo(0b110_100_000u)); // 0640
            Assert.That(direct.Uid, Is.EqualTo(Interop.Process.GetUid()));
            Assert.That(direct.MtimeSec, Is.EqualTo(new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeSeconds()));
            // The look-alike: the link itself is another file, and not a regular one.
            Assert.That(theLink.Identity, Is.Not.EqualTo(direct.Identity));
            Assert.That(theLink.IsRegular, Is.False);
        });
    }

    [Test]
    public void FStatSeesTheFileOpenedNotWhatThePathNamesNow()
    {
        string file = Path.Combine(_dir, "f");
        File.WriteAllText(file, "first");
        int fd = Interop.Files.Open(file, Interop.Files.ReadOnlyNoWait, out var errno);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), errno.ToString());
        try
        {
            Assert.That(Interop.Files.TryStat(file, out var before), Is.True);
            File.Delete(file);
            File.WriteAllText(file, "replaced");
            Assert.That(Interop.Files.TryFStat(fd, out var opened), Is.True);
            Assert.That(Interop.Files.TryStat(file, out var now), Is.True);
            Assert.That(opened.Identity, Is.EqualTo(before.Identity));
            Assert.That(now.Identity, Is.Not.EqualTo(before.Identity));
            Span<byte> buf = stackalloc byte[16];
            Assert.That(Interop.Files.Read(fd, buf, out _), Is.EqualTo(5));
        }
        finally { Interop.Libc.close(fd); }
    }

    [Test]
    public void WhatIsNotThereIsAnErrnoOrFalse()
    {
        string missing = Path.Combine(_dir, "missing");
        Assert.Multiple(() =>
        {
            Assert.That(Interop.Files.TryStat(missing, out _), Is.False);
            Assert.That(Interop.Files.TryLStat(missing, out _), Is.False);
            Assert.That(Interop.Files.TryFStat(-1, out _), Is.False);
            Assert.That(Interop.Files.Open(missing, Interop.Files.ReadOnlyNoWait, out var errno), Is.EqualTo(-1));
            Assert.That(errno, Is.EqualTo(Errno.ENOENT));
            Assert.That(Interop.Files.TryStat(_dir, out var dir) && dir.IsDirectory && !dir.IsRegular, Is.True);
        });
    }

    [Test]
    public void TheCredentialsAreThoseProcReports()
    {
        var uids = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        var stat = File.ReadAllText("/proc/self/stat");
        int pgrp = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(Interop.Process.GetUid(), Is.EqualTo(uint.Parse(uids[1], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Interop.Process.GetEffectiveUid(), Is.EqualTo(uint.Parse(uids[2], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Interop.Process.GetProcessGroup(), Is.EqualTo(pgrp));
        });
    }

    [Test]
    public void AUserNameIsLookedUpAndAnUnknownUidHasNone()
    {
        Assert.That(Interop.Process.TryGetUserName(0, out var root), Is.True);
        Assert.That(root, Is.EqualTo("root"));
        Assert.That(Interop.Process.TryGetUserName(3_999_999_999, out _), Is.False);
    }
}
