using System.Globalization;
using System.Text;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode's programs loaded ahead of time: loading them (libbpf parsing the kernel's
/// BTF, the verifier) is most of a root run's start, so a background process loads sets that no
/// run has used yet and pins them, never attached, under <see cref="Root"/> (the bpf filesystem:
/// root's alone). A run claims one by renaming it out of the pool (atomic: two runs never share
/// one), checks all of it (<see cref="BpfPoolEntry"/>), and uses it only if everything matches;
/// otherwise it discards it and loads its own. A claimed set is never returned to the pool, so no
/// run inherits another's maps. AGENTSHELL_BPF_POOL=0 turns the pool off.</summary>
internal static class BpfPool
{
    /// <summary>Where the pool lives.</summary>
    internal const string DefaultRoot = BpfInstaller.PinRoot + "/pool";

    /// <summary>Where this process looks; only the pool's own tests move it (a pool of their own, so
    /// that root runs of other test projects going on at the same time cannot change its counts).</summary>
    internal static string Root { get; set; } = DefaultRoot;

    /// <summary>How many unused sets the refill keeps ready.</summary>
    internal const int Target = 2;

    /// <summary>The argument that makes `agentshell` the refill process (not a verb: never in help).</summary>
    internal const string RefillArgument = "__bpf-pool-refill";

    /// <summary>Entries of another key (another build, object or boot) older than this are removed.</summary>
    private static readonly TimeSpan ForeignLifetime = TimeSpan.FromMinutes(10);

    internal static bool Enabled => Environment.GetEnvironmentVariable("AGENTSHELL_BPF_POOL") != "0";

    /// <summary>What an entry must have been made for: this boot, this object file and this
    /// executable, each named by its file version (device, inode, size, mtime, ctime: a rebuild or
    /// a reinstall changes it, and ctime cannot be set back). PERF: not the object's bytes — a
    /// managed SHA-256 of them was most of a claim. The expected program tags cannot be fixed at
    /// build time (CO-RE relocations depend on the running kernel), so the entry records those the
    /// kernel reported at its load.</summary>
    internal static string Key(string objectPath)
    {
        static string Version(string path) => Interop.Files.TryStat(path, out var st)
            ? $"{st.Dev}:{st.Ino}:{st.Size}:{st.MtimeSec}.{st.MtimeNsec}:{st.CtimeSec}.{st.CtimeNsec}" : throw new IOException($"cannot stat {path}");
        string boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        return Convert.ToHexStringLower(Telemetry.ProfileDigest.Sha256(Encoding.UTF8.GetBytes($"v1\n{boot}\n{Version(objectPath)}\n{Version("/proc/self/exe")}")))[..32];
    }

    /// <summary>Claims and opens an entry made for <paramref name="objectPath"/>; null when there is
    /// none, or the one claimed did not check out (<paramref name="discarded"/> says why: it is removed).</summary>
    internal static BpfProgramSet? TryClaim(string objectPath, out string? discarded)
    {
        discarded = null;
        if (!Enabled || !Directory.Exists(Root)) return null;
        string key;
        try { key = Key(objectPath); }
        catch (IOException) { return null; } // no key, no claim: the run loads its own
        foreach (var entry in Entries(key))
        {
            string claimed = Path.Combine(Root, $"claimed-{Environment.ProcessId}-{RandomIds.Hex(4)}");
            if (Interop.Libc.rename(entry, claimed) != 0) continue; // another run took it first
            try
            {
                if (BpfObjectShape.Read(objectPath) is not { } shape) { discarded = $"cannot open {objectPath}"; return null; }
                var set = BpfPoolEntry.Open(claimed, key, shape, out string why);
                if (set == null) discarded = why;
                return set;
            }
            finally { Remove(claimed); } // the pins go; the descriptors keep what the run uses
        }
        return null;
    }

