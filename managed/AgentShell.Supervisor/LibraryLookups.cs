namespace AgentShell.Supervisor;

/// <summary>Whether the libraries a process maps are the ones the loader would find from the state
/// the run began with. The mapping check (<see cref="ExecMappings"/>) sees only each library's file,
/// named by /proc/PID/maps after every link was followed; a link the tree repoints in the run at a
/// file from before it (`ln -sfn evil.so ~/.local/lib/libcurl.so.4` under a RUNPATH, a regenerated
/// /etc/ld.so.cache, an /etc/ld.so.preload written in the run) passed it. So the loader's lookup is
/// done again, as glibc does it: breadth first from the program (its PT_INTERP, the names in
/// /etc/ld.so.preload, every DT_NEEDED) through DT_RPATH, DT_RUNPATH ($ORIGIN), the cache and the
/// default directories; each name must lead to a file the process maps, every link followed on the
/// way made before the run, and every place passed over because nothing was there in a directory
/// unchanged since (a removal exposes a later file). A mapped library no name leads to was opened
/// with dlopen: its DT_SONAME must not lead to it through a link made in the run (its own directory,
/// the cache), and /etc/ld.so.preload must be verified. Anything unreadable fails closed.</summary>
internal sealed class LibraryLookups
{
    private static readonly string[] DefaultDirs = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", "/lib64", "/usr/lib64"];
    private static readonly string[] Hwcaps = ["glibc-hwcaps/x86-64-v4/", "glibc-hwcaps/x86-64-v3/", "glibc-hwcaps/x86-64-v2/", ""];
    private const string Preload = "/etc/ld.so.preload";

    /// <summary>Files that make a process dlopen a library they name: OpenSSL's providers and engines
    /// (OPENSSLDIR is /usr/lib/ssl on Debian, its openssl.cnf a link to /etc/ssl's), glibc's NSS and
    /// gconv modules, p11-kit's modules, Kerberos and GSSAPI plugins. A dlopened library is trusted
    /// only while each is as it was when the run began (absent, or unchanged since; a directory: no
    /// entry made or removed in it).</summary>
    internal static readonly string[] CodeNamingFiles =
    [
        "/etc/ssl/openssl.cnf", "/usr/lib/ssl/openssl.cnf", "/etc/nsswitch.conf", "/etc/pkcs11/pkcs11.conf", "/etc/pkcs11/modules",
        "/usr/share/p11-kit/modules", "/etc/krb5.conf", "/etc/gss/mech", "/etc/gss/mech.d",
        "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules", "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d",
    ];
    private const int MaxObjects = 1024, MaxPreloadBytes = 64 * 1024;

    private readonly Dictionary<(ulong Dev, ulong Ino), (string Path, FileStatus Status)> _mapped;
    private readonly PathWalk _walk;
    private readonly long _since;
    private readonly HashSet<(ulong, ulong)> _reached = [];
    private readonly HashSet<string> _loadedNames = new(StringComparer.Ordinal);
    private readonly Queue<(ElfDynamic Elf, string Origin)> _queue = new();
    private bool _namingFilesLooked;
    private string? _namingFileChanged;
    private Dictionary<string, string[]>? _cache;
    private bool _cacheRead;
    private ElfDynamic _program = null!;
    private string _programOrigin = "/";

    private LibraryLookups(Dictionary<(ulong, ulong), (string, FileStatus)> mapped, long sinceNs)
    {
        _mapped = mapped;
        _since = sinceNs;
        _walk = new PathWalk(sinceNs);
        foreach (var (path, st) in mapped.Values) _walk.Know(path, st);
    }

    /// <summary>True when every mapped file of <paramref name="mapped"/> (kernel device, inode → the
    /// path maps shows, its stat) but the program is reached as above; otherwise false with why not.</summary>
    public static bool Verify(int tgid, Dictionary<(ulong, ulong), (string, FileStatus)> mapped, (ulong Dev, ulong Ino) program, long programCtimeNs, long sinceNs, out string? why)
    {
        try { return new LibraryLookups(mapped, sinceNs).Run(tgid, program, programCtimeNs, out why); }
        catch (Exception e) // a file it did not expect (a bound, a format) never lets the connect through
        {
            why = $"its libraries could not be looked up again ({e.GetType().Name})";
            return false;
        }
    }

