using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>Makes the run's CA in a short-lived child (`agentshell __run-ca RUNID`, hidden), so the
/// supervisor does not load OpenSSL (~4.3 MiB resident, issue 17) until a production TLS connection
/// needs a leaf. The child writes the certificate (PEM) and the key (PKCS#8) to a pipe of ours,
/// each as a 4-byte length then the bytes, and exits. It runs before the agent is let go, as our
/// uid, not dumpable; the pipe's ends are closed on exec, so neither the launcher nor the tree
/// holds one. Any failure (no child, a short or oversized answer, no answer within
/// <see cref="Patience"/>) throws: the run then has no CA, as when making it failed in-process.</summary>
public static class RunCaChild
{
    internal const string Verb = "__run-ca";
    private const int ResultFd = 3, MaxPem = 16 * 1024, MaxKey = 4 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Only a NativeAOT agentshell has the verb; elsewhere (tests, a JIT build) the CA is
    /// made in-process.</summary>
    internal static bool Available => !RuntimeFeature.IsDynamicCodeSupported && Environment.ProcessPath != null;

    /// <summary>True when <paramref name="args"/> is the child's command line.</summary>
    public static bool Is(string[] args) => args.Length == 2 && args[0] == Verb;

    /// <summary>The child: makes the CA, writes it to fd 3, exits 0.</summary>
    public static int Main(string[] args)
    {
        // The key is in this process's memory until it exits: no ptrace attach, no core dump.
        if (Interop.Process.Prctl(Interop.Process.PR_SET_DUMPABLE, 0) is var e and not 0) throw ThrowHelper.Syscall("prctl(PR_SET_DUMPABLE, 0)", e);
        var (pem, key) = RunAuthority.MakeParts(args[1]);
        try
        {
            using var output = new FileStream(new SafeFileHandle(ResultFd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
            Span<byte> length = stackalloc byte[4];
            foreach (var part in new[] { Encoding.ASCII.GetBytes(pem), key })
            {
                BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
                output.Write(length);
                output.Write(part);
            }
        }
        finally
        {
            Array.Clear(key);
        }
        return 0;
    }

    /// <summary>Spawns the child (<paramref name="exe"/>, this executable by default) for run
    /// <paramref name="runId"/> and takes its CA; the key is imported at first use. Throws when no
    /// CA came within <paramref name="patience"/> (default <see cref="Patience"/>).</summary>
    internal static RunAuthority Make(string runId, string? exe = null, TimeSpan? patience = null)
    {
        exe ??= Environment.ProcessPath!;
        var (read, write) = Interop.Pipe.Open();
        int pid;
        try
        {
            var env = new List<string>();
            foreach (System.Collections.DictionaryEntry kv in Environment.GetEnvironmentVariables()) env.Add($"{kv.Key}={kv.Value}");
            pid = Interop.Spawn.Start(exe, [exe, Verb, runId], env, write, ResultFd);
        }
        catch
        {
            Interop.Libc.close(read);
            throw;
        }
        finally
        {
            Interop.Libc.close(write); // ours: the child's copy is the only writer, so its exit is our end of file
        }
        var gate = new object();
        bool reaped = false;
        // A child that hangs is killed: the pipe then ends and the read fails.
        using var deadline = new Timer(_ => { lock (gate) if (!reaped) Interop.Process.kill(pid, 9); }, null, patience ?? Patience, Timeout.InfiniteTimeSpan);
        byte[] pem, key;
        int status = -1;
        try
        {
            using var input = new FileStream(new SafeFileHandle(read, ownsHandle: true), FileAccess.Read, bufferSize: 0);
            pem = Part(input, MaxPem);
            key = Part(input, MaxKey);
        }
        finally
        {
            lock (gate)
            {
                Interop.Spawn.Wait(pid, out status, 0, out _);
                reaped = true;
            }
        }
        if (status != 0)
        {
            Array.Clear(key);
            throw new IOException($"the CA child ended with wait status {status}");
        }
        return RunAuthority.FromParts(Encoding.ASCII.GetString(pem), key);
    }

    private static byte[] Part(Stream input, int max)
    {
        Span<byte> length = stackalloc byte[4];
        input.ReadExactly(length);
        int n = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (n <= 0 || n > max) throw new InvalidDataException($"the CA child sent a part of {n} bytes");
        var part = new byte[n];
        input.ReadExactly(part);
        return part;
    }
}
