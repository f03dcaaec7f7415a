using System.Text;
using AgentShell.Core.Classification;
using AgentShell.Core.Lexing;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;
using AgentShell.Core.Profiles;
using AgentShell.Core.Tools;
using AgentShell.Supervisor;
using AgentShell.Supervisor.Approval;

namespace AgentShell.Fuzz;

/// <summary>A fuzz target's property did not hold: a crash for the fuzzer, a failure for the replay.</summary>
public sealed class PropertyViolation(string message) : Exception(message);

/// <summary>The fuzz targets: each takes arbitrary bytes, must not throw (anything thrown is a
/// finding) or hang, and checks a property where one can be stated. The oracle: a mutation that
/// still holds a destructive core (a simple command that drops, deletes or wipes on production; a
/// DROP statement ended by its own <c>;</c>; a GraphQL mutation) must never be decided as allowed.</summary>
public static class FuzzTargets
{
    /// <summary>Target names, as the directories under tests/fuzz.</summary>
    public static readonly string[] Names = ["shell", "sql", "graphql", "profile", "control"];

    /// <summary>Runs target <paramref name="name"/> on <paramref name="data"/>.</summary>
    public static void Run(string name, ReadOnlySpan<byte> data)
    {
        switch (name)
        {
            case "shell": Shell(data); break;
            case "sql": Sql(data); break;
            case "graphql": GraphQLDocument(data); break;
            case "profile": Profile(data); break;
            case "control": Control(data); break;
            default: throw new ArgumentException($"unknown fuzz target '{name}' ({string.Join(", ", Names)})");
        }
    }

    // Destructive commands aimed at production (tests/fuzz/production.json); each is blocked alone.
    private static readonly string[][] Cores =
    [
        ["psql", "-h", "db.prod.example.com", "-c", "DROP TABLE users"],
        ["curl", "-X", "DELETE", "https://api.prod.example.com/v1/volumes/1"],
        ["kubectl", "--context", "prod", "delete", "namespace", "payments"],
    ];

    private static readonly Lazy<(ExecDecider Decider, Policy Policy)> s_policy = new(() =>
    {
        string root = FindRoot();
        var policy = Policy.Load([Path.Combine(root, "profiles", "default.json"), Path.Combine(root, "tests", "fuzz", "production.json")]);
        return (new ExecDecider(new CommandClassifier(policy.Tools), policy), policy);
    });

    /// <summary>A shell string as `bash -c STRING` is decided: lexed, parsed, every command classified
    /// and the policy applied. Property: when the string still parses to a plain command that is one
    /// of the cores, the decision is not an allow.</summary>
    public static void Shell(ReadOnlySpan<byte> data)
    {
        string text = Encoding.UTF8.GetString(data);
        var lexer = new ShellLexer(data);
        for (int i = 0; i <= data.Length + 1 && lexer.Next().Kind != ShellTokenKind.End; i++) { } // bounded: a lexer that never ends is a hang
        var script = ShellParser.Parse(Encoding.UTF8.GetBytes(text), null, "/tmp");
        var (decider, _) = s_policy.Value;
        var d = decider.Decide(new ExecRequest("/bin/bash"u8.ToArray(), 9, Argv.FromStrings(["bash", "-c", text])), new NoFiles());
        if (d.Action != PolicyAction.Allow) return;
        foreach (var c in script.Commands)
        {
            if (c.Dynamic.Contains(true) || c.Assignments.Count > 0) continue;
            foreach (var core in Cores)
            {
                if (c.Words.SequenceEqual(core))
                    throw new PropertyViolation($"allowed [rule {d.RuleId}] a string that still runs `{string.Join(' ', core)}`: {text}");
            }
        }
    }

    private const string SqlCore = "DROP TABLE users;";

    /// <summary>The SQL scanner, every dialect. Property: a string that starts with a DROP statement
    /// ended by its own semicolon is a drop, whatever follows.</summary>
    public static void Sql(ReadOnlySpan<byte> data)
    {
        string text = Encoding.UTF8.GetString(data);
        foreach (var dialect in Enum.GetValues<SqlDialect>())
        {
            SqlScanner.Scan(text, dialect);
            var r = SqlScanner.Scan(SqlCore + text, dialect);
            if (!r.Statements.Any(s => s.Effect == Effect.Drop))
                throw new PropertyViolation($"{dialect}: `{SqlCore}` followed by more SQL is not a drop ({r.Effect}): {SqlCore + text}");
        }
    }

    private const string GraphQLCore = "mutation { volumeDelete(volumeId: \"v\") }";

    /// <summary>The GraphQL parser. Property: a document that starts with a destructive mutation is
    /// never read as a read, whatever follows (junk makes it unknown, which is not allowed on production).</summary>
    public static void GraphQLDocument(ReadOnlySpan<byte> data)
    {
        string text = Encoding.UTF8.GetString(data);
        GraphQL.Classify(text);
        var r = GraphQL.Classify(GraphQLCore + text);
        if (r.Effect == Effect.Read)
            throw new PropertyViolation($"a document starting with `{GraphQLCore}` was read as a read: {GraphQLCore + text}");
    }

    /// <summary>The profile reader: any bytes are a profile or a list of errors, never an exception.</summary>
    public static void Profile(ReadOnlySpan<byte> data)
    {
        var errors = new List<ProfileError>();
        var doc = ProfileReader.Read("fuzz.json", data.ToArray(), 0, errors);
        if (doc == null && errors.Count == 0) throw new PropertyViolation("no profile and no error");
    }

    /// <summary>The control protocol: any line is a request or an error text, never an exception.</summary>
    public static void Control(ReadOnlySpan<byte> data)
    {
        foreach (var line in Split(data))
        {
            var req = ControlProtocol.Parse(line, out var error);
            if (req is { } r)
            {
                _ = r.Str("op");
                _ = r.Str("id");
                _ = r.Str("run");
                _ = r.Bool("forRun");
            }
            else if (error == null) throw new PropertyViolation("no request and no error");
        }
    }

    private static List<byte[]> Split(ReadOnlySpan<byte> data)
    {
        var lines = new List<byte[]>();
        int nl;
        while ((nl = data.IndexOf((byte)'\n')) >= 0) { lines.Add(data[..nl].ToArray()); data = data[(nl + 1)..]; }
        lines.Add(data.ToArray());
        return lines;
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AgentShell.sln"))) return d.FullName;
        throw new InvalidOperationException("AgentShell.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>No files, no variables: the same decision on every machine.</summary>
    private sealed class NoFiles : IExecContext
    {
        public string? GetEnvironmentVariable(string name) => null;
        public string? WorkingDirectory => "/tmp";
        public byte[]? ReadFile(string path, int maxBytes) => null;
    }
}
