using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>terraform/tofu: destroy and <c>apply -destroy</c> → wipe (every managed resource);
/// <c>state rm</c>, <c>workspace delete</c> → delete; apply/import/taint/state mv → write;
/// plan (even <c>-destroy</c>)/show/output/validate/init/fmt → read. Target: workspace from
/// TF_WORKSPACE, else <c>[-chdir=DIR/].terraform/environment</c>, else "default".</summary>
public static class Terraform
{
    /// <summary>Parses terraform's or tofu's arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var a = c.Args;
        if (ToolHelp.AsksForHelp(a, shortH: true) || a.Contains("-help")) return ToolHelp.Help(tool, "-help");
        var evidence = new List<Evidence>();
        string? chdir = null;
        var pos = new List<string>();
        foreach (var x in a)
        {
            if (x.StartsWith("-chdir=", StringComparison.Ordinal)) chdir = x[7..];
            else if (!x.StartsWith('-')) pos.Add(x);
        }
        string verb = pos.Count > 0 ? pos[0] : "";
        string sub = pos.Count > 1 ? pos[1] : "";
        bool destroyFlag = a.Contains("-destroy") || a.Contains("--destroy");
        Effect effect = verb switch
        {
            "destroy" => Effect.Wipe,
            "apply" => destroyFlag ? Effect.Wipe : Effect.Write,
            "state" => sub switch { "rm" => Effect.Delete, "list" or "show" or "pull" => Effect.Read, _ => Effect.Write },
            "workspace" => sub switch { "delete" => Effect.Delete, "list" or "show" => Effect.Read, _ => Effect.Write },
            "import" or "taint" or "untaint" or "refresh" or "force-unlock" or "login" or "logout" => Effect.Write,
            "plan" or "show" or "output" or "validate" or "init" or "fmt" or "providers" or "version" or "graph" or "console" or "get" or "test" or "metadata" => Effect.Read,
            "" => Effect.Read,
            _ => Effect.Unknown,
        };
        string ws = c.Context.GetEnvironmentVariable("TF_WORKSPACE") ?? "";
        if (ws.Length > 0) evidence.Add(new($"TF_WORKSPACE={ws}", $"workspace {ws}"));
        else
        {
            var file = chdir != null ? Path.Combine(chdir, ".terraform", "environment") : Path.Combine(".terraform", "environment");
            ws = ToolHelp.ReadText(c.Context, file)?.Trim() ?? "";
            if (ws.Length > 0) evidence.Add(new(file, $"workspace {ws}"));
            else ws = "default";
        }
        string summary = string.Join(' ', pos.Take(3)) + (destroyFlag && verb == "apply" ? " -destroy" : "");
        evidence.Add(new(summary, $"{verb} → {effect.Name()}"));
        return ToolHelp.Intent(tool, effect, summary, [new Target { Kind = TargetKind.TerraformWorkspace, Name = ws, Path = chdir }], evidence);
    }
}
