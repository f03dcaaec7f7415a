using System.Text;
using AgentShell.Core.Config;
using AgentShell.Core.Credentials;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

/// <summary>Turns an exec (executable path + argv) or a shell string into the intents of the
/// commands it runs. Returns the shared empty list for programs no parser knows, without
/// allocating. Wrappers are unwrapped in one place (see
/// CommandClassifier.Unwrap.cs for the order).</summary>
public sealed partial class CommandClassifier
{
    private static readonly CommandIntent[] None = [];

    /// <summary>Wrappers, shells and substitutions nested deeper than this yield Effect unknown.</summary>
    public const int MaxDepth = 8;

    private readonly ProfileTool[] _profileTools;
    private readonly byte[][] _profileNames;

    /// <summary>A classifier with the built-in parsers and, optionally, CLIs defined by a profile's
    /// <c>Tools</c> section.</summary>
    public CommandClassifier(IReadOnlyList<ProfileToolDefinition>? tools = null)
    {
        _profileTools = tools?.Select(t => new ProfileTool(t)).ToArray() ?? [];
        _profileNames = _profileTools.Select(t => Encoding.UTF8.GetBytes(t.Name)).ToArray();
        // PERF: one delegate each for the life of the classifier, not one per call.
        _isKnown = IsKnown;
        _isTrigger = IsTrigger;
    }

    /// <summary>Tests only: always take the full parse of shell strings (to check the quick path agrees).</summary>
    internal bool FullParseOnly { get; init; }

    private readonly ShellQuickScan.IsKnownName _isKnown;
    private readonly ShellQuickScan.IsTrigger _isTrigger;

    /// <summary>Classifies an exec. <paramref name="executable"/> is the path the kernel was asked
    /// to run (may be empty: then argv[0] names the tool).</summary>
    public IReadOnlyList<CommandIntent> Classify(ReadOnlySpan<byte> executable, in Argv argv, IExecContext ctx)
    {
        if (argv.Count == 0) return None;
        // PERF: tools are recognised on the basename bytes; nothing is decoded for the common case.
        var name = Basename(argv[0]);
        var exe = Basename(executable);
        ToolId id = ToolTable.Lookup(name, out var nameText);
        bool byExe = false;
        if (id == ToolId.None && !exe.IsEmpty) { id = ToolTable.Lookup(exe); byExe = id != ToolId.None; }
        bool profile = _profileNames.Length != 0 && (IsProfileTool(name) || IsProfileTool(exe));
        if (id == ToolId.None && !profile) return None;
        if (!profile && QuickReject(id, argv)) return None;
        if (id == ToolId.Shell && !profile && HarmlessShellString(argv)) return None;

        // PERF: argv[0] that is the tool's name as listed ("curl", not "/usr/bin/curl") is the table's string.
        var words = argv.ToStrings(name.Length == argv[0].Length ? nameText : null);
        // A renamed binary: the executable decides which tool it is.
        if (byExe) words[0] = Encoding.UTF8.GetString(exe);
        var run = RentRun();
        // PERF: the name was looked up on its bytes above; the same table gives the same tool for its text.
        run.Command(words, null, 0, ctx, default, 0, id);
        return ReturnRun(run);
    }

    // PERF: one Run (and the ConfigFacts it clears per command) is kept for the next
    // classification, on whichever thread: taken by an atomic exchange, so two at once never share
    // it (the second makes its own). A classification that throws does not give it back.
    private Run? _spareRun;

    private Run RentRun() => Interlocked.Exchange(ref _spareRun, null) ?? new Run(this);

    private IReadOnlyList<CommandIntent> ReturnRun(Run run)
    {
        var result = run.TakeResult();
        Volatile.Write(ref _spareRun, run);
        return result;
    }

