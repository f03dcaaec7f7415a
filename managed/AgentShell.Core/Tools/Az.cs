using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>az <c>GROUP... COMMAND</c>: <c>delete</c> → delete (<c>group delete</c> → wipe: every
/// resource in the group goes; <c>sql db delete</c>/<c>cosmosdb ... delete</c> → drop),
/// <c>stop</c>/<c>deallocate</c>/<c>restart</c> → terminate, show/list → read. Target: Azure
/// subscription (<c>--subscription</c>, AZURE_SUBSCRIPTION_ID, else "default").</summary>
public static class Az
{
    private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
    {
        "--subscription", "-g", "--resource-group", "-n", "--name", "--output", "-o", "--query", "-l", "--location",
        "--server", "-s", "--ids", "--account-name", "--vault-name", "--only-show-errors",
    };

    /// <summary>Parses az's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true)) return ToolHelp.Help("az", "--help");
        var evidence = new List<Evidence>();
        var opt = ToolHelp.Option(a, "--subscription");
        var sub = opt ?? c.Context.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID");
        // The default subscription az keeps in azureProfile.json: by id and by name, either may be listed.
        Target? byName = null;
        bool unaccountable = false;
        if (sub == null && Config.CloudConfig.AzureSubscription(c.Context, evidence, out unaccountable) is var (id, subName))
        {
            sub = id;
            if (subName != null) byName = new Target { Kind = TargetKind.AzureSubscription, Name = subName };
        }
        else if (sub == null && !unaccountable) sub = "default";
        if (byName == null) evidence.Add(new(opt != null ? $"--subscription {opt}" : "AZURE_SUBSCRIPTION_ID", $"azure subscription {sub ?? "unknown"}"));
        var target = new Target { Kind = TargetKind.AzureSubscription, Name = sub };
        var pos = ToolHelp.Positionals(a, Valued);
        Effect effect = Effect.Unknown;
        int verbAt = -1;
        for (int i = 1; i < pos.Count && verbAt < 0; i++)
        {
            if (CliVerbs.Of(pos[i]) is Effect e) { effect = e; verbAt = i; }
        }
        if (pos.Count > 0 && pos[0] is "login" or "logout" or "account" or "version" or "find" && verbAt < 0) effect = pos[0] == "version" || pos[0] == "find" ? Effect.Read : Effect.Write;
        if (pos.Count > 0 && pos[0] is "ssh" or "vm" && pos.Contains("run-command")) effect = Effect.Unknown;
        string path = verbAt >= 0 ? string.Join(' ', pos.Take(verbAt)) : "";
        if (verbAt >= 0 && pos[verbAt] == "delete")
        {
            if (path == "group") effect = Effect.Wipe;
            else if (path is "sql db" or "sql server" or "cosmosdb" or "cosmosdb sql database" or "cosmosdb sql container" or "postgres flexible-server" or "mysql flexible-server" or "postgres server" or "mysql server" or "storage account")
                effect = Effect.Drop;
        }
        string summary = string.Join(' ', verbAt >= 0 ? pos.Take(verbAt + 1) : pos.Take(3));
        evidence.Add(new(summary, $"{summary} → {effect.Name()}"));
        return ToolHelp.Intent("az", effect, summary, byName != null ? [target, byName] : [target], evidence);
    }
}
