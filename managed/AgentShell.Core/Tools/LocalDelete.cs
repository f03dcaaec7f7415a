using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Local deletes: <c>rm</c>, <c>find … -delete</c>/<c>-exec rm</c>, <c>shred</c>; and
/// what erases a whole device: <c>dd of=/dev/…</c>, <c>mkfs*</c>, <c>wipefs</c>, partition and volume tools (wipe). A
/// recursive delete aimed at <c>/</c>, a top-level system directory, the home directory (or an
/// ancestor of it), or the repository root (the working directory's nearest ancestor with
/// <c>.git</c>) → wipe; any other delete → delete. Targets are local paths.</summary>
public static class LocalDelete
{
    private static readonly HashSet<string> SystemDirs = new(StringComparer.Ordinal)
    {
        "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/sbin", "/srv", "/sys",
        "/usr", "/var", "/mnt", "/media", "/snap", "/nix", "/Users", "/Applications", "/System", "/Library",
    };

    /// <summary>rm.</summary>
    public static CommandIntent Rm(ToolCall c)
    {
        var a = c.Args;
        bool recursive = false, endOpts = false;
        var paths = new List<string>();
        foreach (var x in a)
        {
            if (!endOpts && x == "--") { endOpts = true; continue; }
            if (!endOpts && x.StartsWith("--", StringComparison.Ordinal))
            {
                // GNU getopt takes a unique prefix: --rec, --r are --recursive (no other rm option starts so).
                if (x.Length > 2 && "--recursive".StartsWith(x, StringComparison.Ordinal)) recursive = true;
                if (x.Length > 2 && "--help".StartsWith(x, StringComparison.Ordinal) || x.Length > 5 && "--version".StartsWith(x, StringComparison.Ordinal)) return ToolHelp.Help("rm", x);
                continue;
            }
            if (!endOpts && x.Length > 1 && x[0] == '-') { if (x.Contains('r') || x.Contains('R')) recursive = true; continue; }
            paths.Add(x);
        }
        return Classify("rm", recursive, filtered: false, paths, c.Context, recursive ? "rm -r" : "rm");
    }

    /// <summary>find with -delete or -exec/-execdir/-ok rm; null when it deletes nothing.</summary>
    public static CommandIntent? Find(ToolCall c)
    {
        var a = c.Args;
        var paths = new List<string>();
        int i = 0;
        while (i < a.Count && a[i] is "-H" or "-L" or "-P" || (i < a.Count && a[i].StartsWith("-O", StringComparison.Ordinal))) i++;
        for (; i < a.Count && !a[i].StartsWith('-') && a[i] is not ("(" or "!" or ","); i++) paths.Add(a[i]);
        bool deletes = false, filtered = false, negated = false;
        for (; i < a.Count; i++)
        {
            var x = a[i];
            // A negation deletes everything but what it names; -type f or -name '*' select everything.
            if (x is "!" or "-not") { negated = true; continue; }
            if (x is "-type" or "-xtype" or "-name" or "-iname" or "-path" or "-ipath" or "-wholename" && i + 1 < a.Count && (x is "-type" or "-xtype" || a[i + 1] is "*" or "*.*" or ".*" or "./*"))
            { i++; continue; }
            if (x == "-delete") { deletes = true; continue; }
            if (x is "-exec" or "-execdir" or "-ok" or "-okdir")
            {
                var cmd = i + 1 < a.Count ? Path.GetFileName(a[i + 1]) : "";
                if (cmd is "rm" or "shred" or "unlink" or "rmdir") deletes = true;
                while (i < a.Count && a[i] is not (";" or "+")) i++;
                continue;
            }
            if (x is "-depth" or "-mindepth" or "-maxdepth" or "-xdev" or "-mount" or "-print" or "-print0" or "-ignore_readdir_race" or "-noleaf") { if (x is "-mindepth" or "-maxdepth") i++; continue; }
            if (x.StartsWith('-') || x is "(" or "!") filtered = true;
        }
        if (!deletes) return null;
        if (paths.Count == 0) paths.Add(".");
        return Classify("find", recursive: true, filtered && !negated, paths, c.Context, "find -delete");
    }

