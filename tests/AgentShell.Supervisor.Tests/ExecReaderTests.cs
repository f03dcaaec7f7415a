using System.Runtime.InteropServices;
using System.Text;
using AgentShell.Core.Model;

namespace AgentShell.Supervisor.Tests;

/// <summary>ExecReader reads an exec's filename and argv with process_vm_readv, batched
/// (<see cref="ExecReader.ReadExec"/>): every case is read from this process's own memory, laid out
/// in pages it controls, and must give what the plain one-read-per-string way gives (ReadFilename
/// then ReadVector): the same bytes, or the same failure.</summary>
[TestFixture]
public sealed unsafe class ExecReaderTests
{
    private const int Page = 4096, PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint addr, nuint length);

    [DllImport("libc", SetLastError = true)]
    private static extern int mprotect(nint addr, nuint length, int prot);

    private readonly List<(nint At, nuint Length)> _maps = [];

    [TearDown]
    public void TearDown()
    {
        foreach (var (at, length) in _maps) munmap(at, length);
        _maps.Clear();
    }

    /// <summary><paramref name="pages"/> readable pages followed by one that is not.</summary>
    private byte* Pages(int pages)
    {
        nuint length = (nuint)((pages + 1) * Page);
        nint at = mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        Assert.That(at, Is.Not.EqualTo((nint)(-1)), "mmap");
        _maps.Add((at, length));
        Assert.That(mprotect(at + pages * Page, Page, PROT_NONE), Is.Zero, "mprotect");
        return (byte*)at;
    }

    /// <summary>Lays out <paramref name="strings"/> (null: a pointer to the unreadable page) and a
    /// NULL-terminated pointer array; returns the array's address.</summary>
    private ulong Vector(params string?[] strings)
    {
        int bytes = strings.Sum(s => s == null ? 0 : Encoding.UTF8.GetByteCount(s) + 1);
        byte* text = Pages(bytes / Page + 1);
        byte* unreadable = text + (bytes / Page + 1) * Page;
        ulong* ptrs = (ulong*)Pages((strings.Length + 1) * 8 / Page + 1);
        byte* at = text;
        for (int i = 0; i < strings.Length; i++)
        {
            if (strings[i] is not { } s) { ptrs[i] = (ulong)unreadable; continue; }
            ptrs[i] = (ulong)at;
            at += Encoding.UTF8.GetBytes(s, new Span<byte>(at, bytes - (int)(at - text)));
            *at++ = 0;
        }
        ptrs[strings.Length] = 0;
        return (ulong)ptrs;
    }

    private static ulong CString(string s) => (ulong)Marshal.StringToCoTaskMemUTF8(s);

    private static (ReadFailure Failure, string Filename, string[] Argv) Batched(ulong path, ulong argv)
    {
        var r = new ExecReader();
        var f = r.ReadExec(Environment.ProcessId, path, argv, out var a);
        return (f, Encoding.UTF8.GetString(r.Filename), f == ReadFailure.None ? a.ToStrings() : []);
    }

    private static (ReadFailure Failure, string Filename, string[] Argv) OneByOne(ulong path, ulong argv)
    {
        var r = new ExecReader();
        var f = r.ReadFilename(Environment.ProcessId, path);
        Argv a = default;
        if (f == ReadFailure.None) f = r.ReadVector(Environment.ProcessId, argv, out a);
        return (f, Encoding.UTF8.GetString(r.Filename), f == ReadFailure.None ? a.ToStrings() : []);
    }

    private static void AssertSameAsOneByOne(ulong path, ulong argv, ReadFailure expected)
    {
        var batched = Batched(path, argv);
        var plain = OneByOne(path, argv);
        Assert.That(batched.Failure, Is.EqualTo(expected));
        Assert.That(batched.Failure, Is.EqualTo(plain.Failure));
        Assert.That(batched.Argv, Is.EqualTo(plain.Argv));
        if (expected == ReadFailure.None) Assert.That(batched.Filename, Is.EqualTo(plain.Filename));
    }

    [Test]
    public void AShortArgvIsReadWhole()
    {
        string[] argv = ["curl", "-X", "DELETE", "https://api.example.com/volumes/1", ""];
        var r = Batched(CString("/usr/bin/curl"), Vector(argv));
        Assert.That(r.Failure, Is.EqualTo(ReadFailure.None));
        Assert.That(r.Filename, Is.EqualTo("/usr/bin/curl"));
        Assert.That(r.Argv, Is.EqualTo(argv));
    }

    [Test]
    public void ArgumentsOfEveryLengthAcrossSeveralBatchesAreReadWhole()
    {
        // 0 to ~1 KiB, a page and more, around the first chunk's 256 bytes, 200 of them (batches of 64).
        var argv = Enumerable.Range(0, 200).Select(i => new string((char)('a' + i % 26), i switch
        {
            7 => 255, 8 => 256, 9 => 257, 10 => 5000, 11 => 4095, _ => i * 37 % 1100,
        })).ToArray();
        var r = Batched(CString(new string('p', 300)), Vector(argv));
        Assert.That(r.Failure, Is.EqualTo(ReadFailure.None));
        Assert.That(r.Filename, Is.EqualTo(new string('p', 300)));
        Assert.That(r.Argv, Is.EqualTo(argv));
        AssertSameAsOneByOne(CString(new string('p', 300)), Vector(argv), ReadFailure.None);
    }

    [Test]
    public void AStringRunningIntoAnUnreadablePageIsAFaultAsBefore()
    {
        // "tail" ends exactly at the page end with no NUL: the next page cannot be read.
        byte* page = Pages(1);
        byte* tail = page + Page - 10;
        for (int i = 0; i < 10; i++) tail[i] = (byte)'x';
        ulong* ptrs = (ulong*)Pages(1);
        ptrs[0] = CString("ls");
        ptrs[1] = (ulong)tail;
        ptrs[2] = 0;
        AssertSameAsOneByOne(CString("/bin/ls"), (ulong)ptrs, ReadFailure.Fault);
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(70)]
    public void APointerToAnUnreadablePageIsAFaultWhereverItIs(int index)
    {
        var argv = Enumerable.Range(0, 100).Select(i => (string?)$"arg{i}").ToArray();
        argv[index] = null;
        AssertSameAsOneByOne(CString("/bin/echo"), Vector(argv), ReadFailure.Fault);
    }

    [Test]
    public void AnUnreadablePathOrPointerArrayIsAFault()
    {
        byte* unreadable = Pages(0);
        AssertSameAsOneByOne((ulong)unreadable, Vector("ls"), ReadFailure.Fault);
        AssertSameAsOneByOne(CString("/bin/ls"), (ulong)unreadable, ReadFailure.Fault);
    }

    [Test]
    public void APointerArrayCrossingPagesIsReadWhole()
    {
        // 700 pointers: the first read of the array stops at its page end.
        var argv = Enumerable.Range(0, 700).Select(i => $"a{i}").ToArray();
        AssertSameAsOneByOne(CString("/bin/echo"), Vector(argv), ReadFailure.None);
        Assert.That(Batched(CString("/bin/echo"), Vector(argv)).Argv, Is.EqualTo(argv));
    }

    [Test]
    public void StringsOutOfOrderRepeatedOrInsideEachOtherAreReadAsOneByOne()
    {
        // The batch merges chunks that overlap or touch the one before into one read: pointers that
        // go back, repeat, point into the middle of a string, run across a page end or sit apart
        // must each still give their own string.
        byte* text = Pages(3);
        var at = new Dictionary<int, string>
        {
            [0] = "first", [6] = "second", [13] = new string('l', 600), [614] = "after-long",
            [Page - 7] = "crosses-a-page-end", [2 * Page + 100] = "far", [2 * Page + 104] = "next",
        };
        foreach (var (offset, str) in at)
        {
            int n = Encoding.UTF8.GetBytes(str, new Span<byte>(text + offset, 3 * Page - offset));
            text[offset + n] = 0;
        }
        int[] order = [6, 0, 0, 13, 16, 614, Page - 7, Page - 3, 2 * Page + 100, 2 * Page + 104, 6, 2 * Page + 100, 614];
        ulong* ptrs = (ulong*)Pages(1);
        for (int i = 0; i < order.Length; i++) ptrs[i] = (ulong)(text + order[i]);
        ptrs[order.Length] = 0;
        AssertSameAsOneByOne(CString("/bin/echo"), (ulong)ptrs, ReadFailure.None);
        var expected = order.Select(o => at.TryGetValue(o, out var s) ? s : Encoding.UTF8.GetString(new ReadOnlySpan<byte>(text + o, 3 * Page - o)).Split('\0')[0]).ToArray();
        Assert.That(Batched(CString("/bin/echo"), (ulong)ptrs).Argv, Is.EqualTo(expected));
    }

    [Test]
    public void StringsOneAfterAnotherUpToAnUnreadablePageAreAFaultAsBefore()
    {
        // Merged into one read that stops at the unreadable page: the last string has no NUL
        // before it, and the ones before are whole.
        byte* page = Pages(1);
        int offset = Page - 40;
        foreach (var str in new[] { "a=1", "b=22", "c=333" })
        {
            int n = Encoding.UTF8.GetBytes(str, new Span<byte>(page + offset, Page - offset));
            page[offset + n] = 0;
            offset += n + 1;
        }
        for (int i = offset; i < Page; i++) page[i] = (byte)'x';
        ulong* ptrs = (ulong*)Pages(1);
        ptrs[0] = (ulong)(page + Page - 40);
        ptrs[1] = (ulong)(page + Page - 36);
        ptrs[2] = (ulong)(page + Page - 31);
        ptrs[3] = (ulong)(page + offset);
        ptrs[4] = 0;
        AssertSameAsOneByOne(CString("/bin/env"), (ulong)ptrs, ReadFailure.Fault);
        ptrs[3] = 0;
        AssertSameAsOneByOne(CString("/bin/env"), (ulong)ptrs, ReadFailure.None);
        Assert.That(Batched(CString("/bin/env"), (ulong)ptrs).Argv, Is.EqualTo(new[] { "a=1", "b=22", "c=333" }));
    }

    [Test]
    public void ANullArgvIsEmpty()
    {
        var r = Batched(CString("/bin/true"), 0);
        Assert.That(r.Failure, Is.EqualTo(ReadFailure.None));
        Assert.That(r.Argv, Is.Empty);
    }

    [Test]
    public void MoreArgumentsThanTheBoundAreTooLarge()
    {
        var argv = Enumerable.Range(0, ExecReader.MaxArgs + 1).Select(i => "x").ToArray();
        AssertSameAsOneByOne(CString("/bin/echo"), Vector(argv), ReadFailure.TooLarge);
    }

    [Test]
    public void ExactlyTheBoundOfArgumentsIsReadWhole()
    {
        // The pointer array grows from one page to the bound's 8 * (MaxArgs + 1) bytes, NULL included.
        var argv = Enumerable.Range(0, ExecReader.MaxArgs).Select(i => $"a{i}").ToArray();
        AssertSameAsOneByOne(CString("/bin/echo"), Vector(argv), ReadFailure.None);
        Assert.That(Batched(CString("/bin/echo"), Vector(argv)).Argv, Is.EqualTo(argv));
    }

    [Test]
    public void OneReaderReadsSmallLargeAndSmallExecsInTurn()
    {
        // Buffers grown for a large exec (many pointers, a long argument) serve the next ones as before.
        var reader = new ExecReader();
        var small = new[] { "ls", "-l" };
        var large = Enumerable.Range(0, 3000).Select(i => i == 5 ? new string('z', 70_000) : $"arg{i}").ToArray();
        foreach (var argv in new[] { small, large, small, large })
        {
            Assert.That(reader.ReadExec(Environment.ProcessId, CString("/bin/x"), Vector(argv), out var a), Is.EqualTo(ReadFailure.None));
            Assert.That(a.ToStrings(), Is.EqualTo(argv));
        }
    }

    [Test]
    public void AReadAllocatesNothingOnceItsBuffersHaveGrown()
    {
        var reader = new ExecReader();
        ulong path = CString("/usr/bin/git"), argv = Vector("git", "status", "--short", "--branch");
        // Warm up past the JIT's tiering (its recompilation allocates on this thread too).
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 200; i++) reader.ReadExec(Environment.ProcessId, path, argv, out _);
            Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) reader.ReadExec(Environment.ProcessId, path, argv, out _);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
