using System.Diagnostics;
using System.Globalization;
using AgentShell.Supervisor.Network;

namespace AgentShell.Supervisor.Tests.Network;

/// <summary>The keyed hash of committed execs: the C# side (what the supervisor stages) and the C
/// header the BPF program is built from (what the kernel computes) give the same values, which are
/// SipHash-2-4's.</summary>
[TestFixture]
public sealed class SipHashTests
{
    private const ulong K0 = 0x0706050403020100, K1 = 0x0f0e0d0c0b0a0908; // key 00 01 .. 0f

    private static byte[] Counting(int n) => Enumerable.Range(0, n).Select(i => (byte)i).ToArray();

    // The reference vectors of the SipHash paper (key 00..0f, message 00..n-1).
    [TestCase(0, 0x726fdb47dd0e0e31UL)]
    [TestCase(1, 0x74f839c593dc67fdUL)]
    [TestCase(7, 0xab0200f58b01d137UL)]
    [TestCase(8, 0x93f5f5799a932462UL)]
    [TestCase(15, 0xa129ca6149be45e5UL)]
    [TestCase(63, 0x958a324ceb064572UL)]
    public void TheHashIsSipHash24(int length, ulong expected) =>
        Assert.That(new SipHash(K0, K1).Hash(Counting(length)), Is.EqualTo(expected));

    [Test]
    public void TheKernelsHeaderComputesTheSameHashes()
    {
        var dir = Directory.CreateTempSubdirectory("agentshell-sip-").FullName;
        try
        {
            // The BPF program hashes in 64-byte steps: lengths around a step and a word.
            int[] lengths = [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 200, 4099];
            var src = Path.Combine(dir, "sip.c");
            File.WriteAllText(src, $$"""
                #include <stdio.h>
                #include <string.h>
                #include "agentshell-siphash.h"
                static unsigned char m[5000];
                int main(void)
                {
                    static const int lengths[] = { {{string.Join(", ", lengths)}} };
                    for (int i = 0; i < 5000; i++) m[i] = (unsigned char)(i * 7 + 3);
                    for (unsigned k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
                        int n = lengths[k];
                        struct sip s;
                        sip_init(&s, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL);
                        int full = n & ~7;
                        for (int i = 0; i < full; i += 8) { __u64 w; memcpy(&w, m + i, 8); sip_word(&s, w); }
                        __u64 tail = 0;
                        memcpy(&tail, m + full, (size_t)(n - full));
                        printf("%llx\n", (unsigned long long)sip_final(&s, tail, (__u64)n));
                    }
                    return 0;
                }
                """);
            var exe = Path.Combine(dir, "sip");
            using (var cc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-Wall", "-Werror", "-I", Path.Combine(Repo.Root, "native", "bpf"), "-o", exe, src]) { RedirectStandardError = true })!)
            {
                var err = cc.StandardError.ReadToEnd();
                cc.WaitForExit();
                Assert.That(cc.ExitCode, Is.EqualTo(0), err);
            }
            using var p = Process.Start(new ProcessStartInfo(exe) { RedirectStandardOutput = true })!;
            var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            p.WaitForExit();
            var message = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7 + 3)).ToArray();
            var sip = new SipHash(K0, K1);
            Assert.That(lines, Has.Length.EqualTo(lengths.Length));
            for (int k = 0; k < lengths.Length; k++)
                Assert.That(ulong.Parse(lines[k], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Is.EqualTo(sip.Hash(message.AsSpan(0, lengths[k]))), $"length {lengths[k]}");
            // The look-alike: another key gives other hashes.
            Assert.That(new SipHash(K0 ^ 1, K1).Hash(message.AsSpan(0, 64)), Is.Not.EqualTo(sip.Hash(message.AsSpan(0, 64))));
        }
        finally { Directory.Delete(dir, true); }
    }
}
