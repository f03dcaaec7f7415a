using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>Root mode's pool of pre-loaded programs, with the real kernel: a run claims an entry
/// once, and any entry that is not exactly what this build would load, unused and root's alone, is
/// discarded (the run then loads its own) — never attached.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BpfPoolTests
{
    private static string ObjectPath => Path.Combine(Repo.Root, "bin", "agentshell-connect.bpf.o");

    private string _key = "";

    [SetUp]
    public void Empty()
    {
        if (Interop.Process.GetEffectiveUid() != 0) Assert.Ignore("the pool is root mode's: needs root");
        if (!File.Exists(ObjectPath)) Assert.Ignore($"{ObjectPath} is not built (make)");
        if (BpfInstaller.Unavailable(ObjectPath, out _) is string why) Assert.Ignore($"root mode is not available here: {why}");
        _key = BpfPool.Key(ObjectPath);
        // A pool of this test's own: root runs of the other test projects claim from and refill the
        // real one at the same time (scripts/test.sh runs two projects at once).
        BpfPool.Root = Path.Combine(BpfInstaller.PinRoot, $"pool-test-{Environment.ProcessId}");
        foreach (var e in Entries()) Directory.Delete(e, recursive: true);
        Assert.That(BpfPool.Refill(ObjectPath, TextWriter.Null), Is.EqualTo(0));
        Assert.That(Entries(), Has.Length.EqualTo(BpfPool.Target), "the refill fills the pool");
    }

    [TearDown]
    public void Clean()
    {
        if (_key.Length > 0 && Directory.Exists(BpfPool.Root)) Directory.Delete(BpfPool.Root, recursive: true);
        BpfPool.Root = BpfPool.DefaultRoot;
    }

    private string[] Entries() => Directory.Exists(BpfPool.Root) ? Directory.GetDirectories(BpfPool.Root, _key + "-*") : [];

    private BpfProgramSet? Claim(out string? discarded) => BpfPool.TryClaim(ObjectPath, out discarded);

    /// <summary>Leaves one entry in the pool, the one to tamper with.</summary>
    private string OnlyEntry()
    {
        using (Claim(out _)) { }
        return Entries().Single();
    }

    [Test]
    public void AnEntryIsClaimedByOneRunOnlyAndHoldsTheObjectsProgramsAndMaps()
    {
        var shape = BpfObjectShape.Read(ObjectPath)!;
        using var first = Claim(out string? discarded);
        Assert.That(first, Is.Not.Null, discarded);
        Assert.That(first!.Programs.Select(p => p.Name), Is.EquivalentTo(shape.Programs.Select(p => p.Name)));
        Assert.That(first.Maps.Keys, Is.EquivalentTo(shape.Maps.Select(m => m.Name)));
        Assert.That(Entries(), Has.Length.EqualTo(BpfPool.Target - 1), "a claimed entry leaves the pool");
        Assert.That(new BpfMaps(first), Is.Not.Null, "the run's maps are found in it");
        using var second = Claim(out _);
        Assert.That(second, Is.Not.Null);
        Assert.That(second!.Maps["tree"], Is.Not.EqualTo(first.Maps["tree"]));
        Assert.That(BpfPoolEntry.MapInfoOf(second.Maps["tree"]).Id, Is.Not.EqualTo(BpfPoolEntry.MapInfoOf(first.Maps["tree"]).Id), "two runs never share a set");
        Assert.That(Claim(out discarded), Is.Null, "an empty pool: the run loads its own");
        Assert.That(discarded, Is.Null);
    }

    [Test]
    public void AnEntryWhoseProgramTagDiffersFromItsLoadIsDiscarded()
    {
        string entry = OnlyEntry();
        string manifest = Path.Combine(entry, "manifest");
        string text = new FileInfo(manifest).LinkTarget!;
        string tag = text.Split(' ').First(w => w.StartsWith("on_exec=", StringComparison.Ordinal));
        File.Delete(manifest);
        File.CreateSymbolicLink(manifest, text.Replace(tag, "on_exec=0000000000000000", StringComparison.Ordinal));
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("tag"));
        Assert.That(Entries(), Is.Empty, "a discarded entry is removed");
    }

    [Test]
    public void AnEntryHoldingAnotherRunsStateIsDiscarded()
    {
        string entry = OnlyEntry();
        int tree = bpf_obj_get(Path.Combine(entry, "map_tree"));
        Assert.That(tree, Is.GreaterThanOrEqualTo(0));
        try { Interop.Bpf.Update(tree, 4242u, (byte)1); }
        finally { Interop.Libc.close(tree); }
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("another run's state"));
    }

    [Test]
    public void AnEntryWithAConfigurationWrittenIsDiscarded()
    {
        // The look-alike of an empty map: an array always has its keys, so its values are read.
        string entry = OnlyEntry();
        int conf = bpf_obj_get(Path.Combine(entry, "map_conf"));
        try { Interop.Bpf.Update(conf, 0u, new BpfMaps.Config { GatePort = 1, Ready = 1 }); }
        finally { Interop.Libc.close(conf); }
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("map conf"));
    }

    [Test]
    public void AnEntryOthersCouldChangeIsDiscarded()
    {
        string entry = OnlyEntry();
        File.SetUnixFileMode(entry, (UnixFileMode)0x1ED); // 0755
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("not root's alone"));
    }

    [Test]
    public void AProgramPinnedUnderAnotherProgramsNameIsDiscarded()
    {
        string entry = OnlyEntry();
        int connect6 = bpf_obj_get(Path.Combine(entry, "prog_connect6"));
        try
        {
            File.Delete(Path.Combine(entry, "prog_connect4"));
            Assert.That(bpf_obj_pin(connect6, Path.Combine(entry, "prog_connect4")), Is.EqualTo(0));
        }
        finally { Interop.Libc.close(connect6); }
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("connect4"));
    }

    [Test]
    public void AMapOfAnotherLoadPinnedInTheEntryIsDiscarded()
    {
        // Same type, sizes and emptiness: only the programs' own map ids tell it apart.
        string[] both = Entries();
        File.Delete(Path.Combine(both[0], "map_tree"));
        int other = bpf_obj_get(Path.Combine(both[1], "map_tree"));
        try { Assert.That(bpf_obj_pin(other, Path.Combine(both[0], "map_tree")), Is.EqualTo(0)); }
        finally { Interop.Libc.close(other); }
        Directory.Delete(both[1], recursive: true);
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("maps outside the entry"));
    }

    [Test]
    public void AnEntryMadeForAnotherObjectOrBootIsNotClaimed()
    {
        string entry = OnlyEntry();
        string foreign = Path.Combine(BpfPool.Root, new string('0', 32) + "-test");
        Directory.Move(entry, foreign);
        try
        {
            Assert.That(Claim(out string? discarded), Is.Null);
            Assert.That(discarded, Is.Null, "not claimed at all");
            Assert.That(Directory.Exists(foreign), "left for the build it was made for");
        }
        finally { Directory.Delete(foreign, recursive: true); }
    }

    [Test]
    public void AnEntryWithoutItsManifestIsDiscarded()
    {
        // A refill that died before writing the manifest leaves no trusted entry behind.
        string entry = OnlyEntry();
        File.Delete(Path.Combine(entry, "manifest"));
        Assert.That(Claim(out string? discarded), Is.Null);
        Assert.That(discarded, Does.Contain("pins"));
    }
}
