using System.Globalization;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A hostile client as an agent would write it: python3 (argv for <c>agentshell run</c>)
/// that connects to HOST:PORT and, for each byte string of <c>sends</c>, writes it and collects
/// what comes back until <c>wait</c> seconds pass quietly or the peer closes; then prints
/// <c>print</c>, a Python expression over <c>out</c> (every byte received). With <c>answered</c>, a
/// Python expression over <c>got</c> (the bytes received since this send), a send other than the
/// last stops collecting as soon as it holds (its answer is complete) instead of waiting out the
/// quiet time; what comes after is still collected by the next send, and the last send always
/// waits the quiet time, so late bytes are seen as before.</summary>
internal static class RawPython
{
    public static string[] Client(string host, int port, double wait, byte[][] sends, string print, string answered = "False")
    {
        var chunks = string.Join(", ", sends.Select(s => $"'{Convert.ToBase64String(s)}'"));
        return
        [
            Repo.Python, "-c", $$"""
                import base64, re, socket
                s = socket.create_connection(('{{host}}', {{port}}))
                s.settimeout({{wait.ToString(CultureInfo.InvariantCulture)}})
                out = b''
                chunks = [{{chunks}}]
                for i, c in enumerate(chunks):
                    start = len(out)
                    try:
                        s.sendall(base64.b64decode(c))
                        while True:
                            d = s.recv(65536)
                            if not d: break
                            out += d
                            got = out[start:]
                            if i < len(chunks) - 1 and ({{answered}}): break
                    except socket.timeout:
                        pass
                    except OSError:
                        break
                print({{print}})
                """,
        ];
    }
}
