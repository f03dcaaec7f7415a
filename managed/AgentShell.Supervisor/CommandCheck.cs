using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>One exec `agentshell check` decided: the command, the file it runs (null when none is
/// found: then it is decided by name), what the classifier found in it, the decision, and how
/// deep it is nested in the command checked (0: that command itself).</summary>
public sealed record CheckedExec(IReadOnlyList<string> Argv, string? Program, IReadOnlyList<CommandIntent> Intents, Decision Decision, int Depth)
{
    /// <summary>The argv joined with spaces, for display.</summary>
    public string Input => string.Join(' ', Argv);
}

/// <summary>`agentshell check`: decides a command without running it, exactly as a supervised run
/// would decide its execs. Each exec goes through the same <see cref="ExecDecider"/> entry point
/// with the request the kernel side would build: argv[0] found as execvp finds it, this process
/// standing in for the caller (so files are read through /proc/PID as the supervisor reads them).
/// Then every command it would run as an exec of its own (a <c>bash -c</c> string's commands, what
/// <c>timeout</c> or <c>env</c> start, the commands of a shell script it runs) is decided the same
/// way, as the supervisor will decide each at its own exec.</summary>
public sealed class CommandCheck
{
    // Enough for any real command line; a string that expands into more is cut there.
    private const int MaxExecs = 256;

    private readonly ExecDecider _decider;
    private readonly CommandClassifier _classifier;

    /// <summary>A check with what `run` uses: the profile's classifier, identification of known
    /// clients by content, and agentshell's own executable for self-approval.</summary>
    public CommandCheck(Policy policy)
    {
        _classifier = new CommandClassifier(policy.Tools);
        _decider = new ExecDecider(_classifier, policy, new Network.ExecutableIdentity(), ProcessInfo.ExeIdentity(Environment.ProcessId));
    }

    /// <summary>A check through <paramref name="decider"/> (tests).</summary>
    internal CommandCheck(ExecDecider decider, CommandClassifier classifier)
    {
        _decider = decider;
        _classifier = classifier;
    }

    /// <summary>Decides <paramref name="argv"/> run from a process with <paramref name="ctx"/>'s
    /// environment and working directory, then each exec it would run; the command first.</summary>
    public IReadOnlyList<CheckedExec> Command(IReadOnlyList<string> argv, IExecContext ctx)
    {
        var results = new List<CheckedExec>();
        if (argv.Count > 0) Visit(argv, ctx, 0, descend: true, results);
        return results;
    }

    /// <summary>Decides a shell string as the exec of <c>sh -c STRING</c> that runs it (depth 0: the
    /// string as a whole, with pipes, here-documents and redirections), then each of its commands.</summary>
    public IReadOnlyList<CheckedExec> Shell(string script, IExecContext ctx) => Command(["sh", "-c", script], ctx);

    /// <summary>Decides one exec; then, when <paramref name="descend"/>, the execs it runs (the
    /// classifier lists all of them, however deep, at once), and for each the commands of a script
    /// it runs (which only reading that script shows).</summary>
    private void Visit(IReadOnlyList<string> argv, IExecContext ctx, int depth, bool descend, List<CheckedExec> results)
    {
        if (results.Count >= MaxExecs) return;
        string? program = ProgramSearch.Find(argv[0], ctx);
        var filename = Encoding.UTF8.GetBytes(program ?? argv[0]);
        // As the kernel side builds it; the caller is this process. A program that is not found
        // is decided by name (pid 0: no file to read).
        var request = new ExecRequest(filename, filename.Length, Argv.FromStrings(argv), program != null ? Environment.ProcessId : 0);
        IReadOnlyList<NestedCommand> nested;
        try
        {
            var d = _decider.Decide(request, ctx, out IReadOnlyList<CommandIntent> intents);
            results.Add(new CheckedExec(argv, program, intents, d, depth));
            nested = depth >= CommandClassifier.MaxDepth ? []
                : descend ? _classifier.NestedCommands(request.Filename, request.Argv, ctx) : [];
            if (nested.Count == 0 && depth < CommandClassifier.MaxDepth && ScriptCommands(request, program, ctx) is { } run)
                nested = run;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // As in a run: an error while deciding refuses, never allows.
            var d = SupervisorRules.DecisionError.About(null, explanation: $"{e.GetType().Name}: {e.Message}");
            results.Add(new CheckedExec(argv, program, [], d, depth));
            return;
        }
        // A script's commands are all listed at once too; each may run a script of its own.
        foreach (var n in nested) Visit(n.Argv, n.Context, depth + 1 + n.Level, descend: false, results);
    }

    /// <summary>For a script, what its interpreter runs as execs of its own: the kernel runs the
    /// interpreter with the script's path (<c>#!/bin/sh</c> then reads the script); null for
    /// anything else.</summary>
    private IReadOnlyList<NestedCommand>? ScriptCommands(in ExecRequest request, string? program, IExecContext ctx)
    {
        if (program == null || Network.ExecFiles.Shebang(program) is not { } sb) return null;
        var run = new List<string> { sb.Interpreter };
        if (sb.Argument != null) run.Add(sb.Argument);
        run.Add(program);
        for (int i = 1; i < request.Argv.Count; i++) run.Add(request.Argv.GetString(i));
        // The interpreter itself is no exec of its own (the kernel starts it); what it runs is.
        return _classifier.NestedCommands(Encoding.UTF8.GetBytes(sb.Interpreter), Argv.FromStrings(run), ctx);
    }
}
