using System.Text.Json;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor.Daemon;

/// <summary>The daemon socket's protocol (AF_UNIX SOCK_SEQPACKET, one JSON object of the control
/// protocol's form per message, <c>"v": 1</c>):
/// <list type="number">
/// <item><c>hello</c> → <c>ok</c>, <c>daemon</c> (its id), and <c>session</c> when the caller already
/// belongs to one of the daemon's trees: it is supervised, and needs no session of its own. Else
/// <c>protect</c> (the paths the caller's launcher must make read-only for the tree, as `run`'s
/// does) and <c>require_protection</c> when the daemon refuses unprotected trees; <c>ca_pem</c>, the
/// daemon's CA for TLS to production, which the caller points the tree's clients at (as `run` does,
/// CaBundle), and <c>channel_binding_off</c> when libpq's is to be turned off for it.</item>
/// <item><c>attach</c> with <c>command</c>, <c>filter_pid</c> and <c>unprotected</c> (the launcher's
/// message: who installed the filter, and why the paths are not protected, if they are not), and two
/// fds beside it (SCM_RIGHTS): the new tree's seccomp listener and a pidfd of its launcher, a child
/// of the caller → <c>ok</c> and <c>session</c> once the daemon supervises the tree (only then may
/// the launcher exec), or <c>error</c>.</item>
/// <item>Then, daemon → caller: <c>event</c> "paused" with the <c>notice</c> line for its terminal.</item>
/// </list>
/// Approvals are never answered here: they stay on the control socket and its refusals.</summary>
internal static class DaemonProtocol
{
    /// <summary>Largest message either side sends.</summary>
    public const int MaxMessage = 65536;

    public const string Hello = "hello", Attach = "attach", Paused = "paused";

    /// <summary>Sends one message (and fds); false when the peer is gone.</summary>
    public static bool Send(int fd, Action<Utf8JsonWriter> body, ReadOnlySpan<int> fds = default) =>
        Interop.UnixSockets.Send(fd, ControlProtocol.Line(body), fds) == 0;

    /// <summary>Sends an error answer.</summary>
    public static bool Error(int fd, string error) =>
        Send(fd, w => { w.WriteBoolean("ok", false); w.WriteString("error", error); });

    /// <summary>Receives one message: the JSON object and the fds that came with it (the caller owns
    /// them). Null at end of stream, on a receive error, or for a message that is not one of ours
    /// (its fds already closed).</summary>
    public static JsonElement? Receive(int fd, byte[] buffer, Span<int> fds, out int fdCount, out string? error)
    {
        error = null;
        int n = Interop.UnixSockets.Receive(fd, buffer, fds, out fdCount, out var e);
        if (n <= 0)
        {
            if (n < 0 && e == Errno.EMSGSIZE) error = "message too large";
            return null;
        }
        var msg = ControlProtocol.Parse(buffer.AsSpan(0, n).TrimEnd((byte)'\n'), out error);
        if (msg == null) CloseAll(fds[..fdCount]);
        return msg;
    }

    /// <summary>Closes fds received but not used.</summary>
    public static void CloseAll(ReadOnlySpan<int> fds)
    {
        foreach (int f in fds) Interop.Libc.close(f);
    }
}
