using System.Buffers;
using AgentShell.Core.Model;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor;

/// <summary>What the kernel must commit for an exec that was decided on its arguments: the argv and
/// the environment exactly as they will lie in the new image's memory (each string followed by its
/// NUL: what /proc/PID/cmdline and /proc/PID/environ show before it runs), and the program file it
/// runs. A script runs its interpreter with an argv the kernel builds ("#!" line, the path given,
/// the arguments); a format the kernel hands to another handler (binfmt_misc) is known only by its
/// arguments after argv[0].</summary>
internal sealed class CommittedExec
{
    private CommittedExec(byte[] argv, bool argvIsSuffix, byte[] environment, (ulong Dev, ulong Ino)? program, string[] args, string name, ExecFiles files, long programCtime = 0)
    {
        ProgramCtime = programCtime;
        Files = files;
        Argv = argv;
        ArgvIsSuffix = argvIsSuffix;
        Environment = environment;
        Program = program;
        Args = args;
        Name = name;
    }

    /// <summary>The argv bytes, or (when <see cref="ArgvIsSuffix"/>) the bytes the committed argv ends with.</summary>
    public byte[] Argv { get; }
    /// <summary>True when only the arguments after argv[0] are known (a binfmt_misc format).</summary>
    public bool ArgvIsSuffix { get; }
    /// <summary>The environment bytes.</summary>
    public byte[] Environment { get; }
    /// <summary>Device and inode of the program the kernel runs (the file, or a script's interpreter); null when unknown.</summary>
    public (ulong Dev, ulong Ino)? Program { get; }
    /// <summary>The ctime (ns) the decision saw on an ELF program's file; 0 when unknown or a script.
    /// The inode alone does not tell a file written in place (O_WRONLY, no new inode) after the
    /// decision looked and before the kernel's open for the exec, which stops further writes
    /// (ETXTBSY); a write sets the ctime, and the tree cannot set the clock back.</summary>
    public long ProgramCtime { get; }
    /// <summary>The argv as decided, for messages and the audit log.</summary>
    public string[] Args { get; }
    /// <summary>The files the exec was decided on (<see cref="ExecFiles.Of(ExecRequest)"/>), read once for the check and the trust.</summary>
    public ExecFiles Files { get; }
    /// <summary>The program's name, for messages.</summary>
    public string Name { get; }
    /// <summary>True when the argv and environment can be checked by a hash of the whole area (root mode's kernel check).</summary>
    public bool Hashable => !ArgvIsSuffix;
    /// <summary>True when a tmux or screen CLI's commands were judged for a server inside the tree
    /// (none outside was listed at its exec, <see cref="RemoteExecContext.JudgedForTreeServer"/>): it is
    /// then not exempt to reach one outside (<see cref="CommandServerClis.AtExec"/>).</summary>
    public bool JudgedForTreeServer { get; set; }

    /// <summary>The expectation for <paramref name="request"/> run with <paramref name="envp"/>, as
    /// the kernel will lay it out; null when the file cannot be read (it cannot be verified), with
    /// the errno of the open in <paramref name="error"/>. <paramref name="seen"/>: what the
    /// decision's own open of the program found (<see cref="RemoteExecContext.Program"/>), the file
    /// the decision rests on; without it the file is opened here.</summary>
    public static CommittedExec? For(ExecRequest request, in Argv envp, out Errno error, ProgramKind? seen = null)
    {
        error = 0;
        // PERF: the decision's open tells the kind, the identity and the "#!" line; one open, fstat
        // and read here otherwise. Sound either way: what the kernel commits is compared with this
        // identity, and with the decision's it is the very file decided on.
        var kind = seen is { Unreadable: false, Identity: not null } s ? s : ProgramKind.Of(request.OpenablePath(), out error);
        if (kind.Unreadable) return null;
        var files = kind.Identity is { } id ? ExecFiles.Of(request, id, kind.Interpreter) : ExecFiles.Of(request);
        var args = request.Argv.ToStrings();
        string name = args.Length > 0 ? System.IO.Path.GetFileName(args[0]) : System.IO.Path.GetFileName(request.FilenameString);
        byte[] env = JoinEnvironment(envp);
        if (kind.Interpreter is { } interp)
        {
            // The kernel drops argv[0] and puts the interpreter, its one argument and the path it
            // was given (bprm->filename) in front.
            var head = new List<byte[]> { System.Text.Encoding.UTF8.GetBytes(interp) };
            if (kind.Argument != null) head.Add(System.Text.Encoding.UTF8.GetBytes(kind.Argument));
            head.Add(files.ScriptPath ?? request.Filename.ToArray());
            var w = new ArrayBufferWriter<byte>();
            foreach (var h in head) { w.Write<byte>(h); w.Write<byte>([0]); }
            w.Write<byte>(Join(request.Argv, 1));
            return new CommittedExec(w.WrittenSpan.ToArray(), false, env, files.Interpreter, args, name, files);
        }
        if (!kind.Elf) return new CommittedExec(Join(request.Argv, 1), true, env, null, args, name, files);
        return new CommittedExec(Join(request.Argv, 0), false, env, files.File, args, name, files, kind.Ctime);
    }

    // PERF: an agent runs its tools with the same environment exec after exec: the bytes this thread
    // joined last are reused when equal (compared, ~1.5 KB here) instead of allocated again. It was
    // the largest allocation of a verified exec (perf: its allocation's slow path ~1.7% of the
    // supervisor's CPU over parsed no-op spawns). Shared, so never written once made: every reader
    // (the compare, the kernel's hash) only reads.
    [ThreadStatic] private static byte[]? t_lastEnvironment;

    private static byte[] JoinEnvironment(in Argv envp)
    {
        int total = 0;
        for (int i = 0; i < envp.Count; i++) total += envp[i].Length + 1;
        if (t_lastEnvironment is { } last && last.Length == total && Joins(envp, last)) return last;
        return t_lastEnvironment = Join(envp, 0);
    }

    /// <summary>True when <paramref name="joined"/> (as long as all of <paramref name="v"/> joined) is
    /// its strings, each followed by a NUL.</summary>
    private static bool Joins(in Argv v, byte[] joined)
    {
        int pos = 0;
        for (int i = 0; i < v.Count; i++)
        {
            var s = v[i];
            if (!s.SequenceEqual(joined.AsSpan(pos, s.Length)) || joined[pos + s.Length] != 0) return false;
            pos += s.Length + 1;
        }
        return true;
    }

    /// <summary>Strings <paramref name="from"/>.. of <paramref name="v"/>, each followed by a NUL.</summary>
    private static byte[] Join(in Argv v, int from)
    {
        int total = 0;
        for (int i = from; i < v.Count; i++) total += v[i].Length + 1;
        var b = new byte[total];
        int pos = 0;
        for (int i = from; i < v.Count; i++)
        {
            v[i].CopyTo(b.AsSpan(pos));
            pos += v[i].Length + 1;
        }
        return b;
    }

    /// <summary>What differs between this and a committed image (argv and environment bytes, the
    /// program's identity), in words for the message; null when nothing does.</summary>
    public string? Difference(ReadOnlySpan<byte> argv, ReadOnlySpan<byte> environment, (ulong Dev, ulong Ino)? program)
    {
        if (Program is { } p && program != p) return "another program ran";
        bool argvSame = ArgvIsSuffix ? argv.EndsWith(Argv) && (argv.Length == Argv.Length || argv[argv.Length - Argv.Length - 1] == 0) : argv.SequenceEqual(Argv);
        if (!argvSame) return "its arguments changed";
        if (!environment.SequenceEqual(Environment)) return "its environment changed";
        return null;
    }
}
