namespace AgentShell.Bench;

/// <summary>Runs <see cref="KnownBench"/> (the row's figure: classify+decide per corpus argv,
/// configuration state known) compiled as the supervisor is, NativeAOT.</summary>
public static class AotMain
{
    public static int Main()
    {
        if (System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeCompiled)
        {
            Console.Error.WriteLine("AgentShell.Bench.Aot: not NativeAOT (publish it with -p:PublishAot=true)");
            return 2;
        }
        new KnownBench().Run(new Harness());
        return 0;
    }
}