    /// <summary>shred: a block device → wipe; files → delete.</summary>
    public static CommandIntent Shred(ToolCall c)
    {
        if (c.Args.Contains("--help")) return ToolHelp.Help("shred", "--help");
        var paths = ToolHelp.Positionals(c.Args, new HashSet<string> { "-n", "--iterations", "-s", "--size", "--random-source", "--remove" });
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        Effect effect = Effect.Delete;
        foreach (var p in paths)
        {
            targets.Add(new Target { Kind = TargetKind.LocalPath, Path = p });
            if (IsDevice(p)) { effect = Effect.Wipe; evidence.Add(new(p, "overwrites a whole device")); }
            else evidence.Add(new(p, "overwrites a file"));
        }
        return ToolHelp.Intent("shred", effect, $"shred {string.Join(' ', paths)}", targets, evidence);
    }

    /// <summary>dd: writing to a device (<c>of=/dev/…</c>) → wipe; to a file → write; no
    /// <c>of=</c> (stdout) → read.</summary>
    public static CommandIntent Dd(ToolCall c)
    {
        if (c.Args.Contains("--help")) return ToolHelp.Help("dd", "--help");
        // dd uses the last of=, as it does every operand.
        var of = c.Args.LastOrDefault(a => a.StartsWith("of=", StringComparison.Ordinal))?[3..];
        if (of == null) return ToolHelp.Intent("dd", Effect.Read, "dd", [], []);
        bool device = IsDevice(of);
        var effect = device ? Effect.Wipe : Effect.Write;
        return ToolHelp.Intent("dd", effect, $"dd of={of}", [new Target { Kind = TargetKind.LocalPath, Path = of }],
            [new Evidence($"of={of}", device ? "overwrites a whole device" : "writes a file")]);
    }

    /// <summary>mkfs and its helpers (<c>mkfs.*</c>, <c>mke2fs</c>, <c>mkswap</c>), <c>wipefs</c>,
    /// <c>blkdiscard</c>: a device named is erased (wipe); a file (a disk image) is written.
    /// <c>wipefs</c> without <c>-a</c>/<c>-o</c> only lists signatures.</summary>
    public static CommandIntent Mkfs(string tool, ToolCall c)
    {
        if (c.Args.Contains("--help") || c.Args.Contains("-V") || c.Args.Contains("--version")) return ToolHelp.Help(tool, "--help");
        bool wipefsDry = tool == "wipefs" && !c.Args.Any(a => a is "-a" or "--all" || a.StartsWith("-o", StringComparison.Ordinal) || a.StartsWith("--offset", StringComparison.Ordinal)
            || a.Length > 2 && a[0] == '-' && a[1] != '-' && a.Contains('a'));
        if (wipefsDry) return ToolHelp.Intent(tool, Effect.Read, "list signatures", [], []);
        // Option values (labels, sizes, types) are never paths: a path has a '/' or names a file here.
        var paths = c.Args.Where(a => !a.StartsWith('-') && (a.Contains('/') || a.Contains('.'))).ToList();
        bool device = paths.Any(IsDevice);
        return ToolHelp.Intent(tool, device ? Effect.Wipe : Effect.Write, $"{tool} {string.Join(' ', paths)}",
            paths.Select(d => new Target { Kind = TargetKind.LocalPath, Path = d }).ToList(),
            paths.Select(d => new Evidence(d, IsDevice(d) ? "erases the device" : "writes a file system into a file")).ToList());
    }

