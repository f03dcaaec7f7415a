using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

/// <summary>The quick path: byte checks that let a command through unparsed when no argument could
/// make it interesting (`git status`, `npm install`, `bash -c 'ls &amp;&amp; npm test'`), and the words
/// that make ShellQuickScan send a shell string to the full parse.</summary>
public sealed partial class CommandClassifier
{
    private ShellQuickScan.KnownName IsKnown(ReadOnlySpan<byte> name)
    {
        if (IsProfileTool(name)) return ShellQuickScan.KnownName.Yes;
        return ToolTable.Lookup(name) switch
        {
            ToolId.None => ShellQuickScan.KnownName.No,
            ToolId.Git or ToolId.Find or ToolId.Npm or ToolId.Pnpm or ToolId.Yarn or ToolId.Bundle or ToolId.Bun or ToolId.PyRunner
                or ToolId.Docker or ToolId.Python or ToolId.Php or ToolId.Dotnet or ToolId.Interpreter or ToolId.TextTool
                or ToolId.Rsync or ToolId.Chmod or ToolId.Mv or ToolId.Truncate or ToolId.Make or ToolId.Cargo => ShellQuickScan.KnownName.WithArguments,
            _ => ShellQuickScan.KnownName.Yes,
        };
    }

    // The same arguments QuickReject looks for, one word at a time.
    private static bool IsTrigger(ReadOnlySpan<byte> command, ReadOnlySpan<byte> w) => ToolTable.Lookup(command) switch
    {
        ToolId.Git => IsGitVerb(w) || MayBeGitAlias(w),
        ToolId.Find => IsFindAction(w),
        ToolId.Python => w.Length > 0 && w[0] != '-' || IsPythonCodeFlag(w) || w.SequenceEqual("-"u8), // a script file is read too
        ToolId.Php or ToolId.Dotnet => HostsTool(w) || w.SequenceEqual("-c"u8) || w.SequenceEqual("-"u8) || w.SequenceEqual("-r"u8),
        ToolId.Interpreter => IsInlineCodeFlag(w) || w.Length > 0 && w[0] != '-',
        ToolId.TextTool => MayRunCommand(w),
        ToolId id and (ToolId.Rsync or ToolId.Chmod or ToolId.Mv or ToolId.Truncate or ToolId.Crontab) => IsLocalFilesTrigger(id, w),
        ToolId.Docker when IsDockerVolumeWord(w) || IsDockerStopWord(w) => true,
        // PERF: make with a goal named (make db-reset) reads the makefile; a bare "cd x && make"
        // stays on the quick path (its default goal is read when make itself is exec'd).
        ToolId.Make => w.Length > 0 && w[0] != '-' && w.IndexOf((byte)'=') < 0,
        ToolId.Cargo => ToolTable.Lookup(w) >= ToolId.Curl,
        ToolId.Npm or ToolId.Pnpm when w.SequenceEqual("unpublish"u8) => true,
        _ => w.SequenceEqual("exec"u8) || w.SequenceEqual("dlx"u8) || w.SequenceEqual("x"u8) || w.SequenceEqual("run"u8) || ToolTable.Lookup(w) != ToolId.None,
    };

    // npm --registry X unpublish P: an option before the command.
    private static bool HasWord(in Argv argv, ReadOnlySpan<byte> word)
    {
        for (int i = 2; i < argv.Count; i++) if (argv[i].SequenceEqual(word)) return true;
        return false;
    }

