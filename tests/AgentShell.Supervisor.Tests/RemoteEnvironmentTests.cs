using System.Runtime.InteropServices;

namespace AgentShell.Supervisor.Tests;

/// <summary>An exec's environment as parsers see it (<see cref="RemoteExecContext"/>), read from a
/// real process's memory (this one's: an envp laid out here): the first of a repeated name wins, as
/// getenv; a value holding '=' is whole; a name that is not valid UTF-8 never matches an ASCII name;
/// names are listed in envp's order.</summary>
[TestFixture]
public sealed class RemoteEnvironmentTests
{
    private static unsafe (nint Block, ulong Envp) Lay(params byte[][] strings)
    {
        int bytes = 8 * (strings.Length + 1) + strings.Sum(s => s.Length + 1);
        nint block = Marshal.AllocHGlobal(bytes);
        var ptrs = (ulong*)block;
        byte* at = (byte*)block + 8 * (strings.Length + 1);
        for (int i = 0; i < strings.Length; i++)
        {
            ptrs[i] = (ulong)at;
            strings[i].CopyTo(new Span<byte>(at, strings[i].Length));
            at[strings[i].Length] = 0;
            at += strings[i].Length + 1;
        }
        ptrs[strings.Length] = 0;
        return (block, (ulong)block);
    }

    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Test]
    public void VariablesAreFoundAsGetenvFindsThem()
    {
        var (block, envp) = Lay(B("A=1"), B("HOME=/first"), B("HOME=/second"), [0xFF, (byte)'X', (byte)'=', (byte)'b'], B("X=good"), B("EQ=a=b"),
            B("EMPTY="), B("NOEQUALS"), B("CAFÉ=crème"));
        try
        {
            var ctx = new RemoteExecContext(new ExecReader(), null);
            ctx.Reset(Environment.ProcessId, envp);
            Assert.That(ctx.GetEnvironmentVariable("HOME"), Is.EqualTo("/first"));
            Assert.That(ctx.GetEnvironmentVariable("HOME"), Is.EqualTo("/first"), "asked again");
            Assert.That(ctx.GetEnvironmentVariable("X"), Is.EqualTo("good"), "\\xFFX is another name");
            Assert.That(ctx.GetEnvironmentVariable("EQ"), Is.EqualTo("a=b"));
            Assert.That(ctx.GetEnvironmentVariable("EMPTY"), Is.EqualTo(""));
            Assert.That(ctx.GetEnvironmentVariable("A=1"), Is.Null, "no name holds '='");
            Assert.That(ctx.GetEnvironmentVariable("NOEQUALS"), Is.Null);
            Assert.That(ctx.GetEnvironmentVariable("HOM"), Is.Null, "a prefix is not the name");
            Assert.That(ctx.GetEnvironmentVariable("CAFÉ"), Is.EqualTo("crème"), "a name that is not ASCII, compared decoded");
            Assert.That(ctx.GetEnvironmentVariable(""), Is.Null);
            Assert.That(ctx.EnvironmentNames, Is.EqualTo(new[] { "A", "HOME", "HOME", "\uFFFDX", "X", "EQ", "EMPTY", "CAFÉ" }));
            Assert.That(ctx.EnvironmentUnreadable, Is.False);
            // The next exec sees its own environment, not what was looked up before.
            var (block2, envp2) = Lay(B("HOME=/other"));
            try
            {
                ctx.Reset(Environment.ProcessId, envp2);
                Assert.That(ctx.GetEnvironmentVariable("HOME"), Is.EqualTo("/other"));
                Assert.That(ctx.GetEnvironmentVariable("X"), Is.Null);
            }
            finally { Marshal.FreeHGlobal(block2); }
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    [Test]
    public void AnUnreadableEnvironmentIsSaid()
    {
        var ctx = new RemoteExecContext(new ExecReader(), null);
        ctx.Reset(Environment.ProcessId, 8); // an address no process maps
        Assert.That(ctx.GetEnvironmentVariable("HOME"), Is.Null);
        Assert.That(ctx.EnvironmentUnreadable, Is.True);
        Assert.That(ctx.TryGetEnvironment(out _), Is.False);
    }
}
