using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AgentShell.Supervisor.Network;
using static AgentShell.Supervisor.Interop.Seccomp;

namespace AgentShell.Supervisor.Tests;

/// <summary>The struct layouts and constants the C# interop assumes, checked by the C compiler
/// against the kernel headers and native/bpf/agentshell-connect.h (as Tmds.LibC's StructTests do),
/// and against the running kernel.</summary>
[TestFixture]
public sealed class InteropLayoutTests
{
    [Test]
    public void LayoutsAndConstantsMatchTheKernelHeaders()
    {
        var asserts = new (string Expr, long Value)[]
        {
            ("sizeof(struct seccomp_notif)", Unsafe.SizeOf<seccomp_notif>()),
            ("sizeof(struct seccomp_notif_resp)", Unsafe.SizeOf<seccomp_notif_resp>()),
            ("sizeof(struct seccomp_data)", Unsafe.SizeOf<seccomp_data>()),
            ("offsetof(struct seccomp_notif, id)", Marshal.OffsetOf<seccomp_notif>("id")),
            ("offsetof(struct seccomp_notif, pid)", Marshal.OffsetOf<seccomp_notif>("pid")),
            ("offsetof(struct seccomp_notif, flags)", Marshal.OffsetOf<seccomp_notif>("flags")),
            ("offsetof(struct seccomp_notif, data)", Marshal.OffsetOf<seccomp_notif>("data")),
            ("offsetof(struct seccomp_data, nr)", Marshal.OffsetOf<seccomp_data>("nr")),
            ("offsetof(struct seccomp_data, arch)", Marshal.OffsetOf<seccomp_data>("arch")),
            ("offsetof(struct seccomp_data, args)", Marshal.OffsetOf<seccomp_data>("args")),
            ("offsetof(struct seccomp_notif_resp, id)", Marshal.OffsetOf<seccomp_notif_resp>("id")),
            ("offsetof(struct seccomp_notif_resp, val)", Marshal.OffsetOf<seccomp_notif_resp>("val")),
            ("offsetof(struct seccomp_notif_resp, error)", Marshal.OffsetOf<seccomp_notif_resp>("error")),
            ("offsetof(struct seccomp_notif_resp, flags)", Marshal.OffsetOf<seccomp_notif_resp>("flags")),
            ("SECCOMP_IOCTL_NOTIF_RECV", SECCOMP_IOCTL_NOTIF_RECV),
            ("SECCOMP_IOCTL_NOTIF_SEND", SECCOMP_IOCTL_NOTIF_SEND),
            ("SECCOMP_IOCTL_NOTIF_ID_VALID", SECCOMP_IOCTL_NOTIF_ID_VALID),
            ("SECCOMP_USER_NOTIF_FLAG_CONTINUE", SECCOMP_USER_NOTIF_FLAG_CONTINUE),
            ("SECCOMP_GET_NOTIF_SIZES", SECCOMP_GET_NOTIF_SIZES),
            ("AUDIT_ARCH_X86_64", AUDIT_ARCH_X86_64),
            ("__NR_execve", NR_execve),
            ("__NR_execveat", NR_execveat),
            ("__NR_connect", NR_connect),
            ("__NR_seccomp", NR_seccomp),
            ("__NR_pidfd_open", 434),
            ("__NR_pidfd_getfd", 438),
            ("PR_SET_CHILD_SUBREAPER", Interop.Process.PR_SET_CHILD_SUBREAPER),
            ("PR_SET_DUMPABLE", Interop.Process.PR_SET_DUMPABLE),
        };
        var (exit, err) = Compile("gcc", [], "#include <stddef.h>\n#include <linux/seccomp.h>\n#include <linux/audit.h>\n#include <sys/ioctl.h>\n#include <sys/prctl.h>\n#include <sys/syscall.h>\n", asserts);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(asserts, Has.Length.EqualTo(28));
    }

