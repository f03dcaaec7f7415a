namespace AgentShell.Core.Tools;

/// <summary>gdb's command line (gdb 13 <c>gdb/main.c</c> <c>long_options</c>), read as
/// <c>getopt_long_only</c> reads it: every name with one dash or two (<c>-ex</c>, <c>--ex</c>), a
/// unique prefix (<c>-eval</c>), <c>=VALUE</c> or the next word; no bundles. Names on one line are
/// one option (gdb's same <c>val</c>), so a prefix of several of them is not ambiguous.
/// <c>--args</c> ends gdb's options: the words after it are the program and its arguments.</summary>
internal static class Gdb
{
    public static readonly OptionTable Options = new("gdb", OptionRules.SingleDashLong | OptionRules.Abbreviations
        | OptionRules.EqualsValue | OptionRules.Permute | OptionRules.DoubleDash, """
        --tui
        --readnow --r
        --readnever
        --quiet --q --silent
        --nh
        --nx --n
        --batch-silent
        --batch
        --fullname --f
        --annotate <level>
        --help
        --se <file>
        --symbols --s <file>
        --exec --e <file>
        --core --c <file>
        --pid --p <pid>
        --command --x <file>
        --eval-command --ex <command>
        --version
        --configuration
        --init-command --ix <file>
        --init-eval-command --iex <command>
        --early-init-command --eix <file>
        --early-init-eval-command --eiex <command>
        --ui --interpreter --i <interp>
        --directory --d <dir>
        --data-directory --D <dir>
        --cd <dir>
        --tty <device>
        --baud --b <rate>
        --nw --nowindows
        --w --windows
        --statistics
        --write
        --args
        --l <timeout>
        --return-child-result
        """);
}
