namespace AgentShell.Supervisor.Wire;

/// <summary>Threads for the wire layer's blocking work (a connection, the other direction of a
/// pipe, a destination's TLS being prepared): an idle one is woken when there is one, a new one
/// made when not, and one idle for a minute ends. PERF: waking an idle thread is one scheduling
/// hop for the new work and none for the caller; Thread.Start makes the caller wait until the new
/// thread runs, and the thread pool can be milliseconds late (its threads block here for a
/// connection's life, which is not what it is built for).</summary>
internal static class WireThreads
{
    private static readonly TimeSpan IdleFor = TimeSpan.FromMinutes(1);
    private static readonly Lock Gate = new();
    private static readonly Stack<Worker> Idle = new();

    /// <summary>Runs <paramref name="work"/> on a thread of its own; an exception it throws is its own to handle (it ends the thread's work, not the process).</summary>
    public static void Run(Action work)
    {
        Worker? w;
        lock (Gate) Idle.TryPop(out w);
        if (w != null) w.Give(work);
        else new Worker(work).Start();
    }

    /// <summary>Runs <paramref name="make"/> on a thread of its own; its result or exception in the task.</summary>
    public static Task<T> Run<T>(Func<T> make)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Run(() =>
        {
            try { done.SetResult(make()); }
            catch (Exception e) { done.SetException(e); } // handed to whoever waits on the task
        });
        return done.Task;
    }

    private sealed class Worker(Action first)
    {
        private readonly SemaphoreSlim _signal = new(0);
        private Action? _work = first;

        public void Start() => new Thread(Loop, 256 * 1024) { IsBackground = true, Name = "wire" }.Start();

        public void Give(Action work)
        {
            _work = work;
            _signal.Release();
        }

        private void Loop()
        {
            while (true)
            {
                var work = Interlocked.Exchange(ref _work, null)!;
                try { work(); }
                catch (Exception e)
                {
                    // The work's own failure (it resets what it served): the thread stays for the next.
                    Console.Error.WriteLine($"agentshell: wire: {e.GetType().Name}: {e.Message}");
                }
                lock (Gate) Idle.Push(this);
                while (!_signal.Wait(IdleFor))
                {
                    lock (Gate)
                    {
                        if (!Idle.Contains(this)) continue; // taken just now: its work is on the way
                        var keep = Idle.Where(w => w != this).Reverse().ToList();
                        Idle.Clear();
                        foreach (var w in keep) Idle.Push(w);
                        return;
                    }
                }
            }
        }
    }
}
