using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>The answer to one notification: an error (negative errno), a value (a call performed on
/// the process's behalf), or CONTINUE; or held (the registry answers it later).</summary>
internal readonly record struct Verdict(int Error, uint Flags, bool Held = false, long Value = 0)
{
    private const int EPERM = 1;

    /// <summary>Let the syscall run.</summary>
    public static readonly Verdict Continue = new(0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
    /// <summary>Fail it with EPERM.</summary>
    public static readonly Verdict Refuse = new(-EPERM, 0);
    /// <summary>Parked in the registry: not answered now.</summary>
    public static readonly Verdict Parked = new(0, 0, Held: true);

    /// <summary>Fail it with <paramref name="errno"/>, or return 0 (a connect made on the process's behalf).</summary>
    public static Verdict Result(int errno) => new(-errno, 0);

    /// <summary>Return <paramref name="value"/> (a send made on the process's behalf: the bytes or messages sent).</summary>
    public static Verdict Returns(long value) => new(0, 0, Value: value);

    /// <summary>True when the kernel is to run the syscall itself.</summary>
    public bool Continues => !Held && Flags == SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}
