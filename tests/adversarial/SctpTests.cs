namespace AgentShell.EndToEnd.Tests.Adversarial;

/// <summary>SCTP sets up an association without connect(2): setsockopt(SCTP_SOCKOPT_CONNECTX) or a
/// sendmsg to an address on a one-to-many socket, neither of which seccomp mode sees as a connect
/// (redteam23, reasoned: this machine has no SCTP module, so the attack itself cannot be run here).
/// The filter refuses the socket instead: IPPROTO_SCTP, and an inet SOCK_SEQPACKET (SCTP's type,
/// protocol 0). The look-alikes: TCP, UDP and a unix SOCK_SEQPACKET socket are made as before.</summary>
[TestFixture("seccomp")]
[TestFixture("kernel")]
public sealed class SctpTests(string guard) : ProductionFixture(guard)
{
    [Test]
    public void AnSctpSocketIsRefused()
    {
        const string py = """
            import errno, socket
            def make(family, kind, proto=0):
                try:
                    socket.socket(family, kind, proto).close(); return "ok"
                except OSError as e:
                    return errno.errorcode.get(e.errno, str(e.errno))
            print(make(socket.AF_INET, socket.SOCK_STREAM, 132), make(socket.AF_INET6, socket.SOCK_SEQPACKET, 132),
                  make(socket.AF_INET, socket.SOCK_SEQPACKET), make(socket.AF_INET6, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC),
                  make(socket.AF_INET, socket.SOCK_STREAM), make(socket.AF_INET6, socket.SOCK_DGRAM), make(socket.AF_UNIX, socket.SOCK_SEQPACKET))
            """;
        var r = AgentShellRunner.Run(["run", "--connect-guard", Guard, "--", Repo.Python, "-c", py], TimeSpan.FromSeconds(30));
        Assert.That(r.Stdout.Trim(), Is.EqualTo("EPERM EPERM EPERM EPERM ok ok ok"), r.Stderr);
    }
}
