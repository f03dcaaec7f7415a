namespace AgentShell.Core.Tools;

internal static partial class Bq
{
    // bq reads its flags with absl: --name, -name (one dash is the same), --name=value or the value
    // as the next word, --noname (and name=false) for a boolean, no abbreviations, the last one given
    // wins; global flags may follow the command. A short name is an alias (-f is --force, also --f).
    // From `bq help` and `bq help COMMAND` (bq 2.1); a flag not listed is read as unknown and skipped.
    private const OptionRules Absl = OptionRules.SingleDashLong | OptionRules.EqualsValue | OptionRules.NoPrefix
        | OptionRules.FlagValues | OptionRules.Permute | OptionRules.DoubleDash;

    private const string Global = """
        --api <url>
        --api_version <version>
        --apilog <file>
        --bigqueryrc <file>
        --ca_certificates_file <file>
        --dataset_id <dataset>
        --debug_mode
        --disable_ssl_validation
        --discovery_file <file>
        --enable_gdrive
        --fingerprint_job_id
        --flagfile <file>
        --format <format>
        --headless
        --httplib2_debuglevel <level>
        --job_id <id>
        --job_property <key=value>
        --location <location>
        --max_rows_per_request <n>
        --project_id <project>
        --proxy_address <host>
        --proxy_password <password>
        --proxy_port <port>
        --proxy_username <user>
        --quiet --q
        --synchronous_mode --sync
        --trace <token>
        --use_regional_endpoints
        --dry_run
        --help --h
        """;

    // Flags of the jobs that write a destination table (query, load) and of cp and update.
    private const string Jobs = """
        --replace
        --append_table
        --destination_table <table>
        --destination_kms_key <key>
        --destination_schema <schema>
        --clustering_fields <fields>
        --label <key:value>
        --parameter <name:type:value>
        --schema <schema>
        --schema_update_option <option>
        --time_partitioning_expiration <seconds>
        --time_partitioning_field <field>
        --time_partitioning_type <type>
        --range_partitioning <spec>
        --use_legacy_sql
        --batch
        --allow_large_results
        --flatten_results
        --use_cache
        --require_cache
        --require_partition_filter
        --max_rows --n <n>
        --start_row --s <n>
        --maximum_bytes_billed <bytes>
        --min_completion_ratio <ratio>
        --udf_resource <uri>
        --external_table_definition <definition>
        --target_dataset <dataset>
        --schedule <schedule>
        --display_name <name>
        --session_id <id>
        --create_session
        --continuous
        --connection_property <key=value>
        --source_format <format>
        --autodetect
        --encoding --E <encoding>
        --field_delimiter --F <delimiter>
        --skip_leading_rows <n>
        --max_bad_records <n>
        --null_marker <marker>
        --quote <char>
        --ignore_unknown_values
        --allow_jagged_rows
        --allow_quoted_newlines
        --projection_fields <fields>
        --use_avro_logical_types
        """;

    private const string CpFlags = """
        --append_table --a
        --force --f
        --no_clobber --n
        --destination_kms_key <key>
        --snapshot
        --restore
        --clone
        --expiration <seconds>
        """;

    private const string UpdateFlags = """
        --expiration <seconds>
        --default_table_expiration <seconds>
        --default_partition_expiration <seconds>
        --time_partitioning_expiration <seconds>
        --time_partitioning_field <field>
        --time_partitioning_type <type>
        --description <text>
        --set_label <key:value>
        --clear_label <key>
        --schema <schema>
        --clustering_fields <fields>
        --default_kms_key <key>
        --destination_kms_key <key>
        --etag <etag>
        --max_time_travel_hours <hours>
        --view <sql>
        --materialized_view <sql>
        --use_legacy_sql
        --view_udf_resource <uri>
        --external_table_definition <definition>
        --source <file>
        --params <json>
        --refresh_window_days <days>
        --transfer_config
        --table --t
        --dataset --d
        --model --m
        --reservation
        --capacity_commitment
        """;

    private static readonly OptionTable JobOptions = new("bq", Absl, Global + "\n" + Jobs) { NegationPrefixes = ["no"] };
    private static readonly OptionTable CpOptions = new("bq cp", Absl, Global + "\n" + CpFlags) { NegationPrefixes = ["no"] };
    private static readonly OptionTable UpdateOptions = new("bq update", Absl, Global + "\n" + UpdateFlags) { NegationPrefixes = ["no"] };
    private static readonly OptionTable OtherOptions = new("bq", Absl, Global) { NegationPrefixes = ["no"] };

    private static OptionTable OptionsOf(string command) => command switch
    {
        "query" or "load" => JobOptions,
        "cp" => CpOptions,
        "update" => UpdateOptions,
        _ => OtherOptions,
    };
}
