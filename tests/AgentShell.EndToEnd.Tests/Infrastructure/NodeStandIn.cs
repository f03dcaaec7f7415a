using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentShell.EndToEnd.Tests.Infrastructure;

/// <summary>A stand-in server written in JavaScript: a free port on an address, and node running
/// the script until it prints "listening".</summary>
internal static class NodeStandIn
{
    /// <summary>A port nothing listens on at <paramref name="address"/> now.</summary>
    public static int FreePort(string address)
    {
        var l = new TcpListener(IPAddress.Parse(address), 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Writes <paramref name="js"/> to DIR/server.js and runs it with <paramref name="args"/>;
    /// returns once it said "listening".</summary>
    public static Process Start(string dir, string js, params string[] args)
    {
        var file = Path.Combine(dir, "server.js");
        File.WriteAllText(file, js);
        var node = Process.Start(new ProcessStartInfo(Repo.Which("node"), [file, .. args]) { RedirectStandardOutput = true })!;
        if (node.StandardOutput.ReadLine() == "listening") return node;
        node.Kill();
        node.Dispose();
        throw new InvalidOperationException("the stand-in did not start");
    }

    /// <summary>Ends the server (if it runs) and waits for it.</summary>
    public static void Stop(Process? node)
    {
        if (node is { HasExited: false }) node.Kill();
        node?.WaitForExit();
        node?.Dispose();
    }
}
