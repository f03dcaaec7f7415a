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
    /// <summary>The words the kernel puts under the strings besides the pointers: the auxv (about 20
    /// pairs on x86_64), the random bytes and the platform string. A read of the pointers this much
    /// longer usually holds the strings too (then one read is enough).</summary>
    private const int Slack = 1024;

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
        int want = pointers + Slack + expected.Argv.Length + expected.Environment.Length;
        var buf = ArrayPool<byte>.Shared.Rent(want);
        try
        {
            // A read past the stack's top is short, not an error: the strings lie just under it.
            int n = Interop.ProcessMemory.Read(pid, regs.rsp, buf.AsSpan(0, want), out _);
            if (n < pointers) return Unreadable;
            return Check(pid, regs.rsp, buf.AsSpan(0, n), argc, envc, expected.Argv, expected.Environment);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Checks a read of the stack at <paramref name="sp"/> (<paramref name="window"/>: at
    /// least the pointers) against the expected strings; a string area outside the window is read
    /// from <paramref name="pid"/> (no read is made when <paramref name="pid"/> is 0).</summary>
    internal static string? Check(int pid, ulong sp, ReadOnlySpan<byte> window, int argc, int envc, ReadOnlySpan<byte> argv, ReadOnlySpan<byte> env)
    {
        if ((long)window.Length < 8L * (argc + envc + 3)) return Unreadable;
        if (Word(window, 0) != (ulong)argc) return "its arguments changed";
        var argvPointers = window.Slice(8, 8 * (argc + 1));
        var envPointers = window.Slice(8 * (argc + 2), 8 * (envc + 1));
        if (Word(argvPointers, argc) != 0) return "its arguments changed";
        if (Word(envPointers, envc) != 0) return "its environment changed";
        string? d = Strings(pid, sp, window, argvPointers, argc, argv);
        if (d != null) return d == Unreadable ? d : "its arguments changed";
        d = Strings(pid, sp, window, envPointers, envc, env);
        return d == null || d == Unreadable ? d : "its environment changed";
    }

    /// <summary>Null when the <paramref name="count"/> pointers point, one after another, at the
    /// strings of <paramref name="expected"/> (each with its NUL) and those bytes are there.</summary>
    private static string? Strings(int pid, ulong sp, ReadOnlySpan<byte> window, ReadOnlySpan<byte> pointers, int count, ReadOnlySpan<byte> expected)
    {
        if (count == 0) return expected.Length == 0 ? null : "differs";
        ulong start = Word(pointers, 0), at = start;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            if (Word(pointers, i) != at) return "differs";
            int end = expected[offset..].IndexOf((byte)0);
            offset += end + 1;
            at = start + (ulong)offset;
        }
        // Inside the read (the usual case), or read now.
        if (start >= sp && start - sp <= (ulong)window.Length && (ulong)window.Length - (start - sp) >= (ulong)expected.Length)
            return window.Slice((int)(start - sp), expected.Length).SequenceEqual(expected) ? null : "differs";
        if (pid == 0) return Unreadable;
        var buf = ArrayPool<byte>.Shared.Rent(expected.Length);
        try
        {
            int n = Interop.ProcessMemory.Read(pid, start, buf.AsSpan(0, expected.Length), out _);
            if (n < 0) return Unreadable;
            return n == expected.Length && buf.AsSpan(0, n).SequenceEqual(expected) ? null : "differs";
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private static ulong Word(ReadOnlySpan<byte> b, int i) => BinaryPrimitives.ReadUInt64LittleEndian(b.Slice(8 * i, 8));
}
