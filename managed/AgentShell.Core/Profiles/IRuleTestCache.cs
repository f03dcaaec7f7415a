namespace AgentShell.Core.Profiles;

/// <summary>Remembers that an exact set of profile files passed their rules' own cases, so a later
/// load of the same bytes by the same code can skip running them (issue 16: they were most of a
/// cold <c>check</c>'s profile load). Only a pass is ever remembered; anything the cache cannot
/// vouch for (no entry, an unreadable or malformed one, other bytes, another build) is a miss, and
/// a miss runs the cases as before. Validation of the files is never skipped.</summary>
public interface IRuleTestCache
{
    /// <summary>The warnings recorded when exactly <paramref name="files"/> (paths in layer order)
    /// with exactly <paramref name="texts"/> passed, or null: run the cases.</summary>
    IReadOnlyList<string>? Passed(IReadOnlyList<string> files, IReadOnlyList<byte[]> texts);

    /// <summary>Records that <paramref name="files"/> with <paramref name="texts"/> passed, with
    /// <paramref name="warnings"/>. Best effort: a failure to record costs only the next load's time.</summary>
    void RecordPass(IReadOnlyList<string> files, IReadOnlyList<byte[]> texts, IReadOnlyList<string> warnings);
}
