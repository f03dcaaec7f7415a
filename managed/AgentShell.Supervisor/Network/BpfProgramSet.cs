using System.Runtime.InteropServices;
using static AgentShell.Supervisor.Interop.Bpf;

namespace AgentShell.Supervisor.Network;

/// <summary>Root mode's connect programs and their maps as file descriptors, loaded and not yet
/// attached: those of an object libbpf has just loaded, or those of a pool entry a run claimed
/// (<see cref="BpfPool"/>). Attaching and the maps' users need only the descriptors.</summary>
internal sealed class BpfProgramSet : IDisposable
{
    /// <summary>One program: its name, BPF program type, expected attach type and descriptor.</summary>
    internal readonly record struct Program(string Name, int Type, int AttachType, int Fd);

    private readonly Dictionary<string, int> _maps;
    private readonly nint _object; // the libbpf object owning the descriptors, or 0: we own them
    private bool _closed;

    private BpfProgramSet(List<Program> programs, Dictionary<string, int> maps, nint obj)
    {
        Programs = programs;
        _maps = maps;
        _object = obj;
    }

    /// <summary>The programs, in the object's order.</summary>
    internal IReadOnlyList<Program> Programs { get; }

    /// <summary>Every map by name.</summary>
    internal IReadOnlyDictionary<string, int> Maps => _maps;

    /// <summary>The libbpf object of a load (its programs' section names are there), or 0 for a pool entry.</summary>
    internal nint Object => _object;

    /// <summary>The descriptor of map <paramref name="name"/>; throws when the set has none.</summary>
    internal int Map(string name) =>
        _maps.TryGetValue(name, out int fd) ? fd : throw new InvalidOperationException($"the BPF object has no map '{name}'");

    /// <summary>The programs and maps of a loaded libbpf object, which keeps owning them.</summary>
    internal static BpfProgramSet OfLoadedObject(nint obj)
    {
        var programs = new List<Program>();
        for (nint p = bpf_object__next_program(obj, 0); p != 0; p = bpf_object__next_program(obj, p))
            if (bpf_program__fd(p) >= 0) // one left out of the load (BpfInstaller.Prepare) has none
                programs.Add(new(Marshal.PtrToStringUTF8(bpf_program__name(p)) ?? "", bpf_program__type(p), bpf_program__expected_attach_type(p), bpf_program__fd(p)));
        var maps = new Dictionary<string, int>(StringComparer.Ordinal);
        for (nint m = bpf_object__next_map(obj, 0); m != 0; m = bpf_object__next_map(obj, m))
            maps[Marshal.PtrToStringUTF8(bpf_map__name(m)) ?? ""] = bpf_map__fd(m);
        return new BpfProgramSet(programs, maps, obj);
    }

    /// <summary>Descriptors this set owns from now on (a claimed pool entry's).</summary>
    internal static BpfProgramSet OfDescriptors(List<Program> programs, Dictionary<string, int> maps) => new(programs, maps, 0);

    /// <summary>Closes the programs and maps (attached links and pins keep what they use alive).</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        if (_object != 0) { bpf_object__close(_object); return; }
        foreach (var p in Programs) Interop.Libc.close(p.Fd);
        foreach (int fd in _maps.Values) Interop.Libc.close(fd);
    }
}