    /// <summary>Partition and volume tools: <c>parted DEV mklabel|mktable|rm|resizepart</c>,
    /// <c>sgdisk --zap-all|--clear|--delete</c> (and their short forms), <c>sfdisk DEV</c> (it
    /// writes the table read from stdin) or <c>sfdisk --delete</c>, <c>lvremove</c>/<c>vgremove</c>/
    /// <c>pvremove</c>, <c>zfs destroy</c>, <c>zpool destroy|labelclear</c> → wipe of the device; listing (<c>parted -l</c>, <c>sgdisk -p</c>,
    /// <c>sfdisk -l</c>) and interactive use (parted without a command) → null.</summary>
    public static CommandIntent? Partition(string tool, ToolCall c)
    {
        var a = c.Args;
        if (a.Contains("--help") || a.Contains("--version") || a.Contains("-h") && tool != "sfdisk") return ToolHelp.Help(tool, "--help");
        if (tool is "zfs" or "zpool") return Zfs(tool, a);
        if (tool is "tee" or "cryptsetup" or "mdadm") return DeviceWriters(tool, a);
        bool erases = tool switch
        {
            // fdisk DEV: an interactive or scripted (stdin) table editor, as sfdisk DEV; -l/--list only lists.
            "fdisk" => !a.Any(x => x is "-l" or "--list" or "-s" or "--getsz" || x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('l')),
            "parted" => a.Any(x => x.ToLowerInvariant() is "mklabel" or "mktable" or "rm" or "resizepart"),
            "sgdisk" => a.Any(x => x is "--zap-all" or "--zap" or "--clear" || x.StartsWith("--delete", StringComparison.Ordinal)
                || x.Length > 1 && x[0] == '-' && x[1] != '-' && x.AsSpan(1).IndexOfAny("ZzodG") >= 0),
            "sfdisk" => a.Contains("--delete") || !a.Any(x => x is "-l" or "--list" or "-d" or "--dump" or "-J" or "--json" or "-s" or "--show-size"
                or "-V" or "--verify" or "-g" or "--show-geometry" or "-T" or "--list-types" or "-F" or "--list-free" or "-n" or "--no-act"),
            _ => true, // lvremove, vgremove, pvremove
        };
        if (!erases) return null;
        // lvremove VG/LV and vgremove VG name volumes by name: they are /dev/VG/LV and /dev/VG.
        bool byName = tool is "lvremove" or "vgremove";
        var devices = a.Where(x => !x.StartsWith('-') && (byName || x.StartsWith("/dev/", StringComparison.Ordinal)))
            .Select(x => x.StartsWith("/dev/", StringComparison.Ordinal) ? x : "/dev/" + x).ToList();
        if (devices.Count == 0) return null;
        return ToolHelp.Intent(tool, Effect.Wipe, $"{tool} {string.Join(' ', devices)}",
            devices.Select(d => new Target { Kind = TargetKind.LocalPath, Path = d }).ToList(),
            devices.Select(d => new Evidence(d, "erases the partition table or volume")).ToList());
    }

    // tee DEV (echo … | tee /dev/sda writes it over the disk), cryptsetup luksFormat|erase|luksErase|reencrypt DEV
    // (a new header: the old data is unreadable; erase drops the keys), mdadm --zero-superblock|--create
    // DEV… (the member devices' metadata, or a new array over them): a device named → wipe. Anything else,
    // or no device, → null (as before).
    private static CommandIntent? DeviceWriters(string tool, IReadOnlyList<string> a)
    {
        bool erases = tool switch
        {
            "tee" => true,
            "cryptsetup" => a.Any(x => x is "luksFormat" or "erase" or "luksErase" or "reencrypt"),
            _ => a.Any(x => x is "--zero-superblock" or "--create" or "-C"),
        };
        var devices = erases ? a.Where(x => !x.StartsWith('-') && IsDevice(x)).ToList() : [];
        if (devices.Count == 0) return null;
        return ToolHelp.Intent(tool, Effect.Wipe, $"{tool} {string.Join(' ', devices)}",
            devices.Select(d => new Target { Kind = TargetKind.LocalPath, Path = d }).ToList(),
            devices.Select(d => new Evidence(d, tool == "tee" ? "writes its input over the device" : "erases the device's data or metadata")).ToList());
    }

