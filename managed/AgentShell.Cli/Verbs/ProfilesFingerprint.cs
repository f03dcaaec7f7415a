using System.Text;
using System.Text.Json;
using AgentShell.Core.Credentials;

namespace AgentShell.Cli.Verbs;

/// <summary>`agentshell profiles fingerprint NAME`: reads a secret from stdin (without echo when
/// stdin is a terminal) and prints the <c>Credentials</c> entry to paste into a profile's
/// environment: the name and the SHA-256 of the secret. The secret itself is never printed.
/// Blanks around it (the newline of `echo`, a pasted space) are not part of it.</summary>
internal static class ProfilesFingerprint
{
    internal static int Execute(string? name, TextWriter stdout, TextWriter stderr) =>
        Execute(name, Console.In, !Console.IsInputRedirected, stdout, stderr);

    /// <summary>As above, reading from <paramref name="stdin"/> (tests; <paramref name="terminal"/> false).</summary>
    internal static int Execute(string? name, TextReader stdin, bool terminal, TextWriter stdout, TextWriter stderr)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            stderr.WriteLine("agentshell profiles fingerprint: give the credential a NAME of letters, digits, '-', '_' or '.' (it is shown in decisions instead of the secret). Usage: agentshell profiles fingerprint NAME < secret");
            return Program.UsageError;
        }
        string secret;
        if (terminal)
        {
            stderr.Write($"secret for {name} (not shown; Enter to finish): ");
            secret = ReadHidden();
            stderr.WriteLine();
        }
        else secret = stdin.ReadToEnd();
        secret = secret.Trim();
        if (secret.Length == 0)
        {
            stderr.WriteLine("agentshell profiles fingerprint: no secret on stdin; nothing printed.");
            return Program.UsageError;
        }
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Name", name);
            w.WriteString("Sha256", CredentialTable.Fingerprint(secret));
            w.WriteEndObject();
        }
        stdout.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()).Replace(",", ", ").Replace(":", ": "));
        stderr.WriteLine("paste it into the environment's \"Credentials\": [...] list of a profile");
        return 0;
    }

    private static string ReadHidden()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter) return sb.ToString();
            if (k.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            if (k.KeyChar != '\0') sb.Append(k.KeyChar);
        }
    }
}