    /// <summary>True when the program of an exec (by argv[0] or by the file name of
    /// <paramref name="executable"/>) acts on its own arguments: a parsed tool, a runner that starts
    /// tools inside itself (busybox, npx), a profile's tool. Not a shell or a wrapper: the commands
    /// they run are execs of their own, decided there. Such an exec is decided on its arguments,
    /// so the supervisor checks that the kernel runs it with those. PERF: two lookups.</summary>
    public bool ActsOnArguments(ReadOnlySpan<byte> executable, in Argv argv)
    {
        if (argv.Count == 0) return false;
        var name = Basename(argv[0]);
        var exe = Basename(executable);
        if (_profileNames.Length != 0 && (IsProfileTool(name) || IsProfileTool(exe))) return true;
        var id = ToolTable.Lookup(name);
        // python manage.py, php artisan, dotnet ef: decided on their arguments; other scripts are not.
        if (id is ToolId.Python or ToolId.Php or ToolId.Dotnet or ToolId.Interpreter or ToolId.TextTool) return !QuickReject(id, argv);
        return Acts(id) || Acts(ToolTable.Lookup(exe));
    }

    private static bool Acts(ToolId id) => id >= ToolId.Npx && id is not (ToolId.Shell or ToolId.Eval or ToolId.Source or ToolId.Python or ToolId.Php or ToolId.Dotnet);

    /// <summary>True when the file name of <paramref name="executable"/> (the path given to the
    /// kernel, before symlinks) is <paramref name="tool"/>'s: the exec runs that tool and not some
    /// other program that only put the tool's name in argv[0] (`exec -a curl ./x`).</summary>
    public static bool NamesTool(ReadOnlySpan<byte> executable, string tool)
    {
        var exe = Basename(executable);
        if (exe.IsEmpty) return false;
        var id = ToolTable.Lookup(exe);
        return id != ToolId.None ? id == ToolTable.Lookup(tool) : exe.SequenceEqual(Encoding.UTF8.GetBytes(tool));
    }

    /// <summary>The commands an exec runs as execs of their own (through wrappers, shell strings and
    /// scripts it reads), each with the environment it gets, in the order they start: wrappers
    /// and programs no parser knows included; the builtins that unwrap (<c>exec</c>,
    /// <c>command</c>, <c>eval</c>, ...) left out, other builtins not (they classify as nothing).
    /// The exec's own command is not listed. For <c>check</c>, which decides each as the
    /// supervisor will at its exec; not a hot path: every string is fully parsed.</summary>
    public IReadOnlyList<NestedCommand> NestedCommands(ReadOnlySpan<byte> executable, in Argv argv, IExecContext ctx)
    {
        if (argv.Count == 0) return [];
        var words = argv.ToStrings();
        var exe = Basename(executable);
        // A renamed binary: the executable decides which tool it is (as in Classify).
        if (ToolTable.Lookup(Basename(argv[0])) == ToolId.None && !exe.IsEmpty && ToolTable.Lookup(exe) != ToolId.None)
            words[0] = Encoding.UTF8.GetString(exe);
        var nested = new List<NestedCommand>();
        new Run(this, nested).Command(words, null, 0, ctx, default, 0);
        return nested;
    }

    /// <summary>Convenience for strings (tests, <c>check</c>).</summary>
    public IReadOnlyList<CommandIntent> Classify(IReadOnlyList<string> argv, IExecContext ctx) =>
        Classify(ReadOnlySpan<byte>.Empty, Argv.FromStrings(argv), ctx);

    /// <summary>Lexes a shell string (as an agent hook or <c>check --shell</c> sees it) and classifies
    /// each simple command in it.</summary>
    public IReadOnlyList<CommandIntent> ClassifyShell(ReadOnlySpan<byte> script, IExecContext ctx)
    {
        if (!FullParseOnly && !ShellQuickScan.MayMatter(script, _isKnown, _isTrigger)) return None;
        var run = RentRun();
        run.Script(script, ctx, default, 0, "shell string");
        return ReturnRun(run);
    }

    /// <summary>Lexes a shell string given as a string.</summary>
    public IReadOnlyList<CommandIntent> ClassifyShell(string script, IExecContext ctx) =>
        ClassifyShell(Encoding.UTF8.GetBytes(script), ctx);