    /// <summary>Starts the refill process (<paramref name="executable"/> with
    /// <see cref="RefillArgument"/>) when the pool holds fewer than <see cref="Target"/> sets for
    /// <paramref name="objectPath"/>. It runs in a session of its own and outlives this process.</summary>
    internal static void SpawnRefill(string executable, string objectPath)
    {
        try
        {
            if (!Enabled || Entries(Key(objectPath)).Count() >= Target) return;
            var env = new List<string>();
            foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables()) env.Add($"{kv.Key}={kv.Value}");
            Interop.Spawn.StartDetached(executable, [executable, RefillArgument, objectPath], env);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // No refill: the next run loads its own programs, as without a pool.
        }
    }

    /// <summary>The refill process: loads and pins sets for <paramref name="objectPath"/> until the
    /// pool holds <see cref="Target"/>, at low priority. 0, or 1 with why on <paramref name="log"/>.</summary>
    internal static int Refill(string objectPath, TextWriter log)
    {
        if (!Enabled) return 0;
        try { return RefillPool(objectPath, log); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            log.WriteLine($"agentshell: the BPF program pool was not refilled: {e.Message}");
            return 1;
        }
    }

    private static int RefillPool(string objectPath, TextWriter log)
    {
        Interop.Libc.setpriority(0 /* PRIO_PROCESS */, 0, 10); // behind the runs it prepares for; failing only costs speed
        if ((BpfInstaller.Unavailable(objectPath, out _) ?? BpfInstaller.EnsureBpfFs()) is string why) { log.WriteLine($"agentshell: {why}"); return 1; }
        var closed = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(BpfInstaller.PinRoot);
        Directory.CreateDirectory(Root, closed);
        if (!Interop.Files.TryLStat(Root, out var st) || !st.IsDirectory || st.Uid != 0 || (st.Permissions & 0x3F /* 077 */) != 0)
        {
            log.WriteLine($"agentshell: {Root} is not a directory of root's alone: no pool");
            return 1;
        }
        string key = Key(objectPath);
        Collect(key);
        for (int made = 0; made < Target && Entries(key).Count() < Target; made++)
        {
            using var installer = BpfInstaller.TryLoad(objectPath, out string reason);
            if (installer == null) { log.WriteLine($"agentshell: {reason}"); return 1; }
            string tmp = Path.Combine(Root, $"tmp-{Environment.ProcessId}-{RandomIds.Hex(4)}");
            Directory.CreateDirectory(tmp, closed);
            try
            {
                var tags = new List<(string, string)>();
                foreach (var p in installer.Set.Programs)
                {
                    Pin(p.Fd, Path.Combine(tmp, "prog_" + p.Name));
                    tags.Add((p.Name, BpfPoolEntry.ProgramInfoOf(p.Fd).Tag));
                }
                foreach (var (name, fd) in installer.Set.Maps) Pin(fd, Path.Combine(tmp, "map_" + name));
                // Written last: an entry without it is incomplete and fails every check.
                File.CreateSymbolicLink(Path.Combine(tmp, "manifest"), BpfPoolEntry.Manifest(key, tags));
                if (Entries(key).Count() < Target && Interop.Libc.rename(tmp, Path.Combine(Root, $"{key}-{RandomIds.Hex(8)}")) == 0) tmp = "";
            }
            finally { if (tmp.Length > 0) Remove(tmp); }
        }
        return 0;
    }

    private static void Pin(int fd, string path)
    {
        if (bpf_obj_pin(fd, path) != 0) throw new InvalidOperationException($"cannot pin {path}: {Interop.LastErrno}");
    }

    /// <summary>The pool's ready entries for <paramref name="key"/> (names "KEY-RANDOM").</summary>
    private static IEnumerable<string> Entries(string key)
    {
        try { return Directory.GetDirectories(Root, key + "-*"); }
        catch (IOException) { return []; } // no pool yet
    }

    /// <summary>Removes entries being made or claimed by a process that is gone, and those of
    /// another key once they are old (another build's runs may still want its own for a while).</summary>
    private static void Collect(string key)
    {
        foreach (var dir in Directory.GetDirectories(Root))
        {
            string name = Path.GetFileName(dir);
            if (name.StartsWith(key + "-", StringComparison.Ordinal)) continue;
            if (name.StartsWith("tmp-", StringComparison.Ordinal) || name.StartsWith("claimed-", StringComparison.Ordinal))
            {
                var parts = name.Split('-');
                if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && Directory.Exists($"/proc/{pid}")) continue;
            }
            else if (Interop.Files.TryLStat(dir, out var st) && DateTimeOffset.UtcNow.ToUnixTimeSeconds() - st.MtimeSec < ForeignLifetime.TotalSeconds) continue;
            Remove(dir);
        }
    }

    private static void Remove(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // a later refill collects it; an unclaimed entry is never attached
        catch (UnauthorizedAccessException) { } // as above
    }
}
