using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>What an exec committed, read from the new image's stack at its PTRACE_EVENT_EXEC stop,
/// with no /proc lookup. The image has not run an instruction: its stack pointer (the tracee's
/// registers, which only its tracer can change) points at what the kernel wrote there
/// (create_elf_tables): argc, the argv pointers, NULL, the envp pointers, NULL, the auxv; the
/// pointers point at the strings the kernel copied, argv's one after another from mm->arg_start
/// to mm->arg_end and the environment's from env_start to env_end, the very bytes
/// /proc/PID/cmdline and /proc/PID/environ show. What is compared is what the program will read:
/// each pointer and the bytes it points at. Anything not as expected (a count, a pointer, a byte,
/// a read that comes back short or fails) is a difference, and the task is killed.</summary>
internal static class CommittedStack
{
    private const ulong UserCs64 = 0x33;

    /// <summary>"what it runs could not be read": the difference given when the stack cannot be read.</summary>
    internal const string Unreadable = "what it runs could not be read";

    /// <summary>True when this reading applies: an x86_64 supervisor (the register layout it knows).
    /// Elsewhere the tracer reads /proc/PID/cmdline and /proc/PID/environ.</summary>
    internal static bool Supported => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The difference between the stack of <paramref name="pid"/>, stopped at its exec
    /// event, and the argv and environment of <paramref name="expected"/> (null when none), or
    /// <paramref name="other"/> set when this reading does not apply to the image (a 32-bit one,
    /// whose words are 4 bytes): then the caller reads /proc.</summary>
    internal static string? Difference(int pid, CommittedExec expected, out bool other)
    {
        other = false;
        if (Interop.Ptrace.GetRegs(pid, out var regs) != 0) return Unreadable;
        if (regs.cs != UserCs64) { other = true; return null; }
        int argc = expected.Argv.AsSpan().Count((byte)0), envc = expected.Environment.AsSpan().Count((byte)0);
        // Bounded by what the supervisor read at the notification (ExecReader's limits).
        int pointers = 8 * (argc + envc + 3);
        var buf = ArrayPool<byte>.Shared.Rent(pointers);
        try
        {
            // PERF: the pointers alone, then the strings: between them lie the auxv and a random gap
            // of up to 8 KiB (arch_align_stack) that nobody has touched; reading it costs page faults.
            int n = Interop.ProcessMemory.Read(pid, regs.rsp, buf.AsSpan(0, pointers), out _);
            if (n < pointers) return Unreadable;
            return Check(pid, regs.rsp, buf.AsSpan(0, n), argc, envc, expected.Argv, expected.Environment);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>The vDSO's base (AT_SYSINFO_EHDR) from the auxv right after envp's NULL on the stack
    /// of <paramref name="pid"/>, stopped at its exec event, if its argv and environment are as
    /// <paramref name="expected"/> counts them; 0 when not found (the seal then reads
    /// /proc/PID/auxv). PERF: GETREGS and one process_vm_readv of 256 bytes, inside the auxv the
    /// kernel wrote (20 pairs and more on x86_64), instead of an open, read and close of
    /// /proc/PID/auxv (~8 µs of the tracer's CPU per sealed exec here). It is the tracee's memory,
    /// which the tree could write until the seal: a wrong base only makes the seal fail (its two
    /// bytes are checked, and its step must show a syscall ran), and the tool runs untrusted.</summary>
    internal static ulong VdsoBase(int pid, CommittedExec expected)
    {
        if (expected.ArgvIsSuffix || !Supported) return 0;
        if (Interop.Ptrace.GetRegs(pid, out var regs) != 0 || regs.cs != UserCs64) return 0;
        int argc = expected.Argv.AsSpan().Count((byte)0), envc = expected.Environment.AsSpan().Count((byte)0);
        Span<byte> auxv = stackalloc byte[AuxvWindow];
        int n = Interop.ProcessMemory.Read(pid, regs.rsp + 8UL * (ulong)(argc + envc + 3), auxv, out _);
        return n > 0 ? AuxvEntry(auxv[..n], AtSysinfoEhdr) : 0;
    }

    private const int AuxvWindow = 256;
    private const ulong AtSysinfoEhdr = 33;

    /// <summary>The value of <paramref name="type"/> in the auxv pairs at the start of <paramref name="auxv"/>, 0 when not there.</summary>
    internal static ulong AuxvEntry(ReadOnlySpan<byte> auxv, ulong type)
    {
        for (int i = 0; i + 16 <= auxv.Length; i += 16)
        {
            ulong t = Word(auxv, i / 8);
            if (t == 0) break;
            if (t == type) return Word(auxv, i / 8 + 1);
        }
        return 0;
    }

    /// <summary>Checks a read of the stack at <paramref name="sp"/> (<paramref name="window"/>: at
    /// least the pointers) against the expected strings; strings outside the window are read from
    /// <paramref name="pid"/> in one read (none is made when <paramref name="pid"/> is 0).</summary>
    internal static string? Check(int pid, ulong sp, ReadOnlySpan<byte> window, int argc, int envc, ReadOnlySpan<byte> argv, ReadOnlySpan<byte> env)
    {
        if ((long)window.Length < 8L * (argc + envc + 3)) return Unreadable;
        if (Word(window, 0) != (ulong)argc) return "its arguments changed";
        var argvPointers = window.Slice(8, 8 * (argc + 1));
        var envPointers = window.Slice(8 * (argc + 2), 8 * (envc + 1));
        if (Word(argvPointers, argc) != 0 || !OneAfterAnother(argvPointers, argc, argv, out ulong a)) return "its arguments changed";
        if (Word(envPointers, envc) != 0 || !OneAfterAnother(envPointers, envc, env, out ulong e)) return "its environment changed";
        // The kernel copies the environment's strings right after argv's (mm->arg_end == env_start):
        // elsewhere, argv's area is longer or shorter than decided, or the environment moved.
        bool misplaced = argc > 0 && envc > 0 && e != a + (ulong)argv.Length;
        ulong start = argc > 0 ? a : e;
        int total = misplaced ? argv.Length : argv.Length + env.Length;
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> strings;
            if (start >= sp && start - sp <= (ulong)window.Length && (ulong)window.Length - (start - sp) >= (ulong)total)
                strings = window.Slice((int)(start - sp), total);
            else
            {
                if (pid == 0) return Unreadable;
                rented = ArrayPool<byte>.Shared.Rent(total);
                int n = Interop.ProcessMemory.Read(pid, start, rented.AsSpan(0, total), out _);
                if (n < 0) return Unreadable;
                strings = rented.AsSpan(0, n); // short: the bytes are not all there, a difference below
            }
            if (strings.Length < argv.Length || !strings[..argv.Length].SequenceEqual(argv)) return "its arguments changed";
            if (misplaced || !strings[argv.Length..].SequenceEqual(env)) return "its environment changed";
            return null;
        }
        finally { if (rented != null) ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>True when the <paramref name="count"/> pointers point one after another at the
    /// strings of <paramref name="expected"/> (each with its NUL); <paramref name="start"/>: the first.</summary>
    private static bool OneAfterAnother(ReadOnlySpan<byte> pointers, int count, ReadOnlySpan<byte> expected, out ulong start)
    {
        start = count > 0 ? Word(pointers, 0) : 0;
        if (count == 0) return expected.Length == 0;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            if (Word(pointers, i) != start + (ulong)offset) return false;
            offset += expected[offset..].IndexOf((byte)0) + 1;
        }
        return true;
    }

    private static ulong Word(ReadOnlySpan<byte> b, int i) => BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(8 * i, 8));
}
