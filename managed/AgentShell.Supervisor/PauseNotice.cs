using AgentShell.Supervisor.Approval;

namespace AgentShell.Supervisor;

/// <summary>The one line a pause prints on the terminal `agentshell run` (or `shell`) was started from.</summary>
internal static class PauseNotice
{
    /// <summary>The notice; <paramref name="run"/> names the daemon session the answer must reach.</summary>
    public static string Line(PendingItem i, string? run = null)
    {
        string target = run == null ? i.Id : $"--run {run} {i.Id}";
        return $"agentshell: paused {ShellQuote.Inert(i.Decision.Describe())} — approve with: agentshell approve {target}   (deny: agentshell deny {target})";
    }

    /// <summary>Writes the notice to /dev/tty, or to <paramref name="log"/> without a terminal.</summary>
    public static void Print(PendingItem i, TextWriter log) => ToTerminal(Line(i), log);

    /// <summary>Writes <paramref name="line"/> to /dev/tty, or to <paramref name="log"/> without a terminal.</summary>
    public static void ToTerminal(string line, TextWriter log)
    {
        // One line on the terminal we were started from, not the agent's stdout (a TUI owns it).
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
