using System.Text.Json;
using AgentShell.Cli.Hooks;
using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell hook AGENT [--profile P]...`: an agent's pre-tool hook. Reads the agent's
/// hook JSON on stdin and answers on stdout with exit 0 (see <see cref="AgentDialect"/>). Whatever
/// goes wrong (unreadable or malformed input, an invalid profile, an error while deciding) is
/// answered with a deny naming the error, never with an allow or a silent failure.</summary>
[Verb("hook", HelpText = "Answer an agent's pre-tool hook JSON (stdin) from the decision `check --shell` makes: claude-code, codex, gemini or cursor. Usage: agentshell hook AGENT [--profile P]... Each agent's settings: README.md, Agent hooks.")]
public sealed class HookVerb
{
    // A Bash call is a few KiB; this bounds what a broken or hostile input can make us read.
    private const int MaxInputBytes = 4 << 20;

    /// <summary>Which agent's format.</summary>
    [Value(0, MetaName = "AGENT", Required = true, HelpText = "claude-code, codex, gemini or cursor.")]
    public string Agent { get; set; } = "";

    /// <summary>Profile files, layered in order.</summary>
    [Option('p', "profile", HelpText = "Profile JSON file (repeatable; later files take precedence).")]
    public IEnumerable<string> Profiles { get; set; } = [];

    /// <summary>How long deciding may take before the hook refuses.</summary>
    [Option("timeout", Default = 10, HelpText = "Seconds deciding may take; after that the command is refused (the agents' own hook timeouts, 60 s and more, let it run).")]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Runs the verb on this process's stdin and stdout.</summary>
    public int Execute()
    {
        using var stdin = Console.OpenStandardInput();
        return Execute(stdin, Console.Out, Console.Error);
    }

    /// <summary>Runs the verb on the given streams (tests).</summary>
    public int Execute(Stream stdin, TextWriter stdout, TextWriter stderr)
    {
        if (AgentDialect.Find(Agent) is not { } dialect)
        {
            // Exit 2 with the reason on stderr: what Claude Code, Codex and Gemini CLI treat as a block.
            // Aider (and any agent without pre-tool hooks) is guarded in the kernel instead: say how.
            stderr.WriteLine($"agentshell hook: unknown agent '{Agent}'; expected one of {string.Join(", ", AgentDialect.All.Select(d => d.Name))}"
                + $" (an agent without pre-tool hooks, such as Aider, is guarded by running it as: agentshell run -- {(Agent.Length > 0 ? Agent : "AGENT")})");
            return Program.UsageError;
        }
        HookAnswer? answer = null;
        var decider = new Thread(() =>
        {
            try
            {
                answer = Answer(dialect, stdin, stderr);
            }
            catch (Exception e)
            {
                // Deciding failed in a way the steps below did not expect: refuse, as a run would.
                stderr.WriteLine($"agentshell hook: internal error: {e.GetType().Name}: {e.Message}");
                answer = dialect.Answer(HookDecision.Refuse($"internal error: {e.Message}"));
            }
        }) { IsBackground = true, Name = "hook-decide" };
        decider.Start();
        // An agent runs the command when its hook times out: a decision that hangs (a stuck read,
        // a pathological input) is refused here first. The thread is left behind; the process exits.
        if (!decider.Join(TimeSpan.FromSeconds(Math.Clamp(TimeoutSeconds, 1, 3600))))
        {
            stderr.WriteLine($"agentshell hook: no decision after {TimeoutSeconds} s; refusing");
            return Write(dialect.Answer(HookDecision.Refuse($"no decision after {TimeoutSeconds} s")), stdout, stderr);
        }
        return Write(answer!, stdout, stderr);
    }

    private static int Write(HookAnswer answer, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (answer.Stdout.Length > 0) stdout.WriteLine(answer.Stdout);
            stdout.Flush();
        }
        catch (IOException e)
        {
            // The answer did not reach the agent: exit 2 with the reason on stderr blocks the call.
            stderr.WriteLine($"agentshell hook: cannot write the answer: {e.Message}");
            return Program.UsageError;
        }
        return answer.ExitCode;
    }

    private HookAnswer Answer(AgentDialect dialect, Stream stdin, TextWriter stderr)
    {
        HookCall? call;
        try
        {
            var input = ReadBounded(stdin);
            // A key given twice could be read one way here and another by the agent: refuse it.
            using var doc = JsonDocument.Parse(input, new JsonDocumentOptions { AllowDuplicateProperties = false });
            call = dialect.Parse(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or HookInputException or IOException)
        {
            stderr.WriteLine($"agentshell hook: invalid {dialect.Name} hook input: {e.Message}");
            return dialect.Answer(HookDecision.Refuse($"invalid {dialect.Name} hook input: {e.Message}"));
        }
        if (call == null) return dialect.PassThrough;
        Policy policy;
        try
        {
            policy = ProfileSet.LoadForRun(Profiles.ToList(), TextWriter.Null); // the layers `check` and `run` load
        }
        catch (ProfileException e)
        {
            stderr.WriteLine($"agentshell hook: invalid profile: {e.Message}");
            return dialect.Answer(HookDecision.Refuse($"invalid profile: {e.Message}"));
        }
        return dialect.Answer(HookDecision.Decide(policy, call));
    }

    private static byte[] ReadBounded(Stream s)
    {
        using var m = new MemoryStream();
        var buf = new byte[64 * 1024];
        int n;
        while ((n = s.Read(buf, 0, buf.Length)) > 0)
        {
            if (m.Length + n > MaxInputBytes) throw new HookInputException($"more than {MaxInputBytes >> 20} MiB on stdin");
            m.Write(buf, 0, n);
        }
        return m.ToArray();
    }
}