    // zfs destroy POOL/FS (not a snapshot NAME@SNAP, not -n), zpool destroy POOL, zpool labelclear DEV:
    // the data of a dataset or pool goes with it. A dataset is named as its volume device
    // (/dev/zvol/POOL/FS), as lvremove's VG/LV is /dev/VG/LV, so block-device-wipe decides.
    private static CommandIntent? Zfs(string tool, IReadOnlyList<string> a)
    {
        int verb = 0;
        while (verb < a.Count && a[verb].StartsWith('-')) verb++;
        if (verb >= a.Count || !(a[verb] == "destroy" || tool == "zpool" && a[verb] == "labelclear")) return null;
        var rest = a.Skip(verb + 1).ToList();
        if (rest.Any(x => x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('n'))) return null; // -n: dry run
        var names = rest.Where(x => !x.StartsWith('-') && !x.Contains('@')).ToList();
        if (names.Count == 0) return null;
        var devices = names.Select(x => x.StartsWith("/dev/", StringComparison.Ordinal) ? x : "/dev/zvol/" + x).ToList();
        return ToolHelp.Intent(tool, Effect.Wipe, $"{tool} {a[verb]} {string.Join(' ', names)}",
            devices.Select(d => new Target { Kind = TargetKind.LocalPath, Path = d }).ToList(),
            names.Select(n => new Evidence(n, tool == "zfs" ? "destroys the ZFS dataset and its data" : "destroys the pool and every dataset in it")).ToList());
    }

    /// <summary>True for a path under <c>/dev</c> that is a device a command can erase (a disk, a
    /// partition, a mapper or md volume), not a pseudo-device (<c>/dev/null</c>, <c>/dev/zero</c>,
    /// the standard streams, terminals) or a file system mounted there (<c>/dev/shm</c>).</summary>
    public static bool IsDevice(string path)
    {
        if (!path.StartsWith("/dev/", StringComparison.Ordinal)) return false;
        var rest = path[5..];
        if (rest is "null" or "zero" or "full" or "random" or "urandom" or "stdin" or "stdout" or "stderr" or "tty" or "console" or "ptmx") return false;
        return !(rest.StartsWith("fd/", StringComparison.Ordinal) || rest.StartsWith("pts/", StringComparison.Ordinal) || rest.StartsWith("shm/", StringComparison.Ordinal)
            || rest.StartsWith("mqueue/", StringComparison.Ordinal) || rest.StartsWith("tty", StringComparison.Ordinal));
    }

