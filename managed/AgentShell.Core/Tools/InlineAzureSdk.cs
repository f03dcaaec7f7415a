namespace AgentShell.Core.Tools;

/// <summary>Azure SDK calls in a one-liner (Python <c>azure.*</c>, Node <c>@azure/*</c>), read as the
/// az command that does the same, as <see cref="InlineAwsSdk"/> reads AWS's: they go to Azure's
/// shared endpoints, which no host list marks as production. Management clients'
/// <c>COLLECTION.begin_delete(…)</c> (<c>resource_groups</c>, <c>servers</c>, <c>databases</c>, …, Node's
/// <c>beginDelete</c>) is <c>az GROUP delete</c> in the client's subscription (its second literal
/// argument); storage's <c>delete_container</c>/<c>delete_blob</c>/<c>delete_share</c> is <c>az storage
/// … delete</c> on the account a connection string or account URL names.</summary>
internal static class InlineAzureSdk
{
    // A management client's collection, and the az command group it is.
    private static readonly (string Collection, string Group)[] Collections =
    [
        ("resource_groups", "group"), ("resourceGroups", "group"),
        ("virtual_machines", "vm"), ("virtualMachines", "vm"),
        ("servers", "sql server"), ("databases", "sql db"),
        ("storage_accounts", "storage account"), ("storageAccounts", "storage account"),
        ("vaults", "keyvault"), ("managed_clusters", "aks"), ("managedClusters", "aks"),
        ("web_apps", "webapp"), ("webApps", "webapp"), ("database_accounts", "cosmosdb"), ("databaseAccounts", "cosmosdb"),
    ];

    private static readonly (string Method, string Command)[] StorageMethods =
    [
        ("delete_container", "storage container delete"), ("deleteContainer", "storage container delete"),
        ("delete_blob", "storage blob delete"), ("deleteBlob", "storage blob delete"), ("delete_blobs", "storage blob delete-batch"),
        ("delete_share", "storage share delete"), ("delete_table", "storage table delete"), ("delete_queue", "storage queue delete"),
    ];

    /// <summary>The az argv of each call <paramref name="code"/> makes (empty without an Azure library).</summary>
    public static List<string[]> Read(string code)
    {
        var found = new List<string[]>();
        if (!code.Contains("azure.", StringComparison.Ordinal) && !code.Contains("@azure/", StringComparison.Ordinal)) return found;
        foreach (var (collection, group) in Collections)
            foreach (var verb in (ReadOnlySpan<string>)["begin_delete", "beginDelete", "beginDeleteAndWait", "delete"])
            {
                var call = $".{collection}.{verb}(";
                for (int i = code.IndexOf(call, StringComparison.Ordinal); i >= 0; i = code.IndexOf(call, i + 1, StringComparison.Ordinal))
                {
                    if (found.Count >= InlineAwsSdk.MaxOperations) return [.. found, ["az", "sdk", "more-operations-than-read"]];
                    var argv = new List<string> { "az" };
                    argv.AddRange(group.Split(' '));
                    argv.Add("delete");
                    // The last literal argument names what is deleted; the first of a group's delete is the group.
                    var literals = Literals(code, i + call.Length);
                    if (literals.Count > 0) argv.AddRange(["--name", literals[^1]]);
                    if (group != "group" && literals.Count > 1) argv.AddRange(["--resource-group", literals[0]]);
                    if (Subscription(code) is { } sub) argv.AddRange(["--subscription", sub]);
                    found.Add([.. argv]);
                }
            }
        foreach (var (method, command) in StorageMethods)
        {
            var call = $".{method}(";
            for (int i = code.IndexOf(call, StringComparison.Ordinal); i >= 0; i = code.IndexOf(call, i + 1, StringComparison.Ordinal))
            {
                if (found.Count >= InlineAwsSdk.MaxOperations) return [.. found, ["az", "sdk", "more-operations-than-read"]];
                var argv = new List<string> { "az" };
                argv.AddRange(command.Split(' '));
                var literals = Literals(code, i + call.Length);
                if (literals.Count > 0) argv.AddRange(["--name", literals[0]]);
                if (Account(code) is { } account) argv.AddRange(["--account-name", account]);
                found.Add([.. argv]);
            }
        }
        return found;
    }

    // The literal arguments of the call whose arguments start at from, up to its closing parenthesis.
    private static List<string> Literals(string code, int from)
    {
        var found = new List<string>();
        int depth = 1;
        for (int i = from; i < code.Length && depth > 0; i++)
        {
            char c = code[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (c is '"' or '\'' or '`' && InlineCode.Literal(code, i, out var v, out int end)) { if (depth == 1) found.Add(v); i = end - 1; }
        }
        return found;
    }

    // The subscription a management client is made for: its second literal argument, or subscription_id=.
    private static string? Subscription(string code)
    {
        if ((InlineCode.ValueOf(code, "subscription_id") ?? InlineCode.ValueOf(code, "subscriptionId")) is { } v) return v;
        int at = code.IndexOf("ManagementClient(", StringComparison.Ordinal);
        var args = at < 0 ? [] : Literals(code, at + "ManagementClient(".Length);
        return args.Count > 0 ? args[0] : null;
    }

    // The storage account of a connection string (AccountName=A;) or an account URL (https://A.blob.core.windows.net).
    private static string? Account(string code)
    {
        int k = code.IndexOf("AccountName=", StringComparison.Ordinal);
        if (k >= 0)
        {
            int s = k + 12, e = s;
            while (e < code.Length && (char.IsAsciiLetterOrDigit(code[e]) || code[e] == '-')) e++;
            if (e > s) return code[s..e];
        }
        int u = code.IndexOf(".core.windows.net", StringComparison.Ordinal);
        if (u < 0) return null;
        int dot = code.LastIndexOf('.', u - 1);
        int start = code.LastIndexOf("//", dot < 0 ? u : dot, StringComparison.Ordinal);
        return start >= 0 && dot > start + 2 ? code[(start + 2)..dot] : null;
    }
}
