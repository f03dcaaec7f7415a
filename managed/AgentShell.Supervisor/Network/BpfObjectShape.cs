using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>What the connect object declares, read from the file without loading it (libbpf's
/// open parses the object's ELF and its own BTF, not the kernel's): every program's name, type and
/// attach type, every map's name, type, sizes and flags. A pool entry must match it exactly.</summary>
internal sealed record BpfObjectShape(IReadOnlyList<BpfObjectShape.ProgramShape> Programs, IReadOnlyList<BpfObjectShape.MapShape> Maps)
{
    /// <summary>A program the object declares.</summary>
    internal readonly record struct ProgramShape(string Name, int Type, int AttachType);

    /// <summary>A map the object declares.</summary>
    internal readonly record struct MapShape(string Name, int Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags);

    /// <summary>Reads <paramref name="objectPath"/>; null when libbpf cannot open it.</summary>
    internal static BpfObjectShape? Read(string objectPath)
    {
        libbpf_set_print(0);
        nint obj = bpf_object__open_file(objectPath, 0);
        if (obj == 0) return null;
        BpfInstaller.Prepare(obj, unixConnect: true);
        try
        {
            var programs = new List<ProgramShape>();
            for (nint p = bpf_object__next_program(obj, 0); p != 0; p = bpf_object__next_program(obj, p))
                programs.Add(new(Marshal.PtrToStringUTF8(bpf_program__name(p)) ?? "", bpf_program__type(p), bpf_program__expected_attach_type(p)));
            var maps = new List<MapShape>();
            for (nint m = bpf_object__next_map(obj, 0); m != 0; m = bpf_object__next_map(obj, m))
                maps.Add(new(Marshal.PtrToStringUTF8(bpf_map__name(m)) ?? "", bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m),
                    bpf_map__max_entries(m), bpf_map__map_flags(m)));
            return new BpfObjectShape(programs, maps);
        }
        finally { bpf_object__close(obj); }
    }
}