    internal static CommandIntent Classify(string tool, bool recursive, bool filtered, List<string> paths, IExecContext ctx, string verb)
    {
        var evidence = new List<Evidence>();
        var targets = new List<Target>();
        Effect effect = Effect.Delete;
        string? home = ctx.GetEnvironmentVariable("HOME");
        string? root = null;
        bool rootLooked = false;
        List<Target>? mayTargets = null;
        List<Evidence>? mayEvidence = null;
        foreach (var p in paths)
        {
            string? full = Resolve(p, ctx, home);
            if (!recursive || filtered) { targets.Add(new Target { Kind = TargetKind.LocalPath, Path = full ?? p }); continue; }
            // "/$d", "$HOME/$d", ~/"$d": a variable no one can know here, and empty it leaves / or the home
            // directory. Not known to be that (the variable is usually set), so unknown there: paused by
            // default.local:recursive-delete-may-be-root-or-home. A ${d:?} guard is no empty value; a $(…)
            // may be one as a variable may (its output is not known here: empty when a file is missing).
            if (full == null && Floor(p) is { Length: > 0 } floor && Resolve(floor, ctx, home) is { } at && Catastrophe(at, ctx, home, ref root, ref rootLooked) is { } may)
            {
                (mayTargets ??= []).Add(new Target { Kind = TargetKind.LocalPath, Path = at });
                (mayEvidence ??= []).Add(new(p, $"{verb} of {p}: with the variable or substitution empty, {may} (its value is not known here)"));
                continue;
            }
            targets.Add(new Target { Kind = TargetKind.LocalPath, Path = full ?? p });
            string? why = null;
            if (p is "$HOME" or "${HOME}" or "~" or "~/" or "$HOME/" or "$HOME/*" or "~/*") why = "the home directory";
            else if (full != null) why = Catastrophe(full, ctx, home, ref root, ref rootLooked);
            if (why != null) { effect = Effect.Wipe; evidence.Add(new(p, $"{verb} of {why}")); }
            else evidence.Add(Evidence.Joined(p, verb, " ", full ?? p));
        }
        if (mayTargets == null) return ToolHelp.Intent(tool, effect, $"{verb} {string.Join(' ', paths)}", targets, evidence);
        if (effect == Effect.Wipe || targets.Count == 0)
            return ToolHelp.Intent(tool, effect == Effect.Wipe ? effect : Effect.Unknown, $"{verb} {string.Join(' ', paths)}", [.. targets, .. mayTargets], [.. evidence, .. mayEvidence!]);
        // The unknown on what may be / or home is an intent of its own: it must not replace the delete
        // of the other paths (rm -rf .git "/$d" was paused, not blocked, review42 F11).
        var summary = $"{verb} {string.Join(' ', paths)}";
        return new CommandIntent
        {
            Tool = tool, Effect = effect, Summary = summary, Targets = targets, Evidence = evidence,
            Then = ToolHelp.Intent(tool, Effect.Unknown, summary, mayTargets, mayEvidence!),
        };
    }

    // What a recursive delete of full (resolved from p) wipes: /, a top-level system directory, the home
    // directory or an ancestor, the repository root or an ancestor; null for anything else.
    private static string? Catastrophe(string full, IExecContext ctx, string? home, ref string? root, ref bool rootLooked)
    {
        if (full == "/") return "the root directory";
        if (SystemDirs.Contains(full)) return "a top-level system directory";
        if (home != null && (full == Trim(home) || Trim(home).StartsWith(full + "/", StringComparison.Ordinal))) return "the home directory";
        if (ctx.WorkingDirectory is string cwd && (Trim(cwd) == full || cwd.StartsWith(full + "/", StringComparison.Ordinal)))
        {
            // PERF: the repository root is an ancestor of the cwd; only then is it looked for.
            if (!rootLooked) { root = RepositoryRoot(ctx, null); rootLooked = true; }
            if (root != null && (full == root || root.StartsWith(full + "/", StringComparison.Ordinal))) return "the repository root";
        }
        return null;
    }

