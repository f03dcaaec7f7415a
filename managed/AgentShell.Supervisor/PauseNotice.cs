using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor;

/// <summary>The one line a pause prints on the terminal `agentshell run` was started from.</summary>
internal static class PauseNotice
{
    /// <summary>Writes the notice to /dev/tty, or to <paramref name="log"/> without a terminal.</summary>
    public static void Print(PendingItem i, TextWriter log)
    {
        // One line on the terminal we were started from, not the agent's stdout (a TUI owns it).
        string line = $"agentshell: paused {i.Decision.Describe()} — approve with: agentshell approve {i.Id}   (deny: agentshell deny {i.Id})";
        try
        {
            using var tty = new FileStream("/dev/tty", FileMode.Open, FileAccess.Write);
            var b = System.Text.Encoding.UTF8.GetBytes("\r\n" + line + "\r\n");
            tty.Write(b);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine(line);
        }
    }
}
