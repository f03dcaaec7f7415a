using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor;

/// <summary>Receives seccomp notifications on a few dedicated threads and answers each one. A
/// decision is made on the receiving thread (no hand-off on the hot path); several threads mean
/// a slow or held notification never stops the others. Any failure answers EPERM.</summary>
public sealed class NotificationLoop
{
    private const int EPERM = 1;
    private const short PollIn = 1;
    private readonly int _listener;
    private readonly IExecDecider _decider;
    private readonly TextWriter _log;
    private readonly BlockNotifier _notifier = new();
    private long _handled;

    /// <summary>Creates a loop over <paramref name="listener"/> (owned by the caller).</summary>
    public NotificationLoop(int listener, IExecDecider decider, TextWriter log)
    {
        _listener = listener;
        _decider = decider;
        _log = log;
    }

    /// <summary>Notifications answered so far.</summary>
    public long Handled => Interlocked.Read(ref _handled);

    /// <summary>Starts <paramref name="threads"/> receiving threads (background: they end with the process).</summary>
    public void Start(int threads)
    {
        for (int i = 0; i < threads; i++)
        {
            var t = new Thread(Run) { IsBackground = true, Name = $"seccomp-recv-{i}" };
            t.Start();
        }
    }

    private void Run()
    {
        var reader = new ExecReader();
        while (true)
        {
            // The kernel signals POLLHUP once no task uses the filter: the tree is gone.
            if (!WaitReadable()) return;
            var e = Receive(_listener, out var n);
            if (e == Errno.ENOENT) continue;   // target died between notify and receive
            if (e != 0)
            {
                if (e != Errno.EBADF) _log.WriteLine($"agentshell: seccomp receive failed: {e}; supervision stopped, the tree fails closed");
                return;
            }
            int error;
            uint flags = 0;
            try
            {
                (error, flags) = Handle(ref n, reader);
            }
            catch (Exception ex)
            {
                // Fail closed: an error in the supervisor never turns into "allow".
                _log.WriteLine($"agentshell: error deciding syscall {n.data.nr} of pid {n.pid}, refused: {ex.GetType().Name}: {ex.Message}");
                error = -EPERM;
                flags = 0;
            }
            var se = Send(_listener, n.id, error, flags);
            if (se != 0 && se != Errno.ENOENT) _log.WriteLine($"agentshell: seccomp send failed: {se}");
            Interlocked.Increment(ref _handled);
        }
    }

    private unsafe bool WaitReadable()
    {
        var pfd = new Tmds.Linux.pollfd { fd = _listener, events = PollIn };
        while (true)
        {
            int r = Interop.Libc.poll(&pfd, 1, -1);
            if (r < 0 && Interop.LastErrno == Errno.EINTR) continue;
            if (r < 0) return false;
            if ((pfd.revents & PollIn) != 0) return true;
            if (pfd.revents != 0) return false; // POLLHUP, POLLERR, POLLNVAL
        }
    }

    private unsafe (int Error, uint Flags) Handle(ref seccomp_notif n, ExecReader reader)
    {
        int pid = (int)n.pid;
        if (n.data.arch != AUDIT_ARCH_X86_64) return (-EPERM, 0); // the filter kills these first
        switch (n.data.nr)
        {
            case NR_execve:
                return Exec(ref n, reader, n.data.args[0], n.data.args[1], n.data.args[2], -1);
            case NR_execveat:
                return Exec(ref n, reader, n.data.args[1], n.data.args[2], n.data.args[3], (int)n.data.args[0]);
            case NR_connect:
                // Outbound connections are decided by a later stage; until then they pass.
                return (0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
            default:
                return (-EPERM, 0);
        }
    }

    private (int, uint) Exec(ref seccomp_notif n, ExecReader reader, ulong pathAddr, ulong argvAddr, ulong envpAddr, int dirfd)
    {
        int pid = (int)n.pid;
        var f = reader.ReadFilename(pid, pathAddr);
        Argv argv = default;
        if (f == ReadFailure.None) f = reader.ReadVector(pid, argvAddr, out argv);
        // The pid may have been recycled while we read: trust nothing unless the id is still valid.
        if (!IdValid(_listener, n.id)) return (-EPERM, 0);
        if (f != ReadFailure.None)
        {
            if (f == ReadFailure.TooLarge)
                _notifier.Write(pid, $"agentshell: blocked an exec whose arguments exceed what can be inspected ({ExecReader.MaxArgs} args, {ExecReader.MaxArgBytes / 1024 / 1024} MiB) [rule supervisor:unreadable-argv]");
            return (-EPERM, 0);
        }
        string? resolved = dirfd >= 0 && reader.Filename.Length == 0 ? ResolveFd(pid, dirfd) : null;
        var ctx = new RemoteExecContext(pid, envpAddr, reader);
        Decision d = _decider.Decide(reader.Request(argv, resolved), ctx);
        if (!IdValid(_listener, n.id)) return (-EPERM, 0);
        switch (d.Action)
        {
            case PolicyAction.Allow:
                return (0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
            default:
                // Pause arrives with the approval stage; until then a pause is refused (fail closed).
                string verb = d.Action == PolicyAction.Block ? "blocked" : "refused (needs approval, none available)";
                _notifier.WriteOnce(pid, argv, $"agentshell: {verb} {d.Describe()}{(d.Reason.Length > 0 ? ": " + d.Reason : "")}");
                return (-EPERM, 0);
        }
    }

    private static string ResolveFd(int pid, int fd)
    {
        // fexecve / memfd arrive as execveat(fd, "", AT_EMPTY_PATH): name the file by its fd.
        try { return new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? ""; }
        catch (IOException) { return ""; }
    }
}
