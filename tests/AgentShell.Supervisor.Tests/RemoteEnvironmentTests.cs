using System.Runtime.InteropServices;

namespace AgentShell.Supervisor.Tests;

/// <summary>An exec's environment as parsers see it (<see cref="RemoteExecContext"/>), read from a
/// real process's memory (this one's: an envp laid out here): the first of a repeated name wins, as
/// getenv; a value holding '=' is whole; a name that is not valid UTF-8 never matches an ASCII name;
/// a variable that loads foreign code counts in any of its entries.</summary>
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
    public void CodeLoadingVariablesCountInAnyOfTheirEntries()
    {
        // ld.so takes the last LD_PRELOAD, getenv the first (empty) one: set either way.
        var (block, envp) = Lay(B("LD_PRELOAD="), B("PATH=/bin"), B("LD_PRELOAD=/lib/x86_64-linux-gnu/libc.so.6"));
        var (quiet, quietEnvp) = Lay(B("LD_PRELOAD="), B("XLD_PRELOAD=/x.so"), B("OPENSSL_CONFX=/x"), B("PSQLRC"), [0xFF, (byte)'L', (byte)'D', (byte)'_', (byte)'=', (byte)'x'],
            B("HOME=/root"));
        var (exact, exactEnvp) = Lay(B("HOME=/root"), B("PYTHONPATH=/tmp/evil"), B("LD_AUDIT=/x.so"));
        try
        {
            var ctx = new RemoteExecContext(new ExecReader(), null);
            ctx.Reset(Environment.ProcessId, envp);
            Assert.That(ctx.GetEnvironmentVariable("LD_PRELOAD"), Is.EqualTo(""), "getenv's answer");
            Assert.That(TrustLedger.ForeignCode(ctx), Is.EqualTo("LD_PRELOAD"));
            ctx.Reset(Environment.ProcessId, quietEnvp);
            Assert.That(TrustLedger.ForeignCode(ctx), Is.Null, "empty, other names, no value, a name that is not ASCII");
            ctx.Reset(Environment.ProcessId, exactEnvp);
            Assert.That(TrustLedger.ForeignCode(ctx), Is.EqualTo("PYTHONPATH"), "the first entry that sets one");
        }
        finally
        {
            Marshal.FreeHGlobal(block);
            Marshal.FreeHGlobal(quiet);
            Marshal.FreeHGlobal(exact);
        }
    }

    [Test]
    public void OneScanForManyNamesAgreesWithTheLookupOfEach()
    {
        var names = new AgentShell.Core.Model.VariableNames(["RAILS_ENV", "HOME", "X", "EQ", "EMPTY", "NOEQUALS", "HOM", "CAFÉ", "A=1", "", "MIX_ENV"]);
        var (block, envp) = Lay(B("A=1"), B("HOME=/first"), B("HOME=/second"), [0xFF, (byte)'X', (byte)'=', (byte)'b'], B("X=good"), B("EQ=a=b"),
            B("EMPTY="), B("NOEQUALS"), B("CAFÉ=crème"), B("RAILS_ENVX=production"), B("MIX_EN=prod"));
        try
        {
            var ctx = new RemoteExecContext(new ExecReader(), null);
            ctx.Reset(Environment.ProcessId, envp);
            ulong scanned = ctx.VariablesSet(names); // before any lookup: nothing cached yet
            ulong byName = 0;
            for (int i = 0; i < names.Count; i++) if (ctx.GetEnvironmentVariable(names[i]) != null) byName |= 1UL << i;
            Assert.That(byName, Is.EqualTo((1UL << 1) | (1UL << 2) | (1UL << 3) | (1UL << 4) | (1UL << 7)));
            Assert.That(scanned, Is.EqualTo(byName), "CAFÉ is not ASCII: always set, and it is set here");
            ctx.Reset(Environment.ProcessId, 8); // unreadable: no variable, as the lookups see it
            Assert.That(ctx.VariablesSet(names), Is.EqualTo(1UL << 7), "only the name left to a lookup");
            Assert.That(ctx.EnvironmentUnreadable, Is.True);
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    [TestCase("RAILS_ENV=production", "production", "default.any:destructive-on-production")]
    [TestCase("DOTNET_ENVIRONMENT=Production", "production", "default.any:destructive-on-production")] // the last name the profile lists
    [TestCase("RAILS_ENV=development", "unknown", "default.any:destructive-on-unknown")]             // set, not matching
    [TestCase("RAILS_ENVIRONMENT=production", "unknown", "default.any:destructive-on-unknown")]      // another name
    public void AnExecsVariablesNameTheEnvironmentOfAnUnknownTarget(string variable, string environment, string rule)
    {
        var policy = AgentShell.Core.Policy.Policy.Load([Path.Combine(Repo.Root, "profiles", "default.json")]);
        var classifier = new AgentShell.Core.Classification.CommandClassifier(policy.Tools);
        var (block, envp) = Lay(B("HOME=/nonexistent-home"), B("PATH=/usr/bin:/bin"), B(variable));
        try
        {
            var ctx = new RemoteExecContext(new ExecReader(), null);
            ctx.Reset(Environment.ProcessId, envp);
            var d = policy.Decide(classifier.Classify(["curl", "-X", "DELETE", "https://api.example.org/v1/volumes/1"], ctx), ctx);
            Assert.That((d.Environment, d.RuleId), Is.EqualTo((environment, rule)));
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    // Under run a shell that sourced .env.production (set -a; . ./.env.production) execs the ORM CLI with the
    // file's DATABASE_URL in its envp: the exec is judged on that, never on .env's (check simulates the same).
    [Test]
    public void ASourcedFilesVariableReachesTheExecThroughItsEnvironment()
    {
        var classifier = new AgentShell.Core.Classification.CommandClassifier([]);
        var (block, envp) = Lay(B("HOME=/nonexistent-home"), B("PATH=/usr/bin:/bin"), B("DATABASE_URL=postgresql://app@db.prod.example.com:5432/app"));
        try
        {
            var ctx = new RemoteExecContext(new ExecReader(), null);
            ctx.Reset(Environment.ProcessId, envp);
            var intents = classifier.Classify(["npx", "prisma", "db", "push", "--force-reset"], ctx);
            Assert.That(intents.SelectMany(i => i.Targets).Select(t => t.Host), Does.Contain("db.prod.example.com"));
            Assert.That(intents.Max(i => i.Effect), Is.EqualTo(AgentShell.Core.Model.Effect.Wipe));
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
