using AgentShell.Core.Model;

namespace AgentShell.Core.Lexing;

/// <summary>Output redirections that destroy by themselves, with no program to exec: <c>&gt; FILE</c>
/// (and <c>&gt;|</c>, <c>N&gt;</c>, <c>&amp;&gt;</c>) truncates FILE before anything runs, so
/// <c>: &gt; /var/lib/postgresql/16/main/PG_VERSION</c> empties a database file, and a redirection
/// onto a disk (<c>&gt; /dev/sda</c>) overwrites it. Only paths a default rule guards are reported
/// (database server data and cron under <c>/var/lib</c>, <c>/var/spool/cron</c>; the account, sudo and
/// mount tables and <c>/boot</c>, see <see cref="IsSystemFile(ReadOnlySpan{byte})"/>; block devices), so
/// <c>ls &gt; out.txt</c> and <c>2&gt;/dev/null</c> stay nothing.</summary>
public static class FileRedirect
{
    private static ReadOnlySpan<byte> Guarded(int i) => i switch
    {
        0 => "/var/lib/"u8,
        1 => "/var/spool/cron"u8,
        _ => default,
    };

    private static readonly byte[][] Disks =
        ["/dev/sd"u8.ToArray(), "/dev/hd"u8.ToArray(), "/dev/vd"u8.ToArray(), "/dev/xvd"u8.ToArray(), "/dev/nvme"u8.ToArray(),
         "/dev/mmcblk"u8.ToArray(), "/dev/disk/"u8.ToArray(), "/dev/mapper/"u8.ToArray(), "/dev/md"u8.ToArray(), "/dev/dm-"u8.ToArray()];

    // Files whose loss locks everyone out or stops the machine booting (no login, no sudo, no mounts).
    private static readonly byte[][] SystemFiles =
        ["/etc/passwd"u8.ToArray(), "/etc/shadow"u8.ToArray(), "/etc/group"u8.ToArray(), "/etc/gshadow"u8.ToArray(),
         "/etc/sudoers"u8.ToArray(), "/etc/fstab"u8.ToArray()];

    /// <summary>True for the account, group, sudo and mount tables and anything under <c>/boot</c>
    /// (not <c>/etc/hosts</c> or <c>/etc/resolv.conf</c>, which containers rewrite daily).</summary>
    public static bool IsSystemFile(ReadOnlySpan<byte> path)
    {
        if (path.StartsWith("/boot/"u8)) return true;
        foreach (var f in SystemFiles) if (path.SequenceEqual(f)) return true;
        return false;
    }

    /// <summary>As <see cref="IsSystemFile(ReadOnlySpan{byte})"/> for a decoded path.</summary>
    public static bool IsSystemFile(string path) =>
        path.StartsWith("/boot/", StringComparison.Ordinal) || path.StartsWith("/etc/", StringComparison.Ordinal) && IsSystemFile(System.Text.Encoding.UTF8.GetBytes(path));

    /// <summary>True when the redirection operator truncates its target (<c>&gt;</c>, <c>&gt;|</c>,
    /// <c>2&gt;</c>, <c>&amp;&gt;</c>; not <c>&gt;&gt;</c>, <c>&lt;&gt;</c>, <c>&gt;&amp;</c>).</summary>
    public static bool Truncates(ReadOnlySpan<byte> op) =>
        op.IndexOf((byte)'>') >= 0 && op.IndexOf(">>"u8) < 0 && op.IndexOf((byte)'<') < 0 && !op.EndsWith(">&"u8);

    /// <summary>What truncating <paramref name="path"/> does when a default rule guards it
    /// (truncate of a data file, wipe of a disk), else null.</summary>
    public static Effect? Of(ReadOnlySpan<byte> path)
    {
        foreach (var d in Disks) if (path.StartsWith(d)) return Effect.Wipe;
        if (path.StartsWith(Guarded(0)) || path.StartsWith(Guarded(1))) return Effect.Truncate;
        if (IsSystemFile(path)) return Effect.Truncate;
        return null;
    }

    /// <summary>As <see cref="Of(ReadOnlySpan{byte})"/> for a decoded path.</summary>
    public static Effect? Of(string path) => Of(System.Text.Encoding.UTF8.GetBytes(path));
}
