using AgentShell.Core.Policy;

namespace AgentShell.Supervisor.Wire.Tls;

/// <summary>The run's CA from the tree's side: the variables that point its TLS clients at a bundle
/// with the CA in it, known before the launcher is spawned; the CA itself is made, and the bundle
/// files written, while the launcher starts (<see cref="Ready"/> waits for it before the agent is
/// let go), so `run` does not start later for it. Nothing at all when no profile names a
/// production address, or the wire layer is off for production.</summary>
internal sealed class RunCa : IDisposable
{
    private readonly string _directory;
    private readonly Task<RunAuthority?> _made;
    private readonly TextWriter _log;

    private RunCa(string directory, Dictionary<string, string> variables, Task<RunAuthority?> made, TextWriter log)
    {
        _directory = directory;
        Variables = variables;
        _made = made;
        _log = log;
    }

    /// <summary>The variables to set in the tree's environment (name → bundle file; PGCHANNELBINDING → disable).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>Starts making the CA for run <paramref name="runId"/> when <paramref name="policy"/>
    /// needs one; null otherwise.</summary>
    public static RunCa? Begin(Policy policy, string runId, string directory, TextWriter log)
    {
        const string Production = "production";
        if (policy.WireFor(Production).Off) return null;
        if (!policy.EnvironmentEntries.Any(e => e.Environment == Production && e.Kind == EnvironmentSourceKind.Hosts)) return null;
        var bundles = CaBundle.Plan(directory, Environment.GetEnvironmentVariable, log);
        var variables = new Dictionary<string, string>(bundles, StringComparer.Ordinal);
        if (policy.WireFor(Production).Postgres) TurnOffChannelBinding(variables);
        var made = Task.Run(() =>
        {
            RunAuthority? ca = null;
            // PERF: in a child, so OpenSSL loads into the supervisor only when production TLS needs a leaf.
            try { ca = RunCaChild.Available ? RunCaChild.Make(runId) : RunAuthority.Create(runId); }
            catch (Exception e)
            {
                // TLS to production is then not intercepted: decided on argv, as before the wire layer.
                log.WriteLine($"agentshell: the run's CA could not be made ({e.Message}); TLS to production is decided on argv");
            }
            CaBundle.Fill(directory, bundles, ca?.Pem, Environment.GetEnvironmentVariable);
            // Not warmed here: that would load OpenSSL into every run; the wire layer warms it at its first connection.
            return ca;
        });
        return new RunCa(directory, variables, made, log);
    }

    /// <summary>SCRAM channel binding ties a login to the certificate the client sees, which across two
    /// TLS legs is the run CA's leaf, not the server's: libpq's default (prefer) would then fail at
    /// the server. Safe to turn off: the relay verifies the server's certificate itself. A person who
    /// asked for it (require) keeps it, and the relay says why it fails. (`run`, and each shell of a daemon.)</summary>
    internal static void TurnOffChannelBinding(Dictionary<string, string> variables)
    {
        if (Environment.GetEnvironmentVariable("PGCHANNELBINDING") is null or "") variables["PGCHANNELBINDING"] = "disable";
    }

    /// <summary>Waits until the bundle files are written; the CA, or null when it could not be made.</summary>
    public RunAuthority? Ready()
    {
        try { return _made.GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The tree's clients will miss their bundle and fail TLS: say why (nothing is let through for it).
            _log.WriteLine($"agentshell: the CA bundle for the tree could not be written: {e.Message}");
            return null;
        }
    }

    /// <summary>Removes the bundle files.</summary>
    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind in our own 0700 directory: harmless, and the next run uses another name.
        }
    }
}
