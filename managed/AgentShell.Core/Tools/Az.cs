using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>az <c>GROUP... COMMAND</c>: <c>delete</c> → delete (<c>group delete</c> → wipe: every
/// resource in the group goes; <c>sql db delete</c>/<c>cosmosdb ... delete</c> → drop),
/// <c>stop</c>/<c>deallocate</c>/<c>restart</c> → terminate, show/list → read. Target: Azure
/// subscription (<c>--subscription</c>, else azureProfile.json's default, else "default"). az does not read
/// AZURE_SUBSCRIPTION_ID (azd and the SDKs do): taken as the target, that variable hid a production default.</summary>
public static class Az
{
    /// <summary>az's global arguments (Azure CLI 2 manual: <c>az --help</c>), and
    /// <c>--subscription</c>, which most commands take; read as argparse (knack) reads them:
    /// unique prefixes, <c>--name=value</c> or the next word. Other arguments belong to the command
    /// and follow it; one before the command's verb is an error, so the effect is unknown.</summary>
    public static readonly OptionTable Options = new("az", OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.Permute | OptionRules.DoubleDash, """
           --debug
        -h --help
           --only-show-errors
        -o --output <format>
           --query <jmespath>
           --verbose
           --subscription <subscription>
           --version
        """);

    /// <summary>Parses az's arguments.</summary>
    public static CommandIntent Parse(ToolCall c)
    {
        var evidence = new List<Evidence>();
        var pos = new List<string>();
        var early = new List<(int Before, OptionToken Token)>();
        string? opt = null;
        bool help = false, unknown = false;
        var reader = new OptionReader(Options, c.Args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (t.Kind != OptionTokenKind.Option) { early.Add((pos.Count, t)); continue; }
            switch (t.Name)
            {
                case "--subscription": opt = t.Value; break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help) return ToolHelp.Help("az", "--help");
        var sub = opt;
        // The default subscription az keeps in azureProfile.json: by id and by name, either may be listed.
        Target? byName = null;
        bool unaccountable = false;
        if (sub == null && Config.CloudConfig.AzureSubscription(c.Context, evidence, out unaccountable) is var (id, subName))
        {
            sub = id;
            if (subName != null) byName = new Target { Kind = TargetKind.AzureSubscription, Name = subName };
        }
        else if (sub == null && !unaccountable) sub = "default";
        if (byName == null) evidence.Add(new(opt != null ? $"--subscription {opt}" : "az's default", $"azure subscription {sub ?? "unknown"}"));
        var target = new Target { Kind = TargetKind.AzureSubscription, Name = sub };
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
        foreach (var (before, t) in early)
        {
            if (verbAt >= 0 && before > verbAt) continue;
            OptionProblems.Note(t, evidence);
            unknown = true;
        }
        string summary = string.Join(' ', verbAt >= 0 ? pos.Take(verbAt + 1) : pos.Take(3));
        // Turning backup protection off stops every later backup of the item (and, with
        // --delete-backup-data, deletes the ones kept).
        if (path == "backup protection" && verbAt >= 0 && pos[verbAt] == "disable") effect = Effect.Delete;
        evidence.Add(Evidence.Arrow(summary, effect));
        if (effect is Effect.Write or Effect.Unknown or Effect.Delete) effect = SafeguardFlags.Apply("az", c.Args, effect, evidence, c.Context);
        if (effect is Effect.Write && verbAt >= 0) effect = AccessGrants.Apply("az", path + " " + pos[verbAt], effect, evidence);
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        var targets = byName != null ? new List<Target> { target, byName } : new List<Target>(1) { target };
        if (!NamedEnvironments(c.Args, targets, evidence) && !(pos.Count > 0 && pos[0] == "group")) DefaultGroup(c.Context, targets, evidence);
        return ToolHelp.Intent("az", effect, summary, targets, evidence);
    }

    // The options that name the resource a command acts on: its group, its name, its account,
    // vault, server or cluster, and full resource ids (/resourceGroups/shop-prod-rg/…).
    private static bool NamesResource(string option) => option is "-g" or "--resource-group" or "-n" or "--name" or "--ids" or "-s" or "--server"
        or "--account-name" or "--vault-name" or "--cluster-name" or "--registry" or "--workspace-name" or "--server-name" or "--database-name";

    /// <summary>Beside the subscription (never instead), an environment target for each environment
    /// word in the names of the resources acted on (<c>az group delete -n shop-prod-rg</c>): one
    /// subscription often holds every stage.</summary>
    /// True when a resource group is given (-g, --resource-group or --ids).
    private static bool NamedEnvironments(IReadOnlyList<string> args, List<Target> targets, List<Evidence> evidence)
    {
        bool group = false;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") break;
            if (a.Length < 2 || a[0] != '-') continue;
            int eq = a.IndexOf('=');
            var name = eq > 0 ? a.AsSpan(0, eq) : a.AsSpan();
            if (name is "-g" or "--resource-group" or "--ids") group = true;
            string? value = eq > 0 ? (NamesResource(a[..eq]) ? a[(eq + 1)..] : null) : NamesResource(a) && i + 1 < args.Count ? args[++i] : null;
            if (value == null) continue;
            foreach (var word in ProfileToolTarget.EnvironmentWords(value))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
                evidence.Add(new(value, $"{value} names {word}"));
            }
        }
        return group;
    }

    /// <summary>Without <c>-g</c>, a command that takes a resource group uses az's default one:
    /// <c>AZURE_DEFAULTS_GROUP</c>, else <c>[defaults] group</c> of az's config file (<c>az config set
    /// defaults.group=…</c>). Its environment words are targets, as a given group's are.</summary>
    private static void DefaultGroup(IExecContext ctx, List<Target> targets, List<Evidence> evidence)
    {
        bool unaccountable = false;
        var group = ctx.GetEnvironmentVariable("AZURE_DEFAULTS_GROUP") is { Length: > 0 } g ? g : Config.CloudConfig.AzureDefaultsGroup(ctx, evidence, out unaccountable);
        if (unaccountable) targets.Add(new Target { Kind = TargetKind.Environment, Name = "unknown" });
        if (group == null) return;
        foreach (var word in ProfileToolTarget.EnvironmentWords(group))
        {
            targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
            evidence.Add(new(group, $"default resource group {group} names {word}"));
        }
    }
}