    /// <summary>p with every parameter expansion left in it ($d, ${d}, ${d:-}, ${d:+x}, $1, $@) taken
    /// and every command substitution ($(…), `…`) taken as empty: what the path is when the variable
    /// is empty or unset, or the command prints nothing (cat of a missing file: review42 F12). Null
    /// when p holds a ${d:?} / ${d?} guard (the shell stops rather than expand it empty) or $((…)).</summary>
    internal static string? Floor(string p)
    {
        if (!p.Contains('$') && !p.Contains('`')) return null;
        var sb = new System.Text.StringBuilder(p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] == '`')
            {
                int tick = p.IndexOf('`', i + 1);
                if (tick < 0) return null;
                i = tick;
                continue;
            }
            if (p[i] != '$' || i + 1 >= p.Length) { sb.Append(p[i]); continue; }
            char c = p[i + 1];
            if (c == '(')
            {
                if (i + 2 < p.Length && p[i + 2] == '(') return null; // $((…)) is a number, never empty
                int depth = 0, k = i + 1;
                for (; k < p.Length; k++)
                    if (p[k] == '(') depth++;
                    else if (p[k] == ')' && --depth == 0) break;
                if (k >= p.Length) return null;
                i = k;
                continue;
            }
            if (c == '{')
            {
                int close = p.IndexOf('}', i + 2);
                if (close < 0) return null;
                var inner = p.AsSpan(i + 2, close - i - 2);
                int op = inner.IndexOfAny(":?-+=#%/");
                if (op >= 0 && inner[op..] is var rest && (rest.StartsWith(":?") || rest.StartsWith("?"))) return null;
                // ${d:-word} / ${d-word}: the word stands for an unset d (a literal one is kept as it is).
                if (op >= 0 && (inner[op..].StartsWith(":-") || inner[op] == '-')) sb.Append(inner[(op + (inner[op] == ':' ? 2 : 1))..]);
                i = close;
                continue;
            }
            int j = i + 1;
            if (char.IsAsciiDigit(c) || c is '@' or '*' or '#' or '?' or '!' or '-' or '$') j++;
            else while (j < p.Length && (char.IsAsciiLetterOrDigit(p[j]) || p[j] == '_')) j++;
            if (j == i + 1) { sb.Append('$'); continue; }
            i = j - 1;
        }
        var floor = sb.ToString();
        return floor.Contains('$') ? null : floor;
    }

    // Length of a leading $NAME or ${NAME} whose variable the exec's environment does not have, else null.
    private static int? UnsetPrefix(string p, IExecContext ctx)
    {
        bool braced = p[1] == '{';
        int i = braced ? 2 : 1, start = i;
        while (i < p.Length && (char.IsAsciiLetterOrDigit(p[i]) || p[i] == '_')) i++;
        if (i == start || char.IsAsciiDigit(p[start])) return null;
        var name = p[start..i];
        if (braced) { if (i >= p.Length || p[i] != '}') return null; i++; }
        if (i < p.Length && p[i] != '/') return null; // $DIR-suffix: not a whole directory
        return ctx.GetEnvironmentVariable(name) == null ? i : null;
    }

    private static string Trim(string p) => p.Length > 1 ? p.TrimEnd('/') : p;

    /// <summary>Absolute, normalised form of a path argument; a trailing <c>/*</c> or <c>/.</c>
    /// names its directory. Null when it depends on an unknown expansion.</summary>
    internal static string? Resolve(string p, IExecContext ctx, string? home)
    {
        // "$DIR/" or ${DIR}/* with DIR set nowhere (check, a hook: the shell left it as text) is
        // "/" or "/*" when the shell runs it: the empty-variable catastrophe.
        if (p.Length > 1 && p[0] == '$' && UnsetPrefix(p, ctx) is int end) { if (end == p.Length) return null; p = p[end..]; }
        if (p.Contains('$') || p.Contains('`')) return null;
        if (p == "*" || p == ".*") p = ".";
        if (p.EndsWith("/*", StringComparison.Ordinal) || p.EndsWith("/.", StringComparison.Ordinal)) p = p[..^2];
        if (p.Length == 0) p = "/";
        if (p == "~" || p.StartsWith("~/", StringComparison.Ordinal)) { if (home == null) return null; p = home + p[1..]; }
        var cwd = ctx.WorkingDirectory;
        if (!Path.IsPathRooted(p)) { if (cwd == null) return null; p = Path.Combine(cwd, p); }
        var full = Path.GetFullPath(p);
        return Trim(full);
    }

    /// <summary>The nearest ancestor of the working directory (or <paramref name="dir"/>) holding
    /// <c>.git</c>, found through the context; null when there is none or it cannot be read.</summary>
    public static string? RepositoryRoot(IExecContext ctx, string? dir)
    {
        var cwd = ctx.WorkingDirectory;
        if (dir != null) cwd = cwd == null ? dir : Path.GetFullPath(Path.Combine(cwd, dir));
        for (var d = cwd; !string.IsNullOrEmpty(d); d = Path.GetDirectoryName(d))
        {
            if (ctx.ReadFile(Path.Combine(d, ".git", "HEAD"), 64) != null || ctx.ReadFile(Path.Combine(d, ".git"), 256) is { Length: > 0 } f && f.AsSpan().StartsWith("gitdir:"u8))
                return Trim(d);
        }
        return null;
    }
}
