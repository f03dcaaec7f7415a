namespace AgentShell.Cli;

/// <summary>System.Console set up once with no terminal description, so it never puts the terminal
/// into keypad mode. Its set-up (on the first window-size query, ReadKey or Console.In) writes
/// terminfo's keypad_xmit (ESC[?1h ESC=) to the tty and never undoes it: CommandLineParser asks
/// for the window width, so `--help`, `--version`, `doctor`, `pending`, … under a pty began with
/// those bytes. Console reads TERM only then; it is hidden for that moment and put back, so
/// nothing started later (the agent of a run) sees a change. Keys still read: watch's single
/// letters and Enter need no terminfo.</summary>
internal static class QuietTerminal
{
    private static bool _done;

    /// <summary>Sets Console up, if it is not already, before anything else asks it about the terminal.</summary>
    public static void SetUp()
    {
        if (_done) return;
        _done = true;
        string? term = Environment.GetEnvironmentVariable("TERM");
        if (string.IsNullOrEmpty(term)) return; // nothing to hide: Console finds no terminfo anyway
        Environment.SetEnvironmentVariable("TERM", null);
        try { _ = Console.WindowWidth; } // the set-up, and the terminal description it caches
        catch (IOException) { } // no terminal: nothing was set up and nothing is written
        catch (PlatformNotSupportedException) { }
        finally { Environment.SetEnvironmentVariable("TERM", term); }
    }
}
