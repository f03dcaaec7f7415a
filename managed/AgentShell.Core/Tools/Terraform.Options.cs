namespace AgentShell.Core.Tools;

public static partial class Terraform
{
    /// <summary>The flags of every terraform subcommand (<c>terraform CMD -help</c>, Terraform 1.11;
    /// OpenTofu's are the same), read as Go's flag package reads them: <c>-name</c> or
    /// <c>--name</c>, a value as <c>-name=value</c> or the next word, a flag as <c>-name</c> or
    /// <c>-name=false</c>, <c>--</c> ends them. A flag no subcommand has makes the effect unknown.</summary>
    public static readonly OptionTable Options = new("terraform", OptionRules.SingleDashLong | OptionRules.EqualsValue
        | OptionRules.FlagValues | OptionRules.Permute | OptionRules.DoubleDash, """
        --chdir <dir>
        --help --h
        --version --v
        --allow-missing
        --auto-approve
        --backend
        --backend-config <path>
        --backup <path>
        --check
        --cloud-run <source>
        --compact-warnings
        --config <path>
        --destroy
        --detailed-exitcode
        --diff
        --draw-cycles
        --dry-run
        --filter <file>
        --force
        --force-copy
        --from-module <source>
        --generate-config-out <path>
        --get
        --ignore-remote-version
        --input
        --json
        --list
        --lock
        --lock-timeout <duration>
        --lockfile <mode>
        --migrate-state
        --module-depth <n>
        --no-color
        --no-tests
        --or-create
        --out <path>
        --parallelism <n>
        --plan <file>
        --plugin-dir <dir>
        --raw
        --reconfigure
        --recursive
        --refresh
        --refresh-only
        --replace <address>
        --state <path>
        --state-out <path>
        --target <address>
        --test-directory <path>
        --type <type>
        --update
        --upgrade
        --var <name=value>
        --var-file <file>
        --verbose
        --write
        --consolidate-warnings
        --consolidate-errors
        """);
}
