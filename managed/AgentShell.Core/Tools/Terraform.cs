using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>terraform/tofu, read as Go's flag package reads its flags (<see cref="Options"/>):
/// destroy and <c>apply -destroy</c> (also <c>-destroy=true</c>) → wipe (every managed resource);
/// <c>apply -replace=ADDR</c> → delete (the resource is destroyed, then created); apply of a saved
/// plan file → unknown (the plan may destroy, and only the file knows); <c>state rm</c>,
/// <c>workspace delete</c>, <c>state push -force</c> → delete; apply/import/state mv → write; taint → delete; force-unlock → unknown; plan (even
/// <c>-destroy</c>)/show/output/validate/init/fmt → read. Target: workspace from TF_WORKSPACE,
/// else <c>[-chdir=DIR/]$TF_DATA_DIR|.terraform/environment</c>, else "default" with the directory it works in
/// (-chdir, terragrunt's working dir, else the cwd) as the target's path: a layout of one directory per
/// environment (<c>envs/prod</c>, <c>live/prod/us-east-1/vpc</c>) names the environment there.
/// <c>TF_CLI_ARGS</c>/<c>TF_CLI_ARGS_&lt;command&gt;</c> are read as part of the command.</summary>
public static partial class Terraform
{
    /// <summary>Parses terraform's or tofu's arguments.</summary>
    public static CommandIntent Parse(string tool, ToolCall c)
    {
        var evidence = new List<Evidence>();
        string? chdir = null, replace = null;
        bool destroyFlag = false, force = false, help = false, unknown = false;
        var pos = new List<string>();
        string? workingDir = null;
        List<string>? varFiles = null;
        var args = tool == "terragrunt" ? TerragruntArgs(c.Args, evidence, out workingDir) : c.Args;
        args = WithCliArgs(args, c.Context, evidence, ref unknown);
        var reader = new OptionReader(Options, args);
        while (reader.Next(out var t))
        {
            if (t.Kind == OptionTokenKind.Operand) { pos.Add(t.Value!); continue; }
            if (OptionProblems.Note(t, evidence)) { unknown = true; continue; }
            switch (t.Name)
            {
                case "--chdir": chdir = t.Value; break;
                case "--destroy": destroyFlag = t.IsOn; if (destroyFlag) evidence.Add(new(t.Text, "destroys every managed resource")); break;
                case "--replace": replace = t.Value; evidence.Add(new(t.Text, $"destroys and recreates {t.Value}")); break;
                case "--force": force = t.IsOn; break;
                case "--var-file": if (t.Value != null) (varFiles ??= []).Add(t.Value); break;
                // A local state file's name says whose resources it records (state rm -state=prod.tfstate).
                case "--state" or "--state-out": if (t.Value != null) (varFiles ??= []).Add($"{t.Name[1..]}={t.Value}"); break;
                case "--var": if (t.Value != null && StageVariable(t.Value) is string stage) (varFiles ??= []).Add(stage); break;
                case "--help": case "--version": help = true; break;
            }
        }
        if (help || (pos.Count > 0 && pos[0] is "help" or "version")) return ToolHelp.Help(tool, "-help");
        string verb = pos.Count > 0 ? pos[0] : "";
        string sub = pos.Count > 1 ? pos[1] : "";
        Effect effect = verb switch
        {
            "destroy" => Effect.Wipe,
            "apply" when destroyFlag => Effect.Wipe,
            "apply" when pos.Count > 1 => Effect.Unknown,
            "apply" when replace != null => Effect.Delete,
            "apply" => Effect.Write,
            // state push -force replaces the state without its lineage and serial checks: an empty or
            // older file makes terraform forget what it built (the next apply orphans or destroys it).
            "state" => sub switch { "rm" => Effect.Delete, "push" when force => Effect.Delete, "list" or "show" or "pull" => Effect.Read, _ => Effect.Write },
            "workspace" => sub switch { "delete" => Effect.Delete, "list" or "show" => Effect.Read, _ => Effect.Write },
            // taint marks a resource to be destroyed and recreated by the next apply (the old -replace).
            "taint" => Effect.Delete,
            // force-unlock removes another run's lock: if that run is alive, both write the state.
            "force-unlock" => Effect.Unknown,
            "import" or "untaint" or "refresh" or "login" or "logout" => Effect.Write,
            "plan" or "show" or "output" or "validate" or "init" or "fmt" or "providers" or "graph" or "console" or "get" or "test" or "metadata" or "modules" => Effect.Read,
            "" => Effect.Read,
            _ => Effect.Unknown,
        };
        if (verb == "apply" && pos.Count > 1 && !destroyFlag) evidence.Add(new(pos[1], "applies a saved plan, whose changes are not visible here (unknown)"));
        if (unknown) effect = ToolHelp.Max(effect, Effect.Unknown);
        // workspace delete NAME deletes NAME, not the selected workspace (terraform refuses that one).
        string? deleted = verb == "workspace" && sub == "delete" && pos.Count > 2 ? pos[2] : null;
        string ws = deleted ?? c.Context.GetEnvironmentVariable("TF_WORKSPACE") ?? "";
        if (deleted != null) evidence.Add(new(deleted, $"deletes workspace {deleted}"));
        else if (ws.Length > 0) evidence.Add(Evidence.Joined($"TF_WORKSPACE={ws}", "workspace ", ws));
        else
        {
            // The data directory is TF_DATA_DIR when set (relative to the directory terraform works in).
            var data = c.Context.GetEnvironmentVariable("TF_DATA_DIR") is { Length: > 0 } dd ? dd : ".terraform";
            var file = chdir != null ? Path.Combine(chdir, data, "environment") : Path.Combine(data, "environment");
            ws = ToolHelp.ReadText(c.Context, file)?.Trim() ?? "";
            if (ws.Length > 0) evidence.Add(Evidence.Joined(file, "workspace ", ws));
            else ws = "default";
        }
        // The default workspace says nothing of the environment; the directory may (EnvironmentTable
        // looks its components up among the workspace names, deepest first).
        string? dir = chdir ?? workingDir;
        string? where = ws != "default" ? chdir
            : dir != null && !Path.IsPathRooted(dir) && c.Context.WorkingDirectory is { } cwd ? Path.Combine(cwd, dir)
            : dir ?? c.Context.WorkingDirectory;
        if (ws == "default" && where != null) evidence.Add(new(where, "the default workspace, in this directory"));
        string summary = string.Join(' ', pos.Take(3)) + (destroyFlag && verb == "apply" ? " -destroy" : "") + (replace != null && verb == "apply" ? $" -replace={replace}" : "");
        evidence.Add(new(summary, $"{verb} → {effect.Name()}"));
        var workspace = new Target { Kind = TargetKind.TerraformWorkspace, Name = ws, Path = where };
        foreach (var name in StageVariableNames)
            if (c.Context.GetEnvironmentVariable("TF_VAR_" + name) is { Length: > 0 } v) (varFiles ??= []).Add($"TF_VAR_{name}={v}");
        // PERF: most calls name no variable file or stage variable.
        if (varFiles == null) return ToolHelp.Intent(tool, effect, summary, [workspace], evidence);
        // A variable file's name says which stage its values configure (-var-file=envs/production.tfvars):
        // beside the workspace, never instead (a default workspace may well hold every stage).
        var targets = new List<Target> { workspace };
        foreach (var f in varFiles)
            foreach (var word in ProfileToolTarget.EnvironmentWords(f))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
                bool variable = f.Contains('=');
                evidence.Add(new(variable ? (f.StartsWith("TF_VAR_", StringComparison.Ordinal) || f.StartsWith("-state", StringComparison.Ordinal) ? f : "-var " + f) : "-var-file=" + f, $"{f} names {word}"));
            }
        return ToolHelp.Intent(tool, effect, summary, targets, evidence);
    }

    // The variables whose value names the stage a configuration is applied to (-var env=prod,
    // -var 'environment=production', TF_VAR_stage=prod): read for environment words as a -var-file's name is.
    private static readonly string[] StageVariableNames = ["env", "environment", "stage", "tier", "deploy_env", "target_env"];

    // "NAME=VALUE" when NAME is a stage variable (any letter case), else null.
    private static string? StageVariable(string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) return null;
        var name = assignment.AsSpan(0, eq).Trim();
        foreach (var s in StageVariableNames) if (name.Equals(s, StringComparison.OrdinalIgnoreCase)) return assignment;
        return null;
    }

    /// <summary>terraform (and tofu, and terraform under terragrunt) inserts the words of
    /// <c>TF_CLI_ARGS</c> and of <c>TF_CLI_ARGS_&lt;command&gt;</c> right after the command, split as
    /// a shell would: <c>TF_CLI_ARGS_apply=-destroy terraform apply -auto-approve</c> destroys.
    /// A value that cannot be split to plain words makes the effect unknown.</summary>
    private static IReadOnlyList<string> WithCliArgs(IReadOnlyList<string> args, IExecContext ctx, List<Evidence> evidence, ref bool unknown)
    {
        int at = 0;
        while (at < args.Count && args[at].StartsWith('-')) at++;
        if (at >= args.Count) return args;
        var all = ctx.GetEnvironmentVariable("TF_CLI_ARGS");
        string ownName = "TF_CLI_ARGS_" + args[at].Replace('-', '_');
        var own = ctx.GetEnvironmentVariable(ownName);
        // PERF: most runs set neither.
        if (string.IsNullOrWhiteSpace(all) && string.IsNullOrWhiteSpace(own)) return args;
        var r = new List<string>(args.Count + 4);
        for (int i = 0; i <= at; i++) r.Add(args[i]);
        foreach (var (name, value) in new[] { ("TF_CLI_ARGS", all), (ownName, own) })
        {
            if (string.IsNullOrWhiteSpace(value)) continue;
            var script = Lexing.ShellParser.Parse(System.Text.Encoding.UTF8.GetBytes(value), null);
            if (script.Problems.Count > 0 || script.Commands.Count != 1 || script.Commands[0].Dynamic.Contains(true) || script.Commands[0].Assignments.Count > 0)
            {
                unknown = true;
                evidence.Add(new($"{name}={value}", "arguments terraform adds that cannot be read (unknown)"));
                continue;
            }
            evidence.Add(new($"{name}={value}", "arguments terraform adds after the command"));
            r.AddRange(script.Commands[0].Words);
        }
        for (int i = at + 1; i < args.Count; i++) r.Add(args[i]);
        return r;
    }

    // terragrunt passes terraform's command through; what is its own is dropped first: run-all /
    // run --all (every module below: the same command, more of it), destroy-all and friends, and
    // its --terragrunt-* / new-style flags.
    private static readonly HashSet<string> TerragruntValueFlags = new(StringComparer.Ordinal)
    {
        "--terragrunt-working-dir", "--terragrunt-config", "--terragrunt-source", "--terragrunt-iam-role", "--terragrunt-download-dir",
        "--terragrunt-include-dir", "--terragrunt-exclude-dir", "--terragrunt-parallelism", "--terragrunt-log-level", "--working-dir",
        "--config", "--source", "--iam-assume-role", "--download-dir", "--queue-include-dir", "--queue-exclude-dir", "--parallelism", "--log-level",
    };

    private static List<string> TerragruntArgs(IReadOnlyList<string> args, List<Evidence> evidence, out string? workingDir)
    {
        workingDir = null;
        var r = new List<string>(args.Count);
        bool command = false;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a is "--terragrunt-working-dir" or "--working-dir" && i + 1 < args.Count) workingDir = args[i + 1];
            else if (a.StartsWith("--terragrunt-working-dir=", StringComparison.Ordinal) || a.StartsWith("--working-dir=", StringComparison.Ordinal)) workingDir = a[(a.IndexOf('=') + 1)..];
            if (TerragruntValueFlags.Contains(a)) { i++; continue; }
            if (a.StartsWith("--terragrunt-", StringComparison.Ordinal) || a is "--all" or "-all" or "--non-interactive" or "--no-color" or "--graph" or "--queue-ignore-errors"
                || TerragruntValueFlags.Contains(a.Split('=')[0])) continue;
            if (!command && !a.StartsWith('-'))
            {
                command = true;
                if (a is "run-all" or "run") { evidence.Add(new(a, "runs the command in every module below")); command = false; continue; }
                if (a.EndsWith("-all", StringComparison.Ordinal)) { evidence.Add(new(a, "runs the command in every module below")); a = a[..^4]; }
            }
            r.Add(a);
        }
        return r;
    }
}
