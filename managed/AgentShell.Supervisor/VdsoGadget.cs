using System.Buffers.Binary;

namespace AgentShell.Supervisor;

/// <summary>Where a `syscall` instruction (0f 05) lies in another process's vDSO, so that a stopped
/// tracee can be made to run one syscall without writing to its memory. Every 64-bit process maps
/// the same vDSO image at its own address: the instruction's offset is found once in ours, the
/// tracee's base is its AT_SYSINFO_EHDR (/proc/PID/auxv), and the two bytes are checked there.</summary>
internal static class VdsoGadget
{
    private const ulong AT_SYSINFO_EHDR = 33;
    private static readonly long s_offset = FindOwnOffset();

    /// <summary>The instruction's address in <paramref name="pid"/>, or null (no vDSO, or not the same image).
    /// <paramref name="vdsoBase"/>: the base as the auxv on its stack gives it (CommittedStack), 0 to
    /// read /proc/PID/auxv. Either way the two bytes are checked in the tracee, and the step that
    /// runs them checks it ran a `syscall` (ExecTracer.MakeNonDumpable): a wrong base fails, and
    /// the tool runs untrusted.</summary>
    internal static ulong? In(int pid, ulong vdsoBase = 0)
    {
        if (s_offset < 0 || (vdsoBase != 0 ? vdsoBase : Base(pid)) is not ulong b) return null;
        ulong at = b + (ulong)s_offset;
        Span<byte> insn = stackalloc byte[2];
        if (Interop.ProcessMemory.Read(pid, at, insn, out _) != 2 || insn[0] != 0x0f || insn[1] != 0x05) return null;
        return at;
    }

    private static ulong? Base(int pid)
    {
        Span<byte> auxv = stackalloc byte[1024];
        int fd = Interop.Files.Open($"/proc/{pid}/auxv", Interop.Files.O_RDONLY | Interop.Files.O_CLOEXEC, out _);
        if (fd < 0) return null;
        int n;
        try { n = Interop.Files.Read(fd, auxv, out _); }
        finally { Interop.Libc.close(fd); }
        for (int i = 0; i + 16 <= n; i += 16)
        {
            ulong type = BinaryPrimitives.ReadUInt64LittleEndian(auxv[i..]);
            if (type == 0) break;
            if (type == AT_SYSINFO_EHDR) return BinaryPrimitives.ReadUInt64LittleEndian(auxv[(i + 8)..]);
        }
        return null;
    }

    /// <summary>Offset of the first `syscall` instruction in our own vDSO; -1 when there is none.</summary>
    private static long FindOwnOffset()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (!line.EndsWith("[vdso]", StringComparison.Ordinal)) continue;
                var range = line[..line.IndexOf(' ')].Split('-');
                ulong start = Convert.ToUInt64(range[0], 16), end = Convert.ToUInt64(range[1], 16);
                var image = new byte[end - start];
                if (Interop.ProcessMemory.Read(Environment.ProcessId, start, image, out _) != image.Length) return -1;
                for (int i = 0; i + 1 < image.Length; i++)
                    if (image[i] == 0x0f && image[i + 1] == 0x05) return i;
                return -1;
            }
        }
        catch (IOException)
        {
            // No gadget: no tool is sealed, and so none is trusted with production (fails closed).
        }
        return -1;
    }
}
