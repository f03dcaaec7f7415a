using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Local commands that destroy without deleting by name: <c>rsync --delete</c> into a
/// directory (what the source lacks is deleted), <c>chmod</c>/<c>chown</c>/<c>chgrp -R</c>,
/// <c>mv</c> of a whole tree away, <c>truncate</c> to a smaller size, <c>crontab -r</c>. Aimed at
/// <c>/</c>, a top-level system directory or the home directory (or an ancestor), and for rsync
/// also the repository root, they are a wipe (the places of <see cref="LocalDelete"/>); truncating a file under a
/// database server's data directory is a truncate and <c>crontab -r</c> a delete, which the
/// default profile pauses. Anything else is a write, or null (not classified).</summary>
public static class LocalFiles
{
    /// <summary>Data directories of database servers and the cron spool: files here are state a
    /// server owns, never the agent's scratch.</summary>
    public static readonly string[] ServerDataDirs =
    [
        "/var/lib/postgresql", "/var/lib/pgsql", "/var/lib/mysql", "/var/lib/mariadb", "/var/lib/mongodb", "/var/lib/redis",
        "/var/lib/cassandra", "/var/lib/clickhouse", "/var/lib/elasticsearch", "/var/lib/docker/volumes", "/var/spool/cron",
    ];

    private static readonly HashSet<string> RsyncValued = new(StringComparer.Ordinal)
    {
        "-e", "--rsh", "-f", "--filter", "--exclude", "--include", "--exclude-from", "--include-from", "--files-from", "-B", "--block-size",
        "--rsync-path", "-T", "--temp-dir", "--compare-dest", "--copy-dest", "--link-dest", "--backup-dir", "--suffix", "--chmod", "--chown",
        "--usermap", "--groupmap", "--timeout", "--contimeout", "--port", "--password-file", "--log-file", "--bwlimit", "--max-size", "--min-size",
        "--max-delete", "--partial-dir", "--out-format", "--log-file-format", "--modify-window", "--iconv", "--checksum-choice", "--compress-choice",
    };

    /// <summary>rsync: with a <c>--delete*</c> option, the destination loses what the source
    /// lacks: a wipe when it is a protected place, else a delete; without one, null.</summary>
    public static CommandIntent? Rsync(ToolCall c)
    {
        bool delete = false, removeSource = false;
        string? deleteFlag = null;
        for (int i = 0; i < c.Args.Count; i++)
        {
            var x = c.Args[i];
            if (x == "--") break;
            if (x.StartsWith("--del", StringComparison.Ordinal) && !x.StartsWith("--delay", StringComparison.Ordinal)) { delete = true; deleteFlag ??= x; }
            if (x == "--remove-source-files") removeSource = true;
            // A dry run (-n, --dry-run) lists what it would delete and deletes nothing.
            if (x == "--dry-run" || DryRunCluster(x)) return null;
            if (RsyncValued.Contains(x)) i++;
        }
        if (!delete && !removeSource) return null;
        var pos = ToolHelp.Positionals(c.Args, RsyncValued);
        if (pos.Count < 2) return null;
        if (!delete)
        {
            // --remove-source-files: the sources lose what was sent; on another machine (host:path)
            // that is a delete of its files there (a local source moves into the destination).
            var hosts = pos.Take(pos.Count - 1).Where(IsRemote).Select(RemoteHost).OfType<Target>().ToList();
            return hosts.Count == 0 ? null
                : ToolHelp.Intent("rsync", Effect.Delete, $"rsync --remove-source-files {string.Join(' ', pos.Take(pos.Count - 1))}", hosts,
                    [new("--remove-source-files", "deletes the sent files on another machine")]);
        }
        var dest = pos[^1];
        // host:path and rsync:// destinations are another machine's files.
        if (IsRemote(dest))
            return ToolHelp.Intent("rsync", Effect.Delete, $"rsync {deleteFlag} {dest}", RemoteHost(dest) is { } host ? [host] : [],
                [new(dest, $"{deleteFlag} deletes files on another machine")]);
        return LocalDelete.Classify("rsync", recursive: true, filtered: false, [dest], c.Context, $"rsync {deleteFlag}");
    }

    // scp's options that take a value (OpenSSH's getopt string "346ABCc:D:F:i:J:l:o:P:pqRrS:TvX:").
    private const string ScpValued = "cDFiJloPSX";

