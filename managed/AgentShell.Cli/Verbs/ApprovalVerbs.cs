using System.Text.Json;
using AgentShell.Supervisor.Approval;
using CommandLine;

namespace AgentShell.Cli.Verbs;

/// <summary>Options shared by the verbs that talk to a running supervisor.</summary>
public abstract class ControlVerb
{
    /// <summary>The control socket to use.</summary>
    [Option("socket", HelpText = "Control socket of one run (default: $AGENTSHELL_SOCKET, else every live run of yours: approve and deny find the one holding ID).")]
    public string? Socket { get; set; }

    /// <summary>The run or daemon session to act on.</summary>
    [Option("run", HelpText = "Only this run or daemon session (an id, or a unique prefix, from agentshell runs).")]
    public string? Run { get; set; }

    /// <summary>Runs <paramref name="body"/> with a connected client; errors become exit 1 with a message.
    /// With <paramref name="itemId"/> (approve, deny) and no run named, the run holding that item is used.</summary>
    protected int WithClient(Func<ControlClient, int> body, string? itemId = null)
    {
        try
        {
            if (itemId != null && NoRunNamed) FindRunHolding(itemId);
            using var c = ControlClient.Connect(Socket, Run);
            return body(c);
        }
        catch (ControlException e)
        {
            Console.Error.WriteLine($"agentshell: {e.Message}");
            return 1;
        }
    }

    /// <summary>Neither --socket, --run nor $AGENTSHELL_SOCKET: the default is every live run.</summary>
    protected bool NoRunNamed => string.IsNullOrEmpty(Socket) && string.IsNullOrEmpty(Run)
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AGENTSHELL_SOCKET"));

    /// <summary>The live runs and sessions with items waiting, each with its items (for pending and
    /// approve/deny without a run named: a pause notice says only `agentshell approve ID`, and with two
    /// agents running the newest run need not be the one that paused). A run that ended or refuses us
    /// meanwhile is skipped.</summary>
    protected static List<(LiveSession Session, JsonElement Items)> WaitingRuns()
    {
        var found = new List<(LiveSession, JsonElement)>();
        foreach (var s in RunDirectory.List().Where(s => s.Pending > 0))
        {
            try
            {
                using var c = ControlClient.Connect(s.Socket, s.Id);
                var items = c.Request("pending").GetProperty("items");
                if (items.GetArrayLength() > 0) found.Add((s, items.Clone()));
            }
            catch (ControlException) { }
        }
        return found;
    }

    private void FindRunHolding(string itemId)
    {
        // The same prefix match the supervisor applies to the id.
        var holders = WaitingRuns().Where(r => r.Items.EnumerateArray()
            .Any(i => i.Str("id") is string x && x.StartsWith(itemId, StringComparison.OrdinalIgnoreCase))).ToList();
        if (holders.Count > 1)
            throw new ControlException($"'{itemId}' is pending in {holders.Count} runs ({string.Join(", ", holders.Select(h => h.Session.Id))}): add --run ID");
        if (holders.Count == 1) (Socket, Run) = (holders[0].Session.Socket, holders[0].Session.Id);
        // None: the newest run answers, with its own "no pending item" line.
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
    public int Execute()
    {
        // Without a run named, every run's waiting items (as watch follows every run), not only the
        // newest run's: that one may have none while another agent waits.
        if (NoRunNamed && WaitingRuns() is { Count: > 0 } runs)
        {
            if (Json)
            {
                var arrays = runs.Select(r => PendingText.RedactAll(r.Items)[1..^1]).Where(t => t.Length > 0);
                Console.WriteLine("[" + string.Join(",", arrays) + "]");
                return 0;
            }
            foreach (var (_, items) in runs) Print(items);
            return 0;
        }
        return WithClient(c =>
        {
            var items = c.Request("pending").GetProperty("items");
            if (Json) Console.WriteLine(PendingText.RedactAll(items));
            else if (items.GetArrayLength() == 0) Console.WriteLine("nothing is waiting for approval");
            else Print(items);
            return 0;
        });
    }

    private static void Print(JsonElement items)
    {
        foreach (var i in items.EnumerateArray()) Console.Write(PendingText.Render(i, DateTimeOffset.UtcNow, color: false));
    }
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
    }, itemId: Id);
}

/// <summary>`agentshell deny ID [--reason TEXT]`.</summary>
[Verb("deny", HelpText = "Deny a paused request: it is refused as a block is (a command exits 126, a connect fails with EPERM) and the agent reads why on its stderr.")]
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
    }, itemId: Id);
}