    /// <summary>UTF-8 helper for callers that hold strings.</summary>
    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private bool IsProfileTool(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty) return false;
        foreach (var n in _profileNames) if (name.SequenceEqual(n)) return true;
        return false;
    }

    private static ReadOnlySpan<byte> Basename(ReadOnlySpan<byte> path)
    {
        int slash = path.LastIndexOf((byte)'/');
        var b = slash >= 0 ? path[(slash + 1)..] : path;
        return b.Length > 1 && b[0] == '\\' ? b[1..] : b;
    }

    internal static string Basename(string path)
    {
        int slash = path.LastIndexOf('/');
        var b = slash >= 0 ? path[(slash + 1)..] : path;
        return b.Length > 1 && b[0] == '\\' ? b[1..] : b;
    }

    /// <summary>What feeds a command's stdin, as far as it is known.</summary>
    /// <paramref name="Terminal"/>: a pane's terminal a server gives what it runs (CommandClassifier.Outside.cs).
    internal readonly record struct Stdin(string? Text, bool Opaque, bool Terminal = false);

    /// <summary>State of one classification: the intents found so far.</summary>
    private sealed partial class Run(CommandClassifier owner, List<NestedCommand>? nested = null)
    {
        private List<CommandIntent>? _out;
        // Enumerating nested commands needs every string parsed: no quick path.
        private readonly bool _fullParse = owner.FullParseOnly || nested != null;
        private int _execLevel; // listed nested commands around the one being classified
        private int _runnerLevel; // runners (npx, busybox, …) around it: no exec of that argv is guaranteed
        private int _advisory; // > 0: reading a script file (CommandClassifier.Interpreters.cs): intents are BlockOnly
        private int _wireJudged; // > 0: reading a one-liner under run (CommandClassifier.Interpreters.cs): intents are WireJudged
        private ConfigFacts? _facts;

        private CommandIntent? _one; // PERF: most commands have one intent: no list for it

        /// <summary>The intents found, and the run made ready for another classification.</summary>
        public IReadOnlyList<CommandIntent> TakeResult()
        {
            IReadOnlyList<CommandIntent> r = _out != null ? _out : _one == null ? None : new[] { _one };
            _out = null;
            _one = null;
            _execLevel = 0;
            _runnerLevel = 0;
            _advisory = 0;
            _wireJudged = 0;
            _aliases = null;
            _gitAliases = null;
            _gitConfigWritten = false;
            _functions = null;
            _outside = null;
            _typed = 0;
            return r;
        }

        private void Add(CommandIntent intent)
        {
            _seen++;
            if (_advisory > 0) intent.BlockOnly = true;
            else if (_wireJudged > 0) intent.WireJudged = true;
            if (_out != null) _out.Add(intent);
            else if (_one == null) _one = intent;
            else { _out = [_one, intent]; }
        }

        private void Unknown(string why, string token, IReadOnlyList<string>? argv = null) => Add(new CommandIntent
        {
            Tool = _outside?.Tool ?? "shell", Effect = Effect.Unknown, Summary = why,
            Evidence = [new Evidence(token.Length > 200 ? token[..200] + "…" : token, why)],
            Argv = argv ?? [],
            // What a server outside the tree runs is not seen later either (CommandClassifier.Outside.cs).
            Targets = _outside is { } server ? [new Target { Kind = TargetKind.LocalPath, Path = server.Spool }] : [],
        });

        /// <summary>A redirection to /dev/tcp/HOST/PORT: the shell sends what it likes to HOST, so
        /// the effect is unknown and the target is that endpoint.</summary>
        private void NetworkRedirect(string path)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries); // dev, tcp|udp, host, port
            var target = parts.Length >= 3
                ? new Target { Kind = TargetKind.Socket, Host = parts[2].Trim('[', ']').TrimEnd('.').ToLowerInvariant(), Port = parts.Length >= 4 && int.TryParse(parts[3], out int port) ? port : null }
                : null;
            string why = $"bash network redirection {path}";
            Add(new CommandIntent
            {
                Tool = "shell", Effect = Effect.Unknown, Summary = why,
                Targets = target == null ? [] : [target],
                Evidence = [new Evidence(path, why)],
            });
        }

        /// <summary>Lexes and classifies a script.</summary>
        public void Script(ReadOnlySpan<byte> text, IExecContext ctx, Stdin stdin, int depth, string origin)
        {
            if (depth > MaxDepth) { Unknown($"{origin} nested deeper than {MaxDepth}", origin); return; }
            if (!_fullParse && _outside == null && !ShellQuickScan.MayMatter(text, owner._isKnown, owner._isTrigger)) return;
            var script = ShellParser.Parse(text, ctx.GetEnvironmentVariable, ctx.WorkingDirectory);
            foreach (var p in script.Problems) Unknown($"{origin}: {p}", origin);
            foreach (var nr in script.NetworkRedirects) NetworkRedirect(nr);
            foreach (var (path, cut) in script.TruncatedFiles)
                Add(ToolHelp.Intent("shell", cut, $"> {path}", [new Target { Kind = TargetKind.LocalPath, Path = path }],
                    [new Evidence($"> {path}", cut == Effect.Wipe ? "redirection overwrites the device" : "redirection truncates the file")]));
            foreach (var (fn, from, to) in script.Functions)
                if (from >= 0 && from <= to && to <= text.Length) (_functions ??= new(StringComparer.Ordinal))[fn] = Encoding.UTF8.GetString(text[from..to]);
            if (_typed > 0) TypedState(text, script, ctx, depth); // CommandClassifier.Outside.cs
            foreach (var cmd in script.Commands)
            {
                var child = ChildContext.Create(ctx, cmd.Assignments.Count == 0 ? cmd.Assignments : KnownAssignments(cmd.Assignments, ctx), cwd: cmd.WorkingDirectory != ctx.WorkingDirectory ? cmd.WorkingDirectory : null,
                    cwdUnknown: cmd.WorkingDirectoryUnknown);
                var words = cmd.Words.ToArray();
                var input = ResolveStdin(cmd, child, stdin);
                Command(words, cmd.Dynamic.ToArray(), 0, child, input, depth + 1);
                // A later command reads what this one wrote (WrittenFiles.cs).
                if (cmd.WrittenFiles != null)
                    foreach (var (path, append, stdout) in cmd.WrittenFiles)
                        ctx = WrittenFiles.With(ctx, cmd.WorkingDirectory != null && !Path.IsPathRooted(path) ? Path.Combine(cmd.WorkingDirectory, path) : path,
                            stdout ? OutputOf(cmd, child) : null, append);
            }
        }

        /// <summary>Classifies <paramref name="words"/>[<paramref name="start"/>..] as one command;
        /// <paramref name="known"/> is its tool when the caller has looked it up already.</summary>
        public void Command(string[] words, bool[]? dyn, int start, IExecContext ctx, Stdin stdin, int depth, ToolId? known = null)
        {
            if (start >= words.Length) return;
            if (depth > MaxDepth) { Unknown($"wrappers nested deeper than {MaxDepth}", string.Join(' ', words.Skip(start)), words[start..]); return; }
            PutKnownSubstitutions(ref words, ref dyn, start, ctx);
            if (dyn != null && dyn[start] && PrintedProgram(words[start]) is string printed)
            {
                var named = (string[])words.Clone();
                var fixedDyn = (bool[])dyn.Clone();
                (named[start], fixedDyn[start]) = (printed, false);
                Command(named, fixedDyn, start, ctx, stdin, depth + 1, known);
                return;
            }
            if (dyn != null && dyn[start])
            {
                Unknown("command name comes from an expansion", words[start], words[start..]);
                return;
            }
            if (_aliases != null && ExpandAlias(words, dyn, start, ctx, stdin, depth)) return;
            if (_functions != null && CallFunction(words, dyn, start, ctx, stdin, depth)) return;
            var name = Basename(words[start]);
            var id = known ?? ToolTable.Lookup(name);
            // Handed to a server that may run it outside the tree (CommandClassifier.Outside.cs).
            if (_outside != null && OutsideCommand(id, name, words, dyn, start, ctx, stdin, depth)) return;
            // Every program started on the way is an exec (wrappers too); shell builtins are not.
            // What a script file's text shows (_advisory), or a one-liner's call under run (_wireJudged), is no command this exec is known to start.
            bool exec = depth > 0 && nested != null && _advisory == 0 && _wireJudged == 0 && id is not (ToolId.Command or ToolId.Builtin or ToolId.Exec or ToolId.Eval or ToolId.Source or ToolId.Alias);
            if (exec)
            {
                // A server's command is no exec of this tree's (CommandClassifier.Outside.cs): decided here.
                nested!.Add(new NestedCommand(words[start..], ctx, _execLevel, Execs: _runnerLevel == 0 && _outside == null));
                _execLevel++;
            }
            int seen = _seen;
            try
            {
                if (Unwrap(id, name, words, dyn, start, ctx, stdin, depth)) { if (_outside != null) OutsideRan(id, name, words, start, seen); return; }
            }
            finally
            {
                if (exec) _execLevel--;
            }

            var args = words[(start + 1)..];
            if (id == ToolId.Git) ctx = GitContext(ctx);
            var call = new ToolCall { Args = args, Context = ctx, StdinText = stdin.Text, StdinOpaque = stdin.Opaque };
            foreach (var pt in owner._profileTools)
            {
                if (pt.Name == name) Emit(pt.Parse(call), words, start, id, call, null);
            }
            if (id < ToolId.Curl) { if (_outside != null) OutsideRan(id, name, words, start, seen); return; }
            // The tool's own configuration files first (they are part of what it will do), then its parser.
            // PERF: one ConfigFacts per classification, cleared for each command (Apply copies what it keeps).
            var facts = _facts ??= new ConfigFacts();
            facts.Clear();
            var folded = ToolConfig.Fold(id, name, call, facts);
            var intent = Parse(id, name, folded);
            Emit(intent, words, start, id, folded, facts);
            if (intent is { Effect: Effect.Unknown } && id is ToolId.Kubectl or ToolId.Heroku or ToolId.Railway && RemoteCommand(id, words, start) is int at)
                RemoteExec(words, start, at, intent, ctx, depth);
            if (id == ToolId.Gcloud && intent != null) GcloudSsh(words, start, intent, ctx, depth);
            if (id == ToolId.Fly && intent is { Effect: Effect.Unknown }) FlySsh(words, dyn, start, intent, ctx, depth);
            if (id == ToolId.Find) FindExec(words, start, ctx, depth);
        }


        // find … -exec|-execdir|-ok|-okdir CMD … ; (or +): find execs CMD for each file found, with {}
        // the file's path: where the selection can be computed (FindSelection), once per file found (sh {}
        // runs the script find selects, which is read); otherwise {} stays a word. rm, shred, unlink and
        // rmdir are find's own deletes (LocalDelete.Find).
        private void FindExec(string[] words, int start, IExecContext ctx, int depth)
        {
            List<string>? files = null;
            bool computed = false;
            for (int i = start + 1; i < words.Length; i++)
            {
                if (words[i] is not ("-exec" or "-execdir" or "-ok" or "-okdir")) continue;
                int end = i + 1;
                while (end < words.Length && words[end] is not (";" or "+")) end++;
                var cmd = words[(i + 1)..end];
                if (cmd.Length > 0 && Basename(cmd[0]) is not ("rm" or "shred" or "unlink" or "rmdir"))
                {
                    if (!computed && Array.Exists(cmd, x => x.Contains("{}", StringComparison.Ordinal)) && FindSelection.RunsFound(cmd)) { files = FindSelection.Files(words, start, ctx, out _, out _); computed = true; }
                    if (files is not { Count: > 0 }) Command(cmd, null, 0, ctx, new Stdin(null, true), depth + 1);
                    // CMD {} +: every file in the one command, where {} stands.
                    else if (end < words.Length && words[end] == "+") Command([.. cmd.SelectMany(x => x == "{}" ? files : [x])], null, 0, ctx, new Stdin(null, true), depth + 1);
                    else foreach (var f in files) Command([.. cmd.Select(x => x.Replace("{}", f, StringComparison.Ordinal))], null, 0, ctx, new Stdin(null, true), depth + 1);
                }
                i = end;
            }
        }

        private void Emit(CommandIntent? intent, string[] words, int start, ToolId id, ToolCall call, ConfigFacts? facts)
        {
            if (intent == null) return;
            var then = intent.Then;
            if (facts is { Any: true }) intent = facts.Apply(intent);
            Add(intent.Complete(start == 0 ? words : words[start..], id, call));
            Emit(then, words, start, id, call, facts);
        }
    }
}
