using System.Runtime.InteropServices;

namespace AgentShell.Supervisor;

internal static partial class Interop
{
    /// <summary>libbpf 1.x (Debian's libbpf1): loads the root-mode connect programs and reads and
    /// writes their maps. libbpf 1.x reports errors as NULL / a negative value with errno set.</summary>
    internal static partial class Bpf
    {
        private const string Lib = "libbpf.so.1";

        internal const int BPF_PROG_TYPE_TRACING = 26;
        internal const ulong BPF_ANY = 0;

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial nint bpf_object__open_file(string path, nint opts);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial int bpf_object__load(nint obj);

        [LibraryImport(Lib)]
        internal static partial void bpf_object__close(nint obj);

        [LibraryImport(Lib)]
        internal static partial nint bpf_object__next_program(nint obj, nint prev);

        [LibraryImport(Lib)]
        internal static partial nint bpf_program__name(nint prog);

        [LibraryImport(Lib)]
        internal static partial int bpf_program__type(nint prog);

        [LibraryImport(Lib)]
        internal static partial nint bpf_program__section_name(nint prog);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial nint bpf_program__attach(nint prog);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial nint bpf_program__attach_cgroup(nint prog, int cgroupFd);

        [LibraryImport(Lib)]
        internal static partial int bpf_link__destroy(nint link);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int bpf_link__pin(nint link, string path);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial int bpf_link__unpin(nint link);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int bpf_obj_pin(int fd, string path);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int bpf_obj_get(string path);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int bpf_object__find_map_fd_by_name(nint obj, string name);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial int bpf_map_lookup_elem(int fd, void* key, void* value);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial int bpf_map_delete_elem(int fd, void* key);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial int bpf_map_get_next_key(int fd, void* key, void* next);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial nint ring_buffer__new(int mapFd, delegate* unmanaged<nint, nint, nuint, int> sample, nint ctx, nint opts);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial int ring_buffer__consume(nint rb);

        [LibraryImport(Lib)]
        internal static partial void ring_buffer__free(nint rb);

        [LibraryImport(Lib)]
        internal static partial nint libbpf_set_print(nint fn);

        // The programs and maps as file descriptors: a loaded object's, or a pool entry's (BpfPool).
        [LibraryImport(Lib)] internal static partial int bpf_program__fd(nint prog);
        [LibraryImport(Lib)] internal static partial int bpf_program__expected_attach_type(nint prog);
        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial nint bpf_object__find_program_by_name(nint obj, string name);
        [LibraryImport(Lib)] internal static partial int bpf_program__set_expected_attach_type(nint prog, int type);
        [LibraryImport(Lib)] internal static partial int bpf_program__set_autoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);
        [LibraryImport(Lib)] internal static partial nint bpf_object__next_map(nint obj, nint prev);
        [LibraryImport(Lib)] internal static partial nint bpf_map__name(nint map);
        [LibraryImport(Lib)] internal static partial int bpf_map__fd(nint map);
        [LibraryImport(Lib)] internal static partial int bpf_map__type(nint map);
        [LibraryImport(Lib)] internal static partial uint bpf_map__key_size(nint map);
        [LibraryImport(Lib)] internal static partial uint bpf_map__value_size(nint map);
        [LibraryImport(Lib)] internal static partial uint bpf_map__max_entries(nint map);
        [LibraryImport(Lib)] internal static partial uint bpf_map__map_flags(nint map);

        [LibraryImport(Lib, SetLastError = true)]
        internal static unsafe partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLen);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial int bpf_link_create(int progFd, int targetFd, int attachType, nint opts);

        [LibraryImport(Lib, SetLastError = true)]
        internal static partial int bpf_raw_tracepoint_open(nint name, int progFd);

        [LibraryImport(Libc.Name, SetLastError = true)]
        private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        private const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;

        /// <summary>MAP_FAILED: what <see cref="MapShared"/> returns when the kernel refuses (errno set).</summary>
        internal const nint MapFailed = -1;

        /// <summary>Maps the values of a BPF_F_MMAPABLE array map, read-write and shared with the kernel.</summary>
        internal static nint MapShared(int mapFd, nuint length) =>
            mmap(0, length, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);

        /// <summary>Updates one element; throws (the caller fails closed) when the kernel refuses.</summary>
        internal static unsafe void Update<TKey, TValue>(int fd, in TKey key, in TValue value)
            where TKey : unmanaged where TValue : unmanaged
        {
            TKey k = key;
            TValue v = value;
            if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) != 0)
                throw new InvalidOperationException($"bpf map update failed: {(Errno)Marshal.GetLastPInvokeError()}");
        }

        /// <summary>Deletes one element; false when it was not there.</summary>
        internal static unsafe bool Delete<TKey>(int fd, in TKey key) where TKey : unmanaged
        {
            TKey k = key;
            return bpf_map_delete_elem(fd, &k) == 0;
        }

        /// <summary>Reads one element; false when it is not there.</summary>
        internal static unsafe bool Lookup<TKey, TValue>(int fd, in TKey key, out TValue value)
            where TKey : unmanaged where TValue : unmanaged
        {
            TKey k = key;
            TValue v;
            bool found = bpf_map_lookup_elem(fd, &k, &v) == 0;
            value = found ? v : default;
            return found;
        }
    }
}
