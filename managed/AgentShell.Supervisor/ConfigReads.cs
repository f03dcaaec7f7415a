namespace AgentShell.Supervisor;

/// <summary>The files an exec's decision read (a tool's configuration, a body named by @file), as
/// the process names them, and a time just before the first read. A client that refuses the run
/// CA cannot be decided at the wire; its connection is let through on its exec's decision only
/// while nothing these lookups pass through has changed since (<see cref="Unchanged"/>), else it is
/// an unknown client's (Wire.WireFallback): otherwise
/// the tool may have read another file than the decision did (a ~/.curlrc swapped to
/// <c>cacert = …</c> and <c>request = DELETE</c> between the two reads), and what it sends is unseen.</summary>
internal sealed record ConfigReads(long Since, string[] Paths)
{
    // Inode times come from the coarse clock (a tick late at most); anything changed within this
    // much before the first read counts as changed after it.
    private const long Slack = 20_000_000;

    /// <summary>Realtime now, in the nanoseconds of an inode's ctime.</summary>
    internal static long Now() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>True when every directory, link and file the process's lookup of each path passes
    /// now has a ctime older than the first read (a rename, a write, a new or removed entry — even
    /// one undone since — sets it); false when one is newer, or a lookup cannot be made or proven
    /// (<paramref name="changed"/>: which path).</summary>
    internal bool Unchanged(int pid, out string? changed)
    {
        foreach (var path in Paths)
        {
            if (TargetFiles.NewestChange(ProcessView.Of(pid, path)) is not long ctime || ctime >= Since - Slack)
            {
                changed = path;
                return false;
            }
        }
        changed = null;
        return true;
    }
}