    /// <summary>scp: a copy of <c>/dev/null</c> (or of an empty file) onto another machine's file
    /// empties that file there: a truncate of host:path. Any other copy is a write (null: not classified).</summary>
    public static CommandIntent? Scp(ToolCall c)
    {
        var pos = new List<string>();
        var a = c.Args;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x == "--") { pos.AddRange(a.Skip(i + 1)); break; }
            if (x.Length < 2 || x[0] != '-') { pos.Add(x); continue; }
            for (int k = 1; k < x.Length; k++)
            {
                if (ScpValued.IndexOf(x[k]) < 0) continue;
                if (k + 1 == x.Length) i++;
                break;
            }
        }
        if (pos.Count < 2 || !IsRemote(pos[^1]) || RemoteHost(pos[^1]) is not { } host) return null;
        foreach (var src in pos.Take(pos.Count - 1))
        {
            if (IsRemote(src)) continue;
            bool empty = src is "/dev/null" || (ToolHelp.ReadText(c.Context, src) is { Length: 0 });
            if (!empty) continue;
            return ToolHelp.Intent("scp", Effect.Truncate, $"scp {src} {pos[^1]}", [host], [new(src, $"an empty copy over {pos[^1]} empties it")]);
        }
        return null;
    }

    // -n in a cluster of short options (-avn); an n after a letter that takes a value is that
    // value (-en: the remote shell "n", -Tn: the temp dir "n"), not a dry run.
    private static bool DryRunCluster(string x)
    {
        if (x.Length < 2 || x[0] != '-' || x[1] == '-') return false;
        for (int k = 1; k < x.Length; k++)
        {
            if (x[k] == 'n') return true;
            if (!char.IsAsciiLetter(x[k]) || "eBfMT".IndexOf(x[k]) >= 0) return false;
        }
        return false;
    }

    private static bool IsRemote(string location)
    {
        int colon = location.IndexOf(':');
        return location.StartsWith("rsync://", StringComparison.Ordinal) || colon > 0 && location.IndexOf('/') is var slash && (slash < 0 || colon < slash);
    }

    // The machine of an rsync location: [user@]host:path (over ssh), host::module and
    // rsync://[user@]host[:port]/module (the rsync daemon).
    private static Target? RemoteHost(string location)
    {
        string url;
        if (location.StartsWith("rsync://", StringComparison.Ordinal)) url = location;
        else
        {
            int colon = location.IndexOf(':');
            bool daemon = colon + 1 < location.Length && location[colon + 1] == ':';
            url = (daemon ? "rsync://" : "ssh://") + location[..colon] + "/" + location[(colon + (daemon ? 2 : 1))..].TrimStart('/');
        }
        return UrlParser.TryParse(url, "ssh", out var t) ? t : null;
    }

    /// <summary>chmod, chown, chgrp: recursive over a protected place → wipe (the system or the
    /// home directory stops working: sudo, ssh and every service check their files' modes and
    /// owners); anything else → null.</summary>
    public static CommandIntent? Owner(string tool, ToolCall c)
    {
        bool recursive = false, reference = false;
        var ops = new List<string>();
        bool endOpts = false;
        foreach (var x in c.Args)
        {
            if (!endOpts && x == "--") { endOpts = true; continue; }
            if (!endOpts && x.StartsWith("--", StringComparison.Ordinal))
            {
                if (x == "--recursive") recursive = true;
                if (x.StartsWith("--reference", StringComparison.Ordinal)) reference = true;
                continue;
            }
            // chmod modes may start with '-' (-w, -x): only letters of options count.
            if (!endOpts && x.Length > 1 && x[0] == '-' && x.AsSpan(1).IndexOfAnyExcept("RHLPcfhv") < 0) { if (x.Contains('R')) recursive = true; continue; }
            ops.Add(x);
        }
        if (!recursive) return null;
        var paths = reference ? ops : ops.Skip(1).ToList();
        if (paths.Count == 0) return null;
        var intent = LocalDelete.Classify(tool, recursive: true, filtered: false, paths, c.Context, $"{tool} -R");
        // The repository's own modes and owners (chmod -R u+w .) are the agent's to change.
        return intent.Effect == Effect.Wipe && BeyondRepository(intent) ? intent : null;
    }

    // True when a wipe reason other than the repository root is among the intent's evidence.
    private static bool BeyondRepository(CommandIntent intent) =>
        intent.Evidence.Any(e => e.Fact.EndsWith("of the root directory", StringComparison.Ordinal) || e.Fact.EndsWith("of a top-level system directory", StringComparison.Ordinal)
            || e.Fact.EndsWith("of the home directory", StringComparison.Ordinal));

    /// <summary>mv: a source that is <c>/</c>, a top-level system directory, the home directory
    /// or an ancestor of it → wipe (everything that expects it there breaks); else null.</summary>
    public static CommandIntent? Mv(ToolCall c)
    {
        var ops = new List<string>();
        bool endOpts = false;
        string? targetDir = null;
        var a = c.Args;
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (!endOpts && x == "--") { endOpts = true; continue; }
            if (!endOpts && x is "-t" or "--target-directory") { targetDir = i + 1 < a.Count ? a[++i] : null; continue; }
            if (!endOpts && x is "-S" or "--suffix") { i++; continue; }
            if (!endOpts && x.Length > 1 && x[0] == '-') continue;
            ops.Add(x);
        }
        var sources = targetDir != null ? ops : ops.Count > 1 ? ops.Take(ops.Count - 1).ToList() : [];
        if (sources.Count == 0) return null;
        var intent = LocalDelete.Classify("mv", recursive: true, filtered: false, sources, c.Context, "mv");
        // Moving the repository (or the working directory) away is not a loss; the rest is.
        return intent.Effect == Effect.Wipe && BeyondRepository(intent) ? intent : null;
    }

    /// <summary>truncate: a file under a database server's data directory set to a size that may be smaller →
    /// truncate (its pages are gone); any other file → write; no size → null.</summary>
    public static CommandIntent? Truncate(ToolCall c)
    {
        var a = c.Args;
        string? size = null;
        var files = new List<string>();
        for (int i = 0; i < a.Count; i++)
        {
            var x = a[i];
            if (x is "-s" or "--size") { size = i + 1 < a.Count ? a[++i] : null; continue; }
            if (x.StartsWith("--size=", StringComparison.Ordinal)) { size = x[7..]; continue; }
            if (x.StartsWith("-s", StringComparison.Ordinal)) { size = x[2..]; continue; }
            if (x is "-r" or "--reference" or "-o" or "--io-blocks") { if (x is "-r" or "--reference") size = "reference"; if (x is "-r" or "--reference") i++; continue; }
            if (x.Length > 1 && x[0] == '-') continue;
            files.Add(x);
        }
        if (size == null || files.Count == 0) return null;
        // Only +SIZE and >SIZE never cut; an absolute size (10M) cuts a larger file to it.
        bool shrinks = size.Length == 0 || size[0] is not ('+' or '>');
        var home = c.Context.GetEnvironmentVariable("HOME");
        var targets = new List<Target>();
        var evidence = new List<Evidence>();
        var effect = Effect.Write;
        foreach (var f in files)
        {
            var full = LocalDelete.Resolve(f, c.Context, home);
            targets.Add(new Target { Kind = TargetKind.LocalPath, Path = full ?? f });
            if (shrinks && (full == null || InServerData(full) || Lexing.FileRedirect.IsSystemFile(full)))
            {
                effect = Effect.Truncate;
                evidence.Add(new(f, full == null ? "truncates a file whose path is not known"
                    : InServerData(full) ? "truncates a file of a database server's data" : "truncates an account, sudo or mount table or a boot file"));
            }
            else evidence.Add(new(f, $"truncate -s {size} {full ?? f}"));
        }
        return ToolHelp.Intent("truncate", effect, $"truncate -s {size} {string.Join(' ', files)}", targets, evidence);
    }

    /// <summary>crontab: <c>-r</c> deletes every job of the user (no confirmation without
    /// <c>-i</c>); <c>-l</c> reads; installing a table is a write.</summary>
    public static CommandIntent? Crontab(ToolCall c)
    {
        var a = c.Args;
        string user = c.Context.GetEnvironmentVariable("USER") ?? "user";
        for (int i = 0; i < a.Count; i++) if (a[i] == "-u" && i + 1 < a.Count) user = a[i + 1];
        bool remove = a.Any(x => x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('r'));
        if (!remove) return null;
        var path = $"/var/spool/cron/crontabs/{user}";
        return ToolHelp.Intent("crontab", Effect.Delete, "crontab -r", [new Target { Kind = TargetKind.LocalPath, Path = path }],
            [new("-r", $"deletes every cron job of {user}")]);
    }

    private static bool InServerData(string full)
    {
        foreach (var d in ServerDataDirs)
        {
            if (full == d || full.StartsWith(d + "/", StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
