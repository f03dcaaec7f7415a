using SharpFuzz;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace AgentShell.Fuzz;

/// <summary>`AgentShell.Fuzz TARGET`: the AFL++ harness for one target (run under afl-fuzz, the
/// target assemblies instrumented by sharpfuzz); `AgentShell.Fuzz TARGET FILE...`: runs files once.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: AgentShell.Fuzz {string.Join('|', FuzzTargets.Names)} [FILE...]");
            return 2;
        }
        string target = args[0];
        if (args.Length > 1)
        {
            foreach (var f in args[1..]) FuzzTargets.Run(target, File.ReadAllBytes(f));
            return 0;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            FuzzTargets.Run(target, buffer.ToArray());
        });
        return 0;
    }
}