    // PERF: common programs that share a name with a parsed tool ("git status", "npm install",
    // "find . -name x") are let through on bytes when no argument could make them interesting.
    private static bool QuickReject(ToolId id, in Argv argv)
    {
        switch (id)
        {
            case ToolId.Git:
                // Only "git [global options] push|reset|clean|filter-branch|filter-repo ..." is classified.
                for (int i = 1; i < argv.Count; i++)
                {
                    var a = argv[i];
                    if (a.SequenceEqual("-C"u8) || a.SequenceEqual("-c"u8) || a.SequenceEqual("--git-dir"u8) || a.SequenceEqual("--work-tree"u8) || a.SequenceEqual("--namespace"u8)) { i++; continue; }
                    if (a.Length > 0 && a[0] == '-') continue;
                    return !IsGitVerb(a) && !MayBeGitAlias(a); // an alias: read from git's configuration
                }
                return true;
            case ToolId.Find:
                for (int i = 1; i < argv.Count; i++)
                {
                    if (IsFindAction(argv[i])) return false;
                }
                return true;
            case ToolId.Docker:
                // Only docker [compose] exec|run CONTAINER CMD... runs a command worth reading, and
                // volume rm|prune, system prune --volumes, compose down -v remove data; rm|kill|stop|pause
                // stop another machine's containers (-H, a context).
                for (int i = 1; i < argv.Count; i++)
                {
                    var a = argv[i];
                    if (a.SequenceEqual("exec"u8) || a.SequenceEqual("run"u8) || IsDockerVolumeWord(a) || IsDockerStopWord(a)) return false;
                }
                return true;
            case ToolId.Cargo:
                // Only cargo TOOL … (cargo sqlx: the cargo-sqlx plugin) is classified; cargo build/test/run go through.
                return argv.Count < 2 || ToolTable.Lookup(argv[1]) < ToolId.Curl;
            case ToolId.Npm: case ToolId.Pnpm: case ToolId.Yarn: case ToolId.Bundle: case ToolId.Bun: case ToolId.PyRunner:
            {
                // The first word after the options (npm --prefix DIR run X, yarn --cwd DIR X, pnpm -s X).
                int v = 1;
                while (v < argv.Count && argv[v].Length > 1 && argv[v][0] == '-')
                {
                    var o = argv[v];
                    // bun -e|--eval|-p|--print CODE: the code is read (CommandClassifier.Interpreters.cs).
                    if (id == ToolId.Bun && IsBunEvalFlag(o)) return false;
                    v += o.IndexOf((byte)'=') < 0 && (o.SequenceEqual("--prefix"u8) || o.SequenceEqual("--cwd"u8) || o.SequenceEqual("-C"u8) || o.SequenceEqual("--dir"u8)
                        || o.SequenceEqual("--workspace"u8) || o.SequenceEqual("-w"u8) || o.SequenceEqual("--filter"u8) || o.SequenceEqual("-F"u8) || o.SequenceEqual("--loglevel"u8)) ? 2 : 1;
                }
                return v >= argv.Count || (ToolTable.Lookup(argv[v]) == ToolId.None && !argv[v].SequenceEqual("exec"u8)
                    && !argv[v].SequenceEqual("dlx"u8) && !argv[v].SequenceEqual("x"u8) && !argv[v].SequenceEqual("run"u8)
                    && !argv[v].SequenceEqual("run-script"u8) && !argv[v].SequenceEqual("test"u8) && !argv[v].SequenceEqual("tool"u8)
                    && !(id is ToolId.Npm or ToolId.Pnpm && (argv[v].SequenceEqual("unpublish"u8) || argv[1].StartsWith("-"u8) && HasWord(argv, "unpublish"u8))));
            }
            case ToolId.Python: case ToolId.Php: case ToolId.Dotnet:
                // Only python [options] manage.py|-m alembic|-m django, php artisan, dotnet ef are classified.
                for (int i = 1; i < argv.Count; i++)
                {
                    var a = argv[i];
                    if (a.SequenceEqual("-m"u8)) return i + 1 >= argv.Count || !HostsTool(argv[i + 1]);
                    // python -c CODE and python - (a here-doc): the code is read (CommandClassifier.Interpreters.cs).
                    if (a.Length > 0 && a[0] == '-') { if (a.SequenceEqual("-c"u8) || a.SequenceEqual("-"u8) || a.SequenceEqual("-r"u8) || id == ToolId.Python && IsPythonCodeFlag(a)) return false; continue; }
                    // python script.py: the script file is read (CommandClassifier.Interpreters.cs, ScriptFileCode).
                    return id != ToolId.Python && !HostsTool(a);
                }
                return true;
            case ToolId.Interpreter:
                // -e CODE, stdin with no script, and a script file (node job.js) are read.
                if (argv.Count == 1) return false;
                for (int i = 1; i < argv.Count; i++) if (IsInlineCodeFlag(argv[i]) || argv[i].Length > 0 && argv[i][0] != '-') return false;
                return true;
            case ToolId.TextTool:
                // awk '{print $1}', sed -i 's/a/b/' f, vim file: text; system(), a pipe, an e command or an ex command is read.
                for (int i = 1; i < argv.Count; i++) if (MayRunCommand(argv[i])) return false;
                return true;
            case ToolId.Rsync: case ToolId.Chmod: case ToolId.Mv: case ToolId.Truncate: case ToolId.Crontab:
                for (int i = 1; i < argv.Count; i++)
                {
                    if (IsLocalFilesTrigger(id, argv[i])) return false;
                }
                return true;
            default:
                return false;
        }
    }

    // A word of awk, sed or vim that may start a program: system(, getline, a pipe, a sed e command (e first
    // or after an address or separator), an ex command (+CMD, -c, --cmd). PERF: over-triggers; the slow path decides.
    private static bool MayRunCommand(ReadOnlySpan<byte> w)
    {
        if (w.Length == 0) return false;
        if (w[0] == (byte)'+' || w.SequenceEqual("-c"u8) || w.SequenceEqual("--cmd"u8) || w.SequenceEqual("-f"u8) || w.IndexOf("system"u8) >= 0 || w.IndexOf((byte)'|') >= 0) return true;
        if (w[0] == (byte)'-') return false;
        for (int i = 0; i < w.Length; i++)
            if (w[i] == (byte)'e' && (i == 0 || w[i - 1] is (byte)';' or (byte)'{' or (byte)'}' or (byte)'$' or (byte)'/' or (byte)' ' or (byte)'\n' or >= (byte)'0' and <= (byte)'9')) return true;
        return false;
    }

