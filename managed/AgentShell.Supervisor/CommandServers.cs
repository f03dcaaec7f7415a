using AgentShell.Core.Policy;

namespace AgentShell.Supervisor;

/// <summary>The profile's command servers (<c>Network.CommandServers</c>): Unix sockets of servers that
/// run commands for their clients (tmux, screen, docker, systemd). A tree process connecting to one
/// whose listener is outside the tree is refused (<see cref="SupervisorRules.CommandServer"/>) unless
/// its running image is the tmux or screen CLI, whose arguments were read and judged at its exec
/// (corpus18's handed-over commands), and it still has the trust that exemption rests on
/// (<see cref="CommandServerClis"/>). Sockets are matched by identity (device and inode of the file
/// the process's path names), so links, relative paths and /proc/self/root spellings do not help.</summary>
internal sealed class CommandServers : IDisposable
{
    private readonly ListedSockets _listed;
    private readonly CommandServerClis _clis;

    /// <summary>The tmux/screen CLIs exempt from the refusal, and their exec-time answers.</summary>
    public CommandServerClis Clis => _clis;
    private readonly TreeTasks? _tree;

    private CommandServers(ListedSockets listed, CommandServerClis clis, TreeTasks? tree)
    {
        _listed = listed;
        _clis = clis;
        _tree = tree;
    }

    /// <summary>The listed sockets with this run's variables filled in (a pattern naming a variable
    /// that is not set is dropped: no server of that kind uses it), or null when none is listed.</summary>
    public static CommandServers? Create(NetworkSettings network, TreeTasks? tree)
    {
        var exact = new List<string>();
        var globs = new List<(string, string)>();
        foreach (var pattern in network.CommandServers)
        {
            if (Expand(pattern) is not { } path) continue;
            int slash = path.LastIndexOf('/');
            if (path[(slash + 1)..].Contains('*')) globs.Add((path[..slash], path[(slash + 1)..]));
            else exact.Add(path);
        }
        if (exact.Count == 0 && globs.Count == 0) return null;
        return new CommandServers(new ListedSockets(exact, globs), CommandServerClis.Installed(), tree);
    }

    private static string? Expand(string pattern)
    {
        var s = new System.Text.StringBuilder();
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '$') { s.Append(pattern[i]); continue; }
            int end = i + 1;
            while (end < pattern.Length && (char.IsAsciiLetterOrDigit(pattern[end]) || pattern[end] == '_')) end++;
            string name = pattern[(i + 1)..end];
            string? value = name switch
            {
                "UID" => Interop.Process.GetUid().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "USER" => Environment.UserName,
                _ => Environment.GetEnvironmentVariable(name),
            };
            if (string.IsNullOrEmpty(value)) return null;
            s.Append(value.TrimEnd('/'));
            i = end - 1;
        }
        return s.Length > 1 && s[0] == '/' ? s.ToString() : null;
    }

    /// <summary>Whether <paramref name="pid"/>'s connect to the socket file <paramref name="target"/>
    /// is refused; <paramref name="name"/> is then the listed socket (or why it could not be checked),
    /// and <paramref name="rule"/> the rule: the tmux/screen CLI that lost its exemption is refused under
    /// <see cref="SupervisorRules.CommandServerCliUntrusted"/>, with why in <paramref name="name"/>.
    /// Fails closed: a listener that cannot be identified, or a tree that cannot be walked, refuses.</summary>
    /// <param name="refreshed">The listed sets were brought up to date for this connect (<see cref="AnyOutside"/>).</param>
    public bool Refuses(int pid, FileStatus target, out string name, out SupervisorRule rule, bool refreshed = false)
    {
        name = "";
        rule = SupervisorRules.CommandServer;
        if (!target.IsSocket || _listed.Of(target.Identity, refreshed) is not { } path) return false;
        name = path;
        // The CLI whose text was judged at its exec (tmux send-keys …) may speak to it, while it is
        // that CLI and nothing else speaks through it.
        string? withdrawn = _clis.Withdrawn(pid);
        if (withdrawn == "") return false;
        int listener = UnixOnBehalf.ListenerPid(path, target.Identity);
        if (listener <= 0)
        {
            name = listener == 0 ? path : $"{path} (its server could not be identified)";
            return true;
        }
        // A server the tree started is a process of the tree: what it runs is supervised.
        if (_tree?.Holds(listener) == true) return false;
        if (withdrawn != null) (rule, name) = (SupervisorRules.CommandServerCliUntrusted, $"{path}: {withdrawn}");
        return true;
    }

    private readonly Lock _outsideLock = new();
    private readonly Dictionary<(ulong, ulong), bool> _inTree = [];
    private int _listedSeen = -1;
    private bool _outside;
    // While a listed socket is dead (UnixOnBehalf.ListenerPid): when it is asked again.
    private long _recheckAt = long.MaxValue;

    /// <summary>Whether a listed socket exists whose listener is not known to be the tree's: then no
    /// Unix connect of the tree may be continued (the kernel would look its path up again, after the
    /// check, and another thread or a swapped symlink can make that name the server:
    /// <see cref="UnixOnBehalf"/>). Each socket is judged once, when first listed: a listener not
    /// found in the tree then (gone, not yet listening, another pid namespace) counts as outside for
    /// the run, which costs on-behalf connects, never a continued one — except a dead socket, which
    /// a killed server left behind (refused, bound long ago: nothing can be reached through it; tmux's
    /// directory often holds a few): it is asked again each second, since a listen on that same file
    /// would bring it back. PERF: while no socket was newly listed this is one non-blocking inotify read.</summary>
    public bool AnyOutside()
    {
        lock (_outsideLock)
        {
            int listed = _listed.Refresh();
            long now = Environment.TickCount64;
            if (listed == _listedSeen && now < _recheckAt) return _outside;
            bool outside = false;
            _recheckAt = long.MaxValue;
            foreach (var (identity, path) in _listed.All())
            {
                if (!_inTree.TryGetValue(identity, out bool inTree))
                {
                    int listener = UnixOnBehalf.ListenerPid(path, identity, out bool dead);
                    if (dead)
                    {
                        _recheckAt = now + 1000; // not kept: asked again
                        continue;
                    }
                    _inTree[identity] = inTree = listener > 0 && _tree?.Holds(listener) == true;
                }
                outside |= !inTree;
            }
            (_listedSeen, _outside) = (listed, outside);
            return outside;
        }
    }

    public void Dispose() => _listed.Dispose();
}
