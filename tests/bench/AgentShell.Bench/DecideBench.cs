using System.Text;
using AgentShell.Core.Model;
using AgentShell.Core.Policy;

namespace AgentShell.Bench;

/// <summary>Policy decision time per intent (parsing excluded): the shipped default profile, and a
/// generated profile of 200 hosts and 100 rules layered on it.</summary>
public sealed class DecideBench : IBench
{
    /// <inheritdoc/>
    public string Name => "decide";

    /// <inheritdoc/>
    public void Run(Harness h)
    {
        string dir = Directory.CreateTempSubdirectory("agentshell-bench-").FullName;
        try
        {
            string shipped = FindProfiles();
            var def = Policy.Load([Path.Combine(shipped, "default.json")]);
            string big = Path.Combine(dir, "big.json");
            File.WriteAllText(big, BigProfile(hosts: 200, rules: 100));
            var layered = Policy.Load([Path.Combine(shipped, "default.json"), big]);
            var ctx = new LocalExecContext(new Dictionary<string, string> { ["HOME"] = "/home/dev" }, "/home/dev/app");

            var cases = new (string What, CommandIntent Intent)[]
            {
                ("read, unknown host (falls through every rule)", Intent("curl", Effect.Read, Url("api.example.org"))),
                ("delete, unknown host (pause)", Intent("curl", Effect.Delete, Url("api.example.org"))),
                ("delete, glob-listed production host", Intent("curl", Effect.Delete, Url("svc-150.prod.acme.internal"))),
                ("write, CIDR-listed host", Intent("psql", Effect.Write, new Target { Kind = TargetKind.Database, Host = "10.77.3.9", Port = 5432 })),
                ("delete, kube context glob", Intent("kubectl", Effect.Delete, new Target { Kind = TargetKind.KubeContext, Name = "prod-eu" })),
                ("delete, local path (Paths rule, ~ and {repo})", Intent("rm", Effect.Delete, new Target { Kind = TargetKind.LocalPath, Path = "/tmp/build" })),
            };
            foreach (var (label, policy) in new[] { ("default.json", def), ("default.json + 200 hosts / 100 rules", layered) })
            {
                Console.WriteLine($"  -- {label}");
                foreach (var (what, intent) in cases)
                {
                    IReadOnlyList<CommandIntent> one = [intent];
                    var (ns, bytes) = h.Measure(200_000, () => policy.Decide(one, ctx));
                    Harness.Report(what, ns, bytes);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static CommandIntent Intent(string tool, Effect effect, Target target) =>
        new() { Tool = tool, Effect = effect, Targets = [target], Summary = target.ToString() };

    private static Target Url(string host) => new() { Kind = TargetKind.Url, Scheme = "https", Host = host, Path = "/v1/x" };

    /// <summary>200 host patterns (exact, globs, CIDRs) over four environments and 100 rules that
    /// mostly miss, each with a case it matches and one it does not (curl-only, so they run here).</summary>
    internal static string BigProfile(int hosts, int rules)
    {
        var sb = new StringBuilder("{\"Description\":\"bench\",\"Environments\":{");
        string[] envs = ["production", "staging", "qa", "sandbox"];
        for (int e = 0; e < envs.Length; e++)
        {
            sb.Append(e > 0 ? "," : "").Append('"').Append(envs[e]).Append("\":{\"Hosts\":[");
            for (int i = e; i < hosts; i += envs.Length)
            {
                if (i > e) sb.Append(',');
                sb.Append((i % 3) switch
                {
                    0 => $"\"svc-{i}.{envs[e]}.acme.internal\"",
                    1 => $"\"*.svc-{i}.{envs[e]}.acme.internal\"",
                    _ => $"\"10.{70 + e}.{i % 250}.0/24\"",
                });
            }
            sb.Append(e == 0 ? ",\"*.prod.acme.internal\",\"10.77.0.0/16\"" : "").Append("]}");
        }
        sb.Append("},\"Rules\":[");
        for (int r = 0; r < rules; r++)
        {
            string env = envs[r % envs.Length];
            string host = $"svc-{r}.bench.example";
            if (r > 0) sb.Append(',');
            sb.Append($"{{\"Id\":\"bench.rule:{r}\",\"Tools\":[\"curl\"],\"Effects\":[\"delete\"],\"Environments\":[\"{env}\"],\"Hosts\":[\"{host}\"],")
              .Append($"\"Action\":\"pause\",\"Reason\":\"bench\",\"Tests\":{{\"Match\":[[\"curl\",\"-X\",\"DELETE\",\"https://{host}/x\"]],")
              .Append($"\"NoMatch\":[[\"curl\",\"https://{host}/x\"]]}}}}");
        }
        sb.Append("]}");
        // Bench rules name hosts outside their environment's patterns; put them in the right one.
        string json = sb.ToString();
        var fix = new StringBuilder(json);
        for (int e = 0; e < envs.Length; e++)
        {
            var names = Enumerable.Range(0, rules).Where(r => r % envs.Length == e).Select(r => $"\"svc-{r}.bench.example\"");
            fix.Replace($"\"{envs[e]}\":{{\"Hosts\":[", $"\"{envs[e]}\":{{\"Hosts\":[{string.Join(',', names)},");
        }
        return fix.ToString();
    }

    private static string FindProfiles()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "profiles");
            if (File.Exists(Path.Combine(p, "default.json"))) return p;
        }
        throw new InvalidOperationException("profiles/default.json not found above the bench binary");
    }
}