    // node -e|--eval|-p|--print, perl -e|-E (bundled -ne, -lpe), ruby -e, deno eval, "-" (stdin).
    private static bool IsInlineCodeFlag(ReadOnlySpan<byte> w) => w.SequenceEqual("eval"u8) || w.StartsWith("--eval"u8) || w.StartsWith("--print"u8)
        || w.SequenceEqual("-"u8) || w.Length >= 2 && w[0] == '-' && w[1] != '-' && w[^1] is (byte)'e' or (byte)'E' or (byte)'p';

    // python -c, and -c bundled with flags or with its code (-Sc, -cCODE): a short option word holding a c.
    private static bool IsPythonCodeFlag(ReadOnlySpan<byte> w) => w.Length > 1 && w[0] == '-' && w[1] != '-' && w.IndexOf((byte)'c') > 0;

    private static bool IsBunEvalFlag(ReadOnlySpan<byte> w) => w.SequenceEqual("-e"u8) || w.SequenceEqual("--eval"u8) || w.SequenceEqual("-p"u8) || w.SequenceEqual("--print"u8);

    private static bool IsFindAction(ReadOnlySpan<byte> w) => w.SequenceEqual("-delete"u8) || w.StartsWith("-exec"u8) || w.StartsWith("-ok"u8);

    private static bool IsDockerVolumeWord(ReadOnlySpan<byte> w) => w.SequenceEqual("volume"u8) || w.SequenceEqual("prune"u8) || w.SequenceEqual("down"u8);

    private static bool IsDockerStopWord(ReadOnlySpan<byte> w) => w.SequenceEqual("rm"u8) || w.SequenceEqual("kill"u8) || w.SequenceEqual("stop"u8) || w.SequenceEqual("pause"u8);

    // PERF: the word that makes a local-files command worth parsing (LocalFiles.cs); most mv,
    // chmod and truncate calls name relative paths and are let through on bytes.
    private static bool IsLocalFilesTrigger(ToolId id, ReadOnlySpan<byte> w) => id switch
    {
        ToolId.Rsync => w.StartsWith("--del"u8) || w.SequenceEqual("--remove-source-files"u8),
        ToolId.Chmod => w.SequenceEqual("--recursive"u8) || w.Length > 1 && w[0] == '-' && w[1] != '-' && w.IndexOf((byte)'R') > 0,
        ToolId.Mv => w.Length > 0 && w[0] is (byte)'/' or (byte)'~' or (byte)'$' || w.SequenceEqual("."u8) || w.SequenceEqual(".."u8) || w.StartsWith("../"u8),
        ToolId.Truncate => w.Length > 0 && w[0] is (byte)'/' or (byte)'~' or (byte)'$',
        // crontab -r deletes; crontab FILE and crontab - install jobs (CommandClassifier.Deferred.cs).
        ToolId.Crontab => w.Length > 1 && w[0] == '-' && w[1] != '-' && w.IndexOf((byte)'r') > 0 || w.SequenceEqual("-"u8) || w.Length > 0 && w[0] != '-',
        _ => false,
    };

    // The script or module an interpreter runs that is a known tool: manage.py (Django), artisan
    // (Laravel), ef (dotnet ef), alembic, django and awscli (python -m).
    internal static bool HostsTool(ReadOnlySpan<byte> w) =>
        w.EndsWith("manage.py"u8) || w.EndsWith("artisan"u8) || w.SequenceEqual("ef"u8) || w.SequenceEqual("alembic"u8) || w.SequenceEqual("django"u8) || w.SequenceEqual("awscli"u8);

    private static bool IsGitVerb(ReadOnlySpan<byte> w) => w.SequenceEqual("push"u8) || w.SequenceEqual("reset"u8) || w.SequenceEqual("clean"u8)
        || w.SequenceEqual("filter-branch"u8) || w.SequenceEqual("filter-repo"u8) || w.SequenceEqual("reflog"u8) || w.SequenceEqual("gc"u8)
        || w.SequenceEqual("prune"u8) || w.SequenceEqual("update-ref"u8);

    // PERF: `bash -c 'ls -la && npm test'` (how agents run most commands) is let through on bytes
    // when no command in the string could matter.
    private bool HarmlessShellString(in Argv argv)
    {
        int i = 1;
        bool c = false;
        for (; i < argv.Count; i++)
        {
            var a = argv[i];
            if (a.Length < 2 || (a[0] != '-' && a[0] != '+') || a.SequenceEqual("--"u8)) break;
            if (a[1] == '-' || a.IndexOfAny((byte)'o', (byte)'O') >= 0) return false; // long options, -o NAME: slow path
            if (a.IndexOf((byte)'c') >= 0) c = true;
        }
        return c && i < argv.Count && !ShellQuickScan.MayMatter(argv[i], _isKnown, _isTrigger);
    }
}
