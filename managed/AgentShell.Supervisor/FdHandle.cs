using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

/// <summary>An owned file descriptor (listener, pidfd, socket): closed exactly once.</summary>
internal sealed class FdHandle : SafeHandle
{
    internal FdHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.close((int)handle) == 0;
}
