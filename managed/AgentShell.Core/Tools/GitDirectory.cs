using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>The files of one repository's git directory that decide where a push goes and what it
/// rewrites: HEAD, the remotes' recorded HEADs and the config (<c>commondir</c>'s for a linked work tree).</summary>
internal sealed class GitDirectory(IExecContext ctx, string gitDir, string commonDir)
{
    /// <summary>This work tree's git directory (a linked work tree's own, under the common one).</summary>
    internal string GitDir => gitDir;

    /// <summary>The directory that holds the shared config and refs.</summary>
    internal string CommonDir => commonDir;

    /// <summary>The git directory of <paramref name="dir"/> (<c>-C</c>, else the working directory) or
    /// the one <paramref name="gitDirOption"/> (<c>--git-dir</c>, <c>GIT_DIR</c>) names; null when none.</summary>
    internal static GitDirectory? Find(IExecContext ctx, string? dir, string? gitDirOption = null)
    {
        gitDirOption ??= ctx.GetEnvironmentVariable("GIT_DIR");
        string git;
        if (gitDirOption != null)
        {
            var cwd = ctx.WorkingDirectory;
            if (dir != null) cwd = cwd == null || Path.IsPathRooted(dir) ? dir : Path.Combine(cwd, dir);
            if (!Path.IsPathRooted(gitDirOption) && cwd == null) return null;
            git = Path.GetFullPath(Path.IsPathRooted(gitDirOption) ? gitDirOption : Path.Combine(cwd!, gitDirOption));
        }
        else
        {
            var root = LocalDelete.RepositoryRoot(ctx, dir);
            if (root == null) return null;
            git = Path.Combine(root, ".git");
        }
        // A linked work tree: .git is a file naming the real git dir, whose commondir holds refs and config.
        if (ctx.ReadFile(Path.Combine(git, "HEAD"), 256) == null && ToolHelp.ReadText(ctx, git) is string link && link.StartsWith("gitdir:", StringComparison.Ordinal))
        {
            var gitdir = link[7..].Trim();
            git = Path.IsPathRooted(gitdir) ? gitdir : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(git)!, gitdir));
        }
        string common = ToolHelp.ReadText(ctx, Path.Combine(git, "commondir"))?.Trim() is { Length: > 0 } cd
            ? Path.GetFullPath(Path.IsPathRooted(cd) ? cd : Path.Combine(git, cd)) : git;
        return new GitDirectory(ctx, git, common);
    }

    /// <summary>The branch HEAD points at, or null (detached, unreadable).</summary>
    internal string? CurrentBranch() => SymbolicRef(Path.Combine(gitDir, "HEAD"), "refs/heads/");

    /// <summary>The remote's default branch as the repository records it (<c>refs/remotes/R/HEAD</c>).</summary>
    internal string? RemoteHead(string remote) => SymbolicRef(Path.Combine(commonDir, "refs", "remotes", remote, "HEAD"), $"refs/remotes/{remote}/");

    private string? SymbolicRef(string file, string prefix)
    {
        var text = ToolHelp.ReadText(ctx, file)?.Trim();
        return text != null && text.StartsWith("ref: " + prefix, StringComparison.Ordinal) ? text[(5 + prefix.Length)..] : null;
    }
}
