namespace AgentShell.Supervisor.Tests;

/// <summary>The executable's read-only pages are unmapped after start-up (issue 16) and mapped again
/// when touched; a page the runtime wrote (a private copy) is never dropped, or its content would
/// go back to the file's.</summary>
[TestFixture]
public sealed class ImagePagesTests
{
    private static string Exe => new FileInfo("/proc/self/exe").LinkTarget is { } t ? Path.GetFullPath(t, "/") : throw new IOException("no /proc/self/exe");

    /// <summary>Resident KiB of the executable's read-only mappings, and of the private copies among them.</summary>
    private static (long Rss, long Anonymous) ReadOnlyImage()
    {
        long rss = 0, anon = 0;
        bool ours = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 5 && f[0].Contains('-') && !f[0].EndsWith(':'))
                ours = f.Length >= 6 && f[5] == Exe && !f[1].Contains('w');
            else if (ours && f[0] == "Rss:") rss += long.Parse(f[1]);
            else if (ours && f[0] == "Anonymous:") anon += long.Parse(f[1]);
        }
        return (rss, anon);
    }

    [Test]
    public void DroppedPagesLeaveTheResidentSetAndTheProcessRunsOn()
    {
        var before = ReadOnlyImage();
        if (before.Rss <= 64) Assert.Ignore($"the test host's image has {before.Rss} KiB resident: nothing to drop");
        long named = ImagePages.Drop();
        var after = ReadOnlyImage();
        Assert.That(named, Is.GreaterThan(0));
        Assert.That(after.Rss, Is.LessThan(before.Rss), $"before {before.Rss} KiB, after {after.Rss} KiB");
        // Private copies (relocated or written pages) are kept, with their content.
        Assert.That(after.Anonymous, Is.EqualTo(before.Anonymous));
        // The code runs on: pages come back from the page cache as they are touched.
        Assert.That(string.Join(",", Enumerable.Range(0, 5).Select(i => (i * i).ToString(System.Globalization.CultureInfo.InvariantCulture))), Is.EqualTo("0,1,4,9,16"));
    }
}
