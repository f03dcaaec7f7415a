using System.Runtime.InteropServices;
using AgentShell.EndToEnd.Tests.Infrastructure;

namespace AgentShell.EndToEnd.Tests;

/// <summary>Issue 14: "a loop of 1000 curl execs reads .curlrc once". The real curl under
/// `agentshell run`, 1000 times with a <c>~/.curlrc</c> that makes its GET a DELETE to production:
/// each exec is refused before curl runs, so every access to the file is the supervisor's. An
/// inotify watch on the file counts them: 1000 opens (each exec checks the file it is about to
/// use), one read. Then the file is rewritten in place (same size, new mtime) and replaced by a
/// rename (same size and mtime, another inode): each change decides the next curl.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CurlrcReadOnceUnderRunTests : CurlUnderRunFixture
{
    [Test]
    public void AThousandRefusedCurlsReadTheCurlrcOnceAndEachChangeToItIsSeen()
    {
        var rc = Path.Combine(Home, ".curlrc");
        // Harmless when `sh -c` itself is decided (its string holds the curls); the script makes it a DELETE.
        File.WriteAllText(rc, "silent\n");
        var url = Prod.Url("/volumes/1");
        // Copied by cp, not written by printf: the string's own writes are read where it is decided
        // (a `> .curlrc` of known text followed by curl is refused whole), and this test is about the execs.
        File.WriteAllText(Path.Combine(Home, ".delete-rc"), "request = DELETE\n");
        using var watch = new FileAccessWatch(rc);
        var r = AgentShellRunner.Run(["run", "--profile", Repo.DemoProfile, "--", "env", $"HOME={Home}", "/bin/sh", "-c",
            // 17 bytes, as both replacements below; the same inode.
            "cp \"$HOME/.delete-rc\" \"$HOME/.curlrc\"; "
            + $"i=0; while [ $i -lt 1000 ]; do {Curl} -sS '{url}' 2>/dev/null && exit 3; i=$((i+1)); done; "
            // Same inode, same size, another mtime: a GET now.
            + $"printf '#x\\nrequest = GET\\n' > \"$HOME/.curlrc\" && {Curl} -sS -o /dev/null '{url}' && echo get=ok; "
            // Another inode by rename, same size and mtime as the file it replaces: a DELETE again.
            + $"printf 'request = DELETE\\n' > \"$HOME/new\" && touch -r \"$HOME/.curlrc\" \"$HOME/new\" && mv \"$HOME/new\" \"$HOME/.curlrc\" && "
            + $"{Curl} -sS '{url}'; echo rc=$?"], timeout: TimeSpan.FromSeconds(120), cwd: Home);
        var events = watch.Stop();

        // From the shell's first write to its rewrite, every event on the file is the supervisor's.
        int written = events.IndexOf(FileAccessWatch.CloseWrite);
        int rewrite = events.IndexOf(FileAccessWatch.Modify, written + 1);
        Assert.That(written, Is.GreaterThan(0), "the first write was seen by the watch; stderr: " + Tail(r.Stderr));
        Assert.That(rewrite, Is.GreaterThan(written), "the rewrite was seen by the watch; stderr: " + Tail(r.Stderr));
        var loop = events.Skip(written + 1).Take(rewrite - written - 1).ToList();
        TestContext.Out.WriteLine($"during the loop: {loop.Count(e => e == FileAccessWatch.Open)} opens, {loop.Count(e => e == FileAccessWatch.Access)} reads");
        Assert.That(loop.Count(e => e == FileAccessWatch.Open), Is.GreaterThanOrEqualTo(1000), "each of the 1000 execs looked at the file");
        Assert.That(loop.Count(e => e == FileAccessWatch.Access), Is.EqualTo(1), "and read it once");

        Assert.That(r.Stdout, Does.Contain("get=ok"), "the rewrite in place (same size, new mtime) was seen: " + Tail(r.Stderr));
        Assert.That(r.Stdout, Does.Contain("rc=").And.Not.Contain("rc=0"), "the file renamed over it (same size and mtime) was seen");
        Assert.That(r.Stderr, Does.Contain($"agentshell: blocked curl DELETE {url} (production) [rule demo.http:delete-on-production]"));
        Assert.That(Prod.Requests.Select(q => q.Method), Is.EqualTo(new[] { "GET" }), "only the GET reached the server");
    }

    private static string Tail(string s) => s.Length > 600 ? s[^600..] : s;

    /// <summary>inotify on one file, read on a thread of its own so that the queue cannot overflow.
    /// The events are kept in order as their masks (opens, reads, writes, closes after a write).</summary>
    private sealed class FileAccessWatch : IDisposable
    {
        public const uint Access = 0x1, Modify = 0x2, CloseWrite = 0x8, Open = 0x20;
        private const uint CloseNoWrite = 0x10, Overflow = 0x4000;
        private const int NonBlock = 0x800, CloseOnExec = 0x80000;

        private readonly int _fd;
        private readonly List<uint> _events = [];
        private readonly Thread _reader;
        private volatile bool _stop;
        private bool _overflow;

        public FileAccessWatch(string path)
        {
            _fd = inotify_init1(NonBlock | CloseOnExec);
            if (_fd < 0) throw new InvalidOperationException($"inotify_init1: errno {Marshal.GetLastPInvokeError()}");
            if (inotify_add_watch(_fd, path, Access | Modify | Open | CloseWrite | CloseNoWrite) < 0)
                throw new InvalidOperationException($"inotify_add_watch {path}: errno {Marshal.GetLastPInvokeError()}");
            _reader = new Thread(Read) { IsBackground = true };
            _reader.Start();
        }

        private void Read()
        {
            var buf = new byte[64 * 1024];
            while (true)
            {
                bool last = _stop;
                nint n;
                while ((n = read(_fd, buf, buf.Length)) > 0)
                {
                    for (int at = 0; at + 16 <= n; at += 16 + BitConverter.ToInt32(buf, at + 12))
                    {
                        uint mask = BitConverter.ToUInt32(buf, at + 4);
                        if ((mask & Overflow) != 0) _overflow = true;
                        lock (_events) _events.Add(mask & (Access | Modify | CloseWrite | Open));
                    }
                }
                if (last) return;
                Thread.Sleep(2);
            }
        }

        /// <summary>Every event so far (closes without a write left out), in order.</summary>
        public List<uint> Stop()
        {
            _stop = true;
            _reader.Join();
            Assert.That(_overflow, Is.False, "the inotify queue overflowed: the counts would be short");
            lock (_events) return _events.Where(e => e != 0).ToList();
        }

        public void Dispose()
        {
            _stop = true;
            _reader.Join();
            close(_fd);
        }

        [DllImport("libc", SetLastError = true)] private static extern int inotify_init1(int flags);
        [DllImport("libc", SetLastError = true)] private static extern int inotify_add_watch(int fd, string path, uint mask);
        [DllImport("libc", SetLastError = true)] private static extern nint read(int fd, byte[] buf, nint count);
        [DllImport("libc")] private static extern int close(int fd);
    }
}