    [Test]
    public void TheFileAndCredentialLayoutsAndConstantsMatchGlibc()
    {
        var asserts = new (string Expr, long Value)[]
        {
            ("sizeof(struct stat)", Unsafe.SizeOf<Tmds.Linux.stat>()),
            ("offsetof(struct stat, st_dev)", Marshal.OffsetOf<Tmds.Linux.stat>("st_dev")),
            ("offsetof(struct stat, st_ino)", Marshal.OffsetOf<Tmds.Linux.stat>("st_ino")),
            ("offsetof(struct stat, st_mode)", Marshal.OffsetOf<Tmds.Linux.stat>("st_mode")),
            ("offsetof(struct stat, st_uid)", Marshal.OffsetOf<Tmds.Linux.stat>("st_uid")),
            ("offsetof(struct stat, st_size)", Marshal.OffsetOf<Tmds.Linux.stat>("st_size")),
            ("offsetof(struct stat, st_mtim)", Marshal.OffsetOf<Tmds.Linux.stat>("st_mtim")),
            ("offsetof(struct stat, st_ctim)", Marshal.OffsetOf<Tmds.Linux.stat>("st_ctim")),
            ("sizeof(struct passwd)", Unsafe.SizeOf<Interop.Process.passwd>()),
            ("offsetof(struct passwd, pw_name)", Marshal.OffsetOf<Interop.Process.passwd>("pw_name")),
            ("__NR_stat", Interop.Files.NR_stat),
            ("__NR_fstat", Interop.Files.NR_fstat),
            ("__NR_lstat", Interop.Files.NR_lstat),
            ("O_RDONLY", Interop.Files.O_RDONLY),
            ("O_WRONLY", Interop.Files.O_WRONLY),
            ("O_CREAT", Interop.Files.O_CREAT),
            ("O_NOCTTY", Interop.Files.O_NOCTTY),
            ("O_APPEND", Interop.Files.O_APPEND),
            ("O_NONBLOCK", Interop.Files.O_NONBLOCK),
            ("O_DIRECTORY", Interop.Files.O_DIRECTORY),
            ("O_CLOEXEC", Interop.Files.O_CLOEXEC),
            ("ERANGE", (long)Errno.ERANGE),
        };
        var (exit, err) = Compile("gcc", [], "#define _GNU_SOURCE\n#include <stddef.h>\n#include <errno.h>\n#include <fcntl.h>\n#include <pwd.h>\n#include <sys/stat.h>\n#include <sys/syscall.h>\n", asserts);
        Assert.That(exit, Is.EqualTo(0), err);
    }

