using System.Text.Json;
using AgentShell.Core.Model;
using AgentShell.Core.Tools;

namespace AgentShell.Core.Classification;

/// <summary>What <c>docker|podman run IMAGE ARGS</c> starts: an image whose entrypoint is a known CLI
/// (<c>bitnami/kubectl</c>, <c>amazon/aws-cli</c>, <c>hashicorp/terraform</c>) runs that CLI with ARGS;
/// an image that runs its arguments as a command (<c>postgres psql -c …</c>, <c>google/cloud-sdk
/// gcloud …</c>) runs ARGS. The table is data (<c>container-images.json</c>, embedded); any other
/// image's entrypoint is not known.</summary>
internal static class ContainerImages
{
    private static readonly Lazy<(Dictionary<string, string> Entrypoints, HashSet<string> Commands)> Table = new(Load);

    /// <summary>The CLI image <paramref name="image"/> runs its arguments with; null when it runs
    /// them as a command or is not known (<see cref="IsKnown"/> tells which).</summary>
    public static string? Entrypoint(string image) => Table.Value.Entrypoints.GetValueOrDefault(Key(image));

    /// <summary>True when the table lists <paramref name="image"/> (an entrypoint or a command image).</summary>
    public static bool IsKnown(string image) => Listed(Key(image));

    private static bool Listed(string n) => Table.Value.Entrypoints.ContainsKey(n) || Table.Value.Commands.Contains(n);

    // The table's name for image: its repository as docker names it (the table lists some with their
    // registry), else without a registry host (a first part with a '.' or ':', or localhost: docker's
    // rule), else the last two parts (a mirror that keeps the upstream path under a prefix of its own:
    // registry.acme.com/dockerhub/bitnami/kubectl), else an official image's last part. Only docker.io
    // was stripped: a mirror of a listed image (public.ecr.aws/bitnami/kubectl) was unknown (review42 F9).
    private static string Key(string image)
    {
        var n = Normalize(image);
        if (Listed(n)) return n;
        int slash = n.IndexOf('/');
        if (slash <= 0 || !(n.AsSpan(0, slash).IndexOfAny('.', ':') >= 0 || n[..slash] == "localhost")) return n;
        var path = n[(slash + 1)..];
        if (path.StartsWith("library/", StringComparison.Ordinal)) path = path[8..];
        if (Listed(path)) return path;
        var parts = path.Split('/');
        if (parts.Length > 2 && parts[^2] + "/" + parts[^1] is var two && Listed(two)) return two;
        if (parts.Length > 1 && parts[^2] == "library" && Listed(parts[^1])) return parts[^1];
        return n;
    }

    /// <summary>The image's repository as docker names it: no tag, no digest, no <c>docker.io/</c>
    /// or <c>library/</c> (<c>docker.io/bitnami/kubectl:1.29@sha256:…</c> → <c>bitnami/kubectl</c>).</summary>
    public static string Normalize(string image)
    {
        var n = image;
        int at = n.IndexOf('@');
        if (at >= 0) n = n[..at];
        int colon = n.LastIndexOf(':');
        if (colon > n.LastIndexOf('/')) n = n[..colon]; // a tag, not a registry's port
        foreach (var prefix in (ReadOnlySpan<string>)["docker.io/", "index.docker.io/", "registry-1.docker.io/"])
            if (n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) { n = n[prefix.Length..]; break; }
        if (n.StartsWith("library/", StringComparison.Ordinal)) n = n[8..];
        return n.ToLowerInvariant();
    }

    /// <summary>docker run IMAGE ARGS (<paramref name="image"/> the image's index) of an image the table
    /// does not list, whose ARGS are no known program's but hold a destructive verb (<c>acme/ops
    /// delete ns prod</c>): what its entrypoint does is unknown, on the environments its words name
    /// (so a pause on production, where the default policy lets an unknown effect elsewhere run).
    /// Null when ARGS start with a known program (read as that command) or show no such verb.</summary>
    public static CommandIntent? UnknownEntrypoint(string[] w, int s, int image)
    {
        if (IsKnown(w[image]) || image + 1 >= w.Length || ToolTable.Lookup(Path.GetFileName(w[image + 1])) != ToolId.None) return null;
        string? verb = null;
        var targets = new List<Target>();
        var evidence = new List<Evidence>();
        for (int k = image + 1; k < w.Length; k++)
        {
            if (verb == null && !w[k].StartsWith('-') && CliVerbs.Of(w[k]) is { } e && e >= Effect.Delete && e != Effect.ForcePush) verb = w[k];
            foreach (var word in ProfileToolTarget.EnvironmentWords(w[k]))
            {
                targets.Add(new Target { Kind = TargetKind.Environment, Name = word });
                evidence.Add(new Evidence(w[k], $"{w[k]} names {word}"));
            }
        }
        if (verb == null) return null;
        var why = $"image {w[image]} runs an entrypoint no table knows, with a destructive verb ({verb}): unknown";
        return new CommandIntent
        {
            Tool = Path.GetFileName(w[s]), Effect = Effect.Unknown, Summary = why, Targets = targets, Argv = w[s..],
            Evidence = [new Evidence(w[image], why), .. evidence],
        };
    }

    // A table that does not read is a defect of this build: fail loudly (a test reads it).
    private static (Dictionary<string, string>, HashSet<string>) Load()
    {
        using var s = typeof(ContainerImages).Assembly.GetManifestResourceStream("container-images.json")
            ?? throw new InvalidOperationException("container-images.json is missing from the assembly");
        using var doc = JsonDocument.Parse(s);
        var entry = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.GetProperty("Entrypoints").EnumerateObject()) entry[p.Name] = p.Value.GetString()!;
        var commands = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in doc.RootElement.GetProperty("Commands").EnumerateArray()) commands.Add(c.GetString()!);
        return (entry, commands);
    }
}