    private bool Run(int tgid, (ulong Dev, ulong Ino) program, long programCtimeNs, out string? why)
    {
        string? exe = ProcessInfo.ExePath(tgid);
        var elf = exe != null && exe.StartsWith('/') ? ElfDynamic.Of($"/proc/{tgid}/exe", program.Dev, program.Ino, programCtimeNs) : null;
        if (elf == null) { why = "runs a program whose libraries cannot be read"; return false; }
        _program = elf;
        _reached.Add(program);
        if (elf.Interp != null && !Take(elf.Interp, elf.Interp, out why)) return false;
        _programOrigin = Path.GetDirectoryName(exe) ?? "/";
        _queue.Enqueue((elf, _programOrigin));
        if (!Preloads(out bool preloadKnown, out why)) return false;
        while (_queue.TryDequeue(out var o))
        {
            foreach (string name in o.Elf.Needed)
                if (!_loadedNames.Contains(name) && !Find(name, o.Elf, o.Origin, out why)) return false;
            if (_reached.Count > MaxObjects) { why = "maps more libraries than are checked"; return false; }
        }
        foreach (var (id, (path, st)) in _mapped)
            if (!_reached.Contains(id) && !Opened(id, path, st, preloadKnown, out why)) return false;
        why = null;
        return true;
    }

    /// <summary>/etc/ld.so.preload: absent with /etc unchanged since the run began
    /// (<paramref name="known"/>), or made before the run and each file it names mapped and reached.</summary>
    private bool Preloads(out bool known, out string? why)
    {
        known = false;
        var r = _walk.Resolve(Preload, out var st, out string where);
        if (r == PathWalk.Result.Missing) { known = true; why = null; return true; }
        if (r == PathWalk.Result.MissingChanged) { why = null; return true; } // gone: only dlopened libraries are then doubted
        if (r != PathWalk.Result.Found || st.CtimeNs >= _since || st.Size > MaxPreloadBytes)
        {
            why = $"runs under {Preload}, {(r == PathWalk.Result.Changed ? $"reached through {where}, " : "")}made or changed in the run (or unreadable)";
            return false;
        }
        string text;
        try { text = File.ReadAllText(where); }
        catch (IOException) { why = $"runs under {Preload}, which cannot be read"; return false; }
        foreach (string name in text.Split([' ', '\t', '\n', ':'], StringSplitOptions.RemoveEmptyEntries))
            if (!_loadedNames.Contains(name) && !Find(name, _program, _programOrigin, out why)) return false;
        known = true;
        why = null;
        return true;
    }

    /// <summary>The loader's lookup of <paramref name="name"/> needed by <paramref name="by"/>.</summary>
    private bool Find(string name, ElfDynamic by, string origin, out string? why)
    {
        if (name.Contains('/')) return Take(name, name, out why);
        var dirs = new List<string>();
        if (by.RunPath == null)
        {
            Split(by.RPath, origin, dirs);
            if (!ReferenceEquals(by, _program) && _program.RunPath == null) Split(_program.RPath, _programOrigin, dirs);
        }
        Split(by.RunPath, origin, dirs);
        foreach (string dir in dirs)
        {
            if (dir.Length == 0 || dir[0] != '/' || dir.Contains('$')) { why = $"looks for {name} in {(dir.Length == 0 ? "the working directory" : dir)}, which is not checked"; return false; }
            foreach (string sub in Hwcaps)
                switch (Try($"{dir.TrimEnd('/')}/{sub}{name}", name, out why))
                {
                    case true: return true;
                    case false: return false;
                }
        }
        if (!_cacheRead)
        {
            _cacheRead = true;
            _cache = LoaderCache.Read(out var cst, out bool absent);
            if (!absent && (_cache == null || cst.CtimeNs >= _since))
            {
                why = $"finds its libraries through {LoaderCache.Path}, made or changed in the run (or unreadable)";
                return false;
            }
        }
        if (_cache != null && _cache.TryGetValue(name, out var cached))
            foreach (string path in cached)
                switch (Try(path, name, out why))
                {
                    case true: return true;
                    case false: return false;
                }
        foreach (string dir in DefaultDirs)
            foreach (string sub in Hwcaps)
                switch (Try($"{dir}/{sub}{name}", name, out why))
                {
                    case true: return true;
                    case false: return false;
                }
        why = $"maps a library that {name} does not lead to where the loader looks";
        return false;
    }