    /// <summary>Compiles <paramref name="prelude"/> and one <c>_Static_assert</c> per expression, so
    /// the compiler names each one that does not hold.</summary>
    private static (int ExitCode, string Stderr) Compile(string compiler, string[] flags, string prelude, IEnumerable<(string Expr, long Value)> asserts)
    {
        var src = prelude + string.Concat(asserts.Select(a => $"_Static_assert((long long)({a.Expr}) == {a.Value}LL, \"{a.Expr} != {a.Value}\");\n"));
        var file = Path.Combine(Path.GetTempPath(), $"agentshell-layout-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, src);
        try
        {
            var psi = new ProcessStartInfo(compiler, [.. flags, "-fsyntax-only", "-Wall", "-Werror", file]) { RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        finally { File.Delete(file); }
    }

    /// <summary>A C# mirror of a struct of native/bpf/agentshell-connect.h: each C# field and the C
    /// member it stands for; a member held in several C# fields (a 16-byte address as two ulongs)
    /// is split into <c>Parts</c> equal pieces, the field being piece <c>Part</c>.</summary>
    private sealed record Mirror(string CStruct, Type Type, int Size, (string Field, string Member, int Part, int Parts)[] Fields);

    private static Mirror Of<T>(string cStruct, params (string, string, int, int)[] fields) where T : unmanaged =>
        new(cStruct, typeof(T), Unsafe.SizeOf<T>(), fields);

    private static (string, string, int, int) F(string field, string member) => (field, member, 0, 1);
    private static (string, string, int, int) Half(string field, string member, int part) => (field, member, part, 2);

    private static readonly Mirror[] BpfMirrors =
    [
        Of<BpfMaps.AddrKey>("struct addr_key", F("PrefixLen", "prefixlen"), Half("Hi", "addr", 0), Half("Lo", "addr", 1)),
        Of<BpfMaps.ProcState>("struct proc_state", F("Gen", "gen"), F("Trusted", "trusted"), F("Pad", "pad")),
        Of<BpfMaps.Stage>("struct stage", F("Trusted", "trusted"), F("Verify", "verify"), F("Dev", "dev"), F("Ino", "ino"), F("ArgvLen", "argv_len"), F("ArgvHash", "argv_hash"), F("EnvLen", "env_len"), F("EnvHash", "env_hash")),
        Of<BpfMaps.ExecCheck>("struct exec_check", F("K0", "k0"), F("K1", "k1"), F("Supervisor", "supervisor"), F("Pad", "pad")),
        Of<BpfMaps.DecidedKey>("struct decided_key", F("Tgid", "tgid"), F("Port", "port"), F("Gen", "gen"), Half("Hi", "addr", 0), Half("Lo", "addr", 1)),
        Of<BpfMaps.Config>("struct config", F("GatePort", "gate_port"), F("Action", "action"), F("Ready", "ready"), F("Wire", "wire")),
        Of<KernelConnectGuard.Slot>("struct slot", F("Seq", "seq"), F("Gen", "gen"), F("Tgid", "tgid"), F("Tid", "tid"), F("Port", "port"),
            F("Family", "family"), Half("Hi", "addr", 0), Half("Lo", "addr", 1)),
        Of<BpfMaps.ControlSocket>("struct control_socket", F("Len", "len"), F("Flags", "flags"), F("Path", "path")),
        Of<KernelConnectGuard.Event>("struct event", F("Tgid", "tgid"), F("Tid", "tid"), F("Port", "port"), F("Kind", "kind"),
            Half("Hi", "addr", 0), Half("Lo", "addr", 1)),
    ];

    private static readonly (string Expr, long Value)[] BpfConstants =
    [
        ("GATE_NET", KernelConnectGuard.GateNetwork),
        ("(__u32)~(GATE_SLOTS - 1)", KernelConnectGuard.GateMask),
        ("GATE_SLOTS", GateSlots.Count),
        ("SLOT_FREE", (long)GateSlots.Free),
        ("SLOT_FILLING", unchecked((long)GateSlots.Filling)),
        ("ACT_ALLOW", BpfMaps.ActionAllow),
        ("ACT_BLOCK", BpfMaps.ActionBlock),
        ("ACT_PAUSE", BpfMaps.ActionPause),
        ("EV_BLOCKED", KernelConnectGuard.EventBlocked),
        ("EV_DATAGRAM", KernelConnectGuard.EventDatagram),
        ("EV_GATE_FULL", KernelConnectGuard.EventGateUnavailable),
        ("EV_NOT_READY", KernelConnectGuard.EventNotReady),
        ("EV_EXEC_CHANGED", KernelConnectGuard.EventExecChanged),
        ("EV_EXEC_TRACED", KernelConnectGuard.EventExecTraced),
        ("EV_CONTROL_SOCKET", KernelConnectGuard.EventControlSocket),
        ("EV_UNIX_UNSEEN", KernelConnectGuard.EventUnixUnseen),
        ("UNIX_PATH", BpfMaps.UnixPath),
        ("DECIDED_ALLOW", BpfMaps.DecidedAllow),
        ("DECIDED_DENY", BpfMaps.DecidedDeny),
    ];

    /// <summary>Every size, field offset and field size of the C# mirrors, and every shared constant,
    /// as the compiler sees native/bpf/agentshell-connect.h: the host's gcc, and clang for the BPF
    /// target (what the programs are built with).</summary>
    [TestCase("gcc")]
    [TestCase("clang-bpf")]
    public void BpfMirrorsMatchTheSharedHeader(string compiler)
    {
        var (cc, flags) = BpfHeaderCompiler(compiler);
        var asserts = new List<(string Expr, long Value)>();
        foreach (var m in BpfMirrors)
        {
            asserts.Add(($"sizeof({m.CStruct})", m.Size));
            foreach (var (field, member, part, parts) in m.Fields)
            {
                string size = $"(sizeof((({m.CStruct} *)0)->{member}) / {parts})";
                asserts.Add((size, Marshal.SizeOf(FieldOf(m.Type, field).FieldType)));
                asserts.Add(($"offsetof({m.CStruct}, {member}) + {part} * {size}", Marshal.OffsetOf(m.Type, field)));
            }
        }
        asserts.AddRange(BpfConstants);
        var (exit, err) = Compile(cc, flags, "#include <stddef.h>\n#include \"agentshell-connect.h\"\n", asserts);
        Assert.That(exit, Is.EqualTo(0), err);

        // The look-alike: one wrong value is named by the compiler (the check is not vacuous).
        var (wrongExit, wrongErr) = Compile(cc, flags, "#include \"agentshell-connect.h\"\n", [("UNIX_PATH", BpfMaps.UnixPath + 1)]);
        Assert.That(wrongExit, Is.Not.EqualTo(0));
        Assert.That(wrongErr, Does.Contain($"UNIX_PATH != {BpfMaps.UnixPath + 1}"));
    }

    /// <summary>Each mirror lists every field of its C# struct, and the fields cover the struct
    /// without gap or overlap: with sizes equal to the C struct's, no C member is left unchecked.</summary>
    [Test]
    public void EveryFieldOfEveryBpfMirrorIsChecked()
    {
        Assert.That(BpfMirrors, Has.Length.EqualTo(9));
        foreach (var m in BpfMirrors)
        {
            var declared = m.Type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => f.Name);
            Assert.That(m.Fields.Select(f => f.Field), Is.EquivalentTo(declared), m.CStruct);
            int end = 0;
            foreach (var f in m.Fields.Select(f => FieldOf(m.Type, f.Field)).OrderBy(f => Marshal.OffsetOf(m.Type, f.Name)))
            {
                Assert.That((int)Marshal.OffsetOf(m.Type, f.Name), Is.EqualTo(end), $"{m.CStruct}: a gap or an overlap before {f.Name}");
                end += Marshal.SizeOf(f.FieldType);
            }
            Assert.That(end, Is.EqualTo(m.Size), $"{m.CStruct}: padding after the last field");
        }
    }

    private static FieldInfo FieldOf(Type t, string name) =>
        t.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) ?? throw new ArgumentException($"{t.Name} has no field {name}");

    /// <summary>The compiler and flags that see the header as the named build does.</summary>
    private static (string Compiler, string[] Flags) BpfHeaderCompiler(string which)
    {
        string include = "-I" + Path.Combine(Repo.Root, "native", "bpf");
        if (which == "gcc") return ("gcc", [include]);
        var clang = new[] { "clang-14", "clang" }.Select(c => new[] { "/usr/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, c)).FirstOrDefault(File.Exists)).FirstOrDefault(c => c != null);
        if (clang == null) Assert.Ignore("clang is not installed: the BPF programs cannot be built here either");
        string arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
        // As the Makefile builds the programs: the BPF target, with the host's asm/ headers.
        return (clang!, ["-target", "bpf", $"-I/usr/include/{arch}-linux-gnu", include]);
    }

    [Test]
    public void TheRunningKernelReportsTheSizesWeAssume()
    {
        Assert.That(SupervisedRun.CheckKernel(), Is.Null);
    }
}
