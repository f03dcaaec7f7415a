using System.Globalization;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A hostile client as an agent would write it: python3 (argv for <c>agentshell run</c>)
/// that connects to HOST:PORT and, for each byte string of <c>sends</c>, writes it and collects
/// what comes back until <c>wait</c> seconds pass quietly or the peer closes; then prints
/// <c>print</c>, a Python expression over <c>out</c> (every byte received).</summary>
internal static class RawPython
{
    public static string[] Client(string host, int port, double wait, byte[][] sends, string print)
    {
        var chunks = string.Join(", ", sends.Select(s => $"'{Convert.ToBase64String(s)}'"));
        return
        [
            Repo.Python, "-c", $$"""
                import base64, re, socket
                s = socket.create_connection(('{{host}}', {{port}}))
                s.settimeout({{wait.ToString(CultureInfo.InvariantCulture)}})
                out = b''
                for c in [{{chunks}}]:
                    try:
                        s.sendall(base64.b64decode(c))
                        while True:
                            d = s.recv(65536)
                            if not d: break
                            out += d
                    except socket.timeout:
                        pass
                    except OSError:
                        break
                print({{print}})
                """,
        ];
    }
}
