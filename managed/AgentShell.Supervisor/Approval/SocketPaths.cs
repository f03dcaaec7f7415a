using System.Net.Sockets;

namespace AgentShell.Supervisor.Approval;

/// <summary>Where control sockets live: <c>$XDG_RUNTIME_DIR/agentshell/</c>, else
/// <c>/tmp/agentshell-$UID/</c>, mode 0700 and owned by us (refused otherwise).</summary>
public static class SocketPaths
{
    /// <summary>The directory, created 0700 when missing.</summary>
    public static string Directory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        string dir = !string.IsNullOrEmpty(xdg) && System.IO.Directory.Exists(xdg)
            ? Path.Combine(xdg, "agentshell")
            : $"/tmp/agentshell-{Interop.Process.GetUid()}";
        if (!System.IO.Directory.Exists(dir))
            System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // /tmp is shared: never use a directory someone else made or a symlink to one.
        if (!Interop.Files.TryLStat(dir, out var st))
            throw new IOException($"cannot stat {dir}");
        if (st.Uid != Interop.Process.GetUid() || (st.Mode & 0x1FF) != 0x1C0 || !st.IsDirectory)
            throw new IOException($"{dir} must be a directory owned by uid {Interop.Process.GetUid()} with mode 0700");
        return dir;
    }

    /// <summary>The socket a client should use: <paramref name="explicitPath"/>, else
    /// <c>$AGENTSHELL_SOCKET</c>, else the newest live run's socket. Null when none is live.</summary>
    public static string? Find(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return explicitPath;
        var env = Environment.GetEnvironmentVariable("AGENTSHELL_SOCKET");
        if (!string.IsNullOrEmpty(env)) return env;
        string dir;
        try { dir = Directory(); }
        catch (IOException) { return null; }
        foreach (var f in new DirectoryInfo(dir).GetFiles("*.sock").OrderByDescending(f => f.LastWriteTimeUtc))
        {
            try
            {
                using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                s.Connect(new UnixDomainSocketEndPoint(f.FullName));
                return f.FullName;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ProtocolType)
            {
                // A live socket of another kind (a daemon socket, SOCK_SEQPACKET): not a control socket.
            }
            catch (SocketException)
            {
                // A run that died without cleaning up: remove its stale socket.
                try { f.Delete(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        return null;
    }
}
