using System.Text.Json;
using AgentShell.Supervisor.Approval;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>Options shared by the verbs that talk to a running supervisor.</summary>
public abstract class ControlVerb
{
    /// <summary>The control socket to use.</summary>
    [Option("socket", HelpText = "Control socket of the run (default: $AGENTSHELL_SOCKET, else the newest live run).")]
    public string? Socket { get; set; }

    /// <summary>The run or daemon session to act on.</summary>
    [Option("run", HelpText = "Only this run or daemon session (an id, or a unique prefix, from agentshell runs).")]
    public string? Run { get; set; }

    /// <summary>Runs <paramref name="body"/> with a connected client; errors become exit 1 with a message.</summary>
    protected int WithClient(Func<ControlClient, int> body)
    {
        try
        {
            using var c = ControlClient.Connect(Socket, Run);
            return body(c);
        }
        catch (ControlException e)
        {
            Console.Error.WriteLine($"agentshell: {e.Message}");
            return 1;
        }
    }
}

/// <summary>`agentshell pending [--json]`.</summary>
[Verb("pending", HelpText = "List the requests of a running agent that wait for approval.")]
public sealed class PendingVerb : ControlVerb
{
    /// <summary>Print JSON.</summary>
    [Option("json", HelpText = "Print the items as a JSON array.")]
    public bool Json { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute() => WithClient(c =>
    {
        var r = c.Request("pending");
        var items = r.GetProperty("items");
        if (Json)
        {
            Console.WriteLine(PendingText.RedactAll(items));
            return 0;
        }
        if (items.GetArrayLength() == 0) { Console.WriteLine("nothing is waiting for approval"); return 0; }
        foreach (var i in items.EnumerateArray()) Console.Write(PendingText.Render(i, DateTimeOffset.UtcNow, color: false));
        return 0;
    });
}

/// <summary>`agentshell approve ID [--for-run]`.</summary>
[Verb("approve", HelpText = "Approve a paused request: it runs.")]
public sealed class ApproveVerb : ControlVerb
{
    /// <summary>Item id (a unique prefix is enough).</summary>
    [Value(0, MetaName = "ID", Required = true, HelpText = "Id of the pending item (agentshell pending lists them).")]
    public string Id { get; set; } = "";

    /// <summary>Approve the same command for the rest of the run.</summary>
    [Option("for-run", HelpText = "Also allow the identical command and target for the rest of this run without asking.")]
    public bool ForRun { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute() => WithClient(c =>
    {
        c.Request("approve", w => { w.WriteString("id", Id); w.WriteBoolean("forRun", ForRun); });
        Console.WriteLine(ForRun ? $"approved {Id} for the rest of the run" : $"approved {Id}");
        return 0;
    });
}

/// <summary>`agentshell deny ID [--reason TEXT]`.</summary>
[Verb("deny", HelpText = "Deny a paused request: it fails with EPERM and the agent reads why.")]
public sealed class DenyVerb : ControlVerb
{
    /// <summary>Item id.</summary>
    [Value(0, MetaName = "ID", Required = true, HelpText = "Id of the pending item.")]
    public string Id { get; set; } = "";

    /// <summary>Reason shown to the agent.</summary>
    [Option("reason", HelpText = "Shown to the agent on its stderr.")]
    public string? Reason { get; set; }

    /// <summary>Runs the verb.</summary>
    public int Execute() => WithClient(c =>
    {
        c.Request("deny", w => { w.WriteString("id", Id); if (Reason != null) w.WriteString("reason", Reason); });
        Console.WriteLine($"denied {Id}");
        return 0;
    });
}
