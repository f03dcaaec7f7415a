using System.Runtime.InteropServices;
using System.Text;

namespace AgentShell.Supervisor.Tests;

/// <summary>ExecReader reads a vector of strings from a process's memory (here this process's own,
/// through the same process_vm_readv): the batched first windows must give exactly what reading
/// each string alone gives, across batches, page ends and strings longer than a window.</summary>
[TestFixture]
public sealed class ExecReaderVectorTests
{
    private const int Page = 4096;

    /// <summary>The strings laid out in fresh memory at the given offsets from a page start, with a
    /// NULL-terminated pointer array; the vector as read back.</summary>
    private static (ReadFailure Failure, string[] Read) RoundTrip(IReadOnlyList<(int Offset, string Text)> strings, params long[] extraPointers)
    {
        int end = strings.Max(s => s.Offset + Encoding.UTF8.GetByteCount(s.Text) + 1);
        int size = ((end + Page - 1) / Page + 2) * Page;
        IntPtr raw = Marshal.AllocHGlobal(size + Page);
        try
        {
            long basePage = (raw.ToInt64() + Page - 1) & ~(long)(Page - 1);
            var ptrs = new List<long>();
            foreach (var (offset, text) in strings)
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\0");
                Marshal.Copy(bytes, 0, new IntPtr(basePage + offset), bytes.Length);
                ptrs.Add(basePage + offset);
            }
            ptrs.AddRange(extraPointers);
            ptrs.Add(0);
            IntPtr array = Marshal.AllocHGlobal(8 * ptrs.Count);
            try
            {
                for (int i = 0; i < ptrs.Count; i++) Marshal.WriteInt64(array, 8 * i, ptrs[i]);
                var f = new ExecReader().ReadVector(Environment.ProcessId, (ulong)array.ToInt64(), out var argv);
                return (f, f == ReadFailure.None ? argv.ToStrings() : []);
            }
            finally { Marshal.FreeHGlobal(array); }
        }
        finally { Marshal.FreeHGlobal(raw); }
    }

    [Test]
    public void AnEnvironmentOfManyVariablesIsReadWholeAcrossBatches()
    {
        // 150 strings: more than two batches of first windows.
        var strings = Enumerable.Range(0, 150).Select(i => (i * 40, $"VAR_{i}=value-{i}")).ToList();
        var (f, read) = RoundTrip(strings);
        Assert.That(f, Is.EqualTo(ReadFailure.None));
        Assert.That(read, Is.EqualTo(strings.Select(s => s.Item2).ToArray()));
    }

    [Test]
    public void StringsLongerThanTheirWindowOrRunningPastAPageEndAreReadWhole()
    {
        var longText = "L=" + new string('x', 3000);
        var strings = new List<(int, string)>
        {
            (0, "short"),
            (100, longText),                       // longer than a 256-byte window
            (Page - 10, "ACROSS=" + new string('a', 40)), // starts 10 bytes before a page end
            (2 * Page - 6, "edge!"),               // its NUL is the page's last byte
            (2 * Page + 8, "after"),
        };
        var (f, read) = RoundTrip(strings);
        Assert.That(f, Is.EqualTo(ReadFailure.None));
        Assert.That(read, Is.EqualTo(strings.Select(s => s.Item2).ToArray()));
    }

    [Test]
    public void AStringAtAnUnmappedAddressFailsTheReadAfterReadableOnes()
    {
        // Page 0 is never mapped: the batch stops there and the string read alone reports the fault.
        var (f, _) = RoundTrip([(0, "A=1"), (64, "B=2")], 16);
        Assert.That(f, Is.EqualTo(ReadFailure.Fault));
    }
}
