using AgentShell.Core.Model;

namespace AgentShell.Core.Classification;

/// <summary>A command that an exec runs as an exec of its own (<c>bash -c 'cd /x &amp;&amp; ./y'</c> runs
/// <c>./y</c>): its argv and what it sees (the environment with the wrapper's assignments, the
/// working directory after a <c>cd</c>).</summary>
/// <param name="Argv">The command's argv as the classifier read it.</param>
/// <param name="Context">The environment and working directory the command runs with.</param>
/// <param name="Level">How many of the listed commands it runs inside (0: started by the exec
/// itself; 1: by a wrapper listed before it, as <c>curl</c> in <c>timeout 5 curl …</c>).</param>
/// <param name="Execs">True when the kernel will see this argv as an exec of its own: every
/// wrapper on the way execs its command (env, timeout, xargs, a shell). False beneath a runner
/// (npx, bunx, yarn/pnpm exec, bundle exec, busybox), which may run the tool in-process or under
/// another name, so a decision left to "its own exec" might never be made.</param>
public sealed record NestedCommand(IReadOnlyList<string> Argv, IExecContext Context, int Level, bool Execs = true);