    /// <summary>One place the loader looks: true when it leads to a mapped file (taken), false when
    /// it must not be trusted, null when the loader would go on (nothing there, unchanged; or a file
    /// not mapped: one the loader skipped).</summary>
    private bool? Try(string candidate, string name, out string? why)
    {
        why = null;
        switch (_walk.Resolve(candidate, out var st, out string where))
        {
            case PathWalk.Result.Missing: return null;
            case PathWalk.Result.Found:
                var id = (Network.ExecFiles.KernelDev(st.Dev), st.Ino);
                if (!_mapped.ContainsKey(id)) return null;
                return Reach(id, candidate, name, out why);
            case PathWalk.Result.MissingChanged:
                why = $"looks for {name} where {where} changed in the run (a file removed there exposes another)";
                return false;
            case PathWalk.Result.Changed:
                why = $"reaches {name} through {where}, made or changed in the run";
                return false;
            default:
                why = $"looks for {name} at {candidate}, which cannot be read";
                return false;
        }
    }

    /// <summary>A path the loader opens as it is (PT_INTERP, a name with a slash).</summary>
    private bool Take(string path, string name, out string? why)
    {
        if (!path.StartsWith('/')) { why = $"loads {name} from a relative path"; return false; }
        bool? r = Try(path, name, out why);
        if (r == null) why = $"maps a library that {name} does not lead to";
        return r == true;
    }

    private bool Reach((ulong, ulong) id, string opened, string name, out string? why)
    {
        why = null;
        _loadedNames.Add(name);
        if (!_reached.Add(id)) return true;
        var (path, st) = _mapped[id];
        var elf = ElfDynamic.Of(path, id.Item1, id.Item2, st.CtimeNs);
        if (elf == null) { why = $"maps {path}, which cannot be read as a library"; return false; }
        if (elf.Soname != null) _loadedNames.Add(elf.Soname);
        _queue.Enqueue((elf, Path.GetDirectoryName(opened) ?? "/"));
        return true;
    }

    /// <summary>A mapped library no name led to: dlopened by the program, often because a
    /// configuration file named it (openssl.cnf, nsswitch.conf, a p11-kit module), which this does
    /// not follow. So it must be root's and writable by no one else (an ordinary user's tree cannot
    /// have planted it), and its DT_SONAME, looked up in its own directory and the cache, must not
    /// reach it through a link made in the run.</summary>
    private bool Opened((ulong Dev, ulong Ino) id, string path, in FileStatus st, bool preloadKnown, out string? why)
    {
        if (!preloadKnown) { why = $"maps {path}, which no library names, while {Preload} was removed in the run"; return false; }
        if (st.Uid != 0 || (st.Permissions & 0x12) != 0) { why = $"maps {path}, which no library names (dlopened) and is not root's alone"; return false; }
        if (NamingFileChanged() is { } conf)
        {
            why = $"maps {path}, which no library names (dlopened), while {conf}, which names code to load, was made or changed in the run (or is unreadable)";
            return false;
        }
        var elf = ElfDynamic.Of(path, id.Dev, id.Ino, st.CtimeNs);
        if (elf == null) { why = $"maps {path}, which cannot be read as a library"; return false; }
        why = null;
        if (elf.Soname == null || elf.Soname.Contains('/')) return true;
        if (!_cacheRead) { _cacheRead = true; _cache = LoaderCache.Read(out _, out _); }
        var places = new List<string> { $"{Path.GetDirectoryName(path)}/{elf.Soname}" };
        if (_cache != null && _cache.TryGetValue(elf.Soname, out var cached)) places.AddRange(cached);
        foreach (string place in places)
            if (_walk.Resolve(place, out _, out string where) == PathWalk.Result.Changed)
            {
                why = $"reaches {elf.Soname} through {where}, made or changed in the run";
                return false;
            }
        return true;
    }

    /// <summary>The first of <see cref="CodeNamingFiles"/> made, changed, reached through a link made,
    /// or removed (from a directory changed) in the run, or unreadable; null when none. Looked at once
    /// per check, and only for a process that maps a dlopened library.</summary>
    private string? NamingFileChanged()
    {
        if (_namingFilesLooked) return _namingFileChanged;
        _namingFilesLooked = true;
        foreach (string f in CodeNamingFiles)
        {
            var r = _walk.Resolve(f, out var st, out _);
            if (r is PathWalk.Result.Missing || (r == PathWalk.Result.Found && st.CtimeNs < _since)) continue;
            return _namingFileChanged = f;
        }
        return null;
    }

    /// <summary>The directories of a DT_RPATH or DT_RUNPATH, $ORIGIN replaced.</summary>
    private static void Split(string? list, string origin, List<string> into)
    {
        if (list == null) return;
        foreach (string d in list.Split(':'))
            into.Add(d.Replace("${ORIGIN}", origin).Replace("$ORIGIN", origin));
    }
}
