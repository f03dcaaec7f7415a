namespace AgentShell.Core.Tools;

public static partial class Aws
{
    /// <summary>aws's global options (<c>aws help</c>, AWS CLI 1.45 and 2), read as Python's
    /// argparse reads them: unique prefixes (<c>--prof prod</c> is <c>--profile prod</c>, checked
    /// against aws-cli 1.45), <c>--name=value</c>, options anywhere.</summary>
    public static readonly OptionTable Options = new("aws", OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.Permute | OptionRules.DoubleDash, """
        --debug
        --endpoint-url <url>
        --no-verify-ssl
        --no-paginate
        --output <format>
        --query <query>
        --profile <profile>
        --region <region>
        --version
        --color <mode>
        --no-sign-request
        --ca-bundle <path>
        --cli-read-timeout <seconds>
        --cli-connect-timeout <seconds>
        --cli-binary-format <format>
        --no-cli-pager
        --cli-auto-prompt
        --no-cli-auto-prompt
        --cli-input-json <json>
        --cli-input-yaml <yaml>
        --generate-cli-skeleton [kind]
        """);

    /// <summary>The options of the <c>aws s3</c> commands (ls, cp, mv, rm, sync, mb, rb, presign,
    /// website), which also take unique prefixes (<c>--rec</c> is <c>--recursive</c>).</summary>
    public static readonly OptionTable S3Options = new("aws s3", OptionRules.Abbreviations | OptionRules.EqualsValue | OptionRules.Permute | OptionRules.DoubleDash, """
        --recursive
        --force
        --dryrun
        --quiet
        --only-show-errors
        --no-progress
        --include <pattern>
        --exclude <pattern>
        --delete
        --acl <acl>
        --follow-symlinks
        --no-follow-symlinks
        --no-guess-mime-type
        --sse [algorithm]
        --sse-c [algorithm]
        --sse-c-key <key>
        --sse-kms-key-id <id>
        --sse-c-copy-source [algorithm]
        --sse-c-copy-source-key <key>
        --storage-class <class>
        --grants <grants>
        --website-redirect <location>
        --content-type <type>
        --cache-control <value>
        --content-disposition <value>
        --content-encoding <value>
        --content-language <value>
        --expires <date>
        --source-region <region>
        --page-size <n>
        --ignore-glacier-warnings
        --force-glacier-transfer
        --request-payer [payer]
        --metadata <map>
        --copy-props <mode>
        --metadata-directive <directive>
        --size-only
        --exact-timestamps
        --expected-size <bytes>
        --human-readable
        --summarize
        --checksum-mode <mode>
        --checksum-algorithm <algorithm>
        --expires-in <seconds>
        --index-document <document>
        --error-document <document>
        --bucket-name-prefix <prefix>
        """);
}
