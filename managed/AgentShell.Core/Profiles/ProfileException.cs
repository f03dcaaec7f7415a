using System.Text;

namespace AgentShell.Core.Profiles;

/// <summary>One problem in a profile: the file, where in it, the JSON path of the key and what to do about it.</summary>
/// <param name="File">The profile file.</param>
/// <param name="Path">Configuration-style key path (<c>Rules:0:Action</c>); empty for the whole file.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ProfileError(string File, string Path, string Message)
{
    /// <summary>1-based line of the token the problem is about; 0 when it is about the whole file (not found, unreadable).</summary>
    public int Line { get; init; }

    /// <summary>1-based column (in characters) of that token; 0 with <see cref="Line"/>.</summary>
    public int Column { get; init; }

    /// <summary>The key path as JSON readers write it: <c>Rules[0].Action</c>.</summary>
    public string JsonPath => DisplayPath(Path);

    /// <summary>"file:12:5: Rules[0].Action: message", as compilers write it (editors jump to it).</summary>
    public override string ToString()
    {
        string where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Path.Length == 0 ? $"{where}: {Message}" : $"{where}: {JsonPath}: {Message}";
    }

    /// <summary>Renders a Configuration key path (<c>Rules:0:Action</c>) as <c>Rules[0].Action</c>.</summary>
    public static string DisplayPath(string path)
    {
        var sb = new StringBuilder();
        foreach (var seg in path.Split(':'))
        {
            if (seg.Length > 0 && seg.All(char.IsAsciiDigit)) sb.Append('[').Append(seg).Append(']');
            else { if (sb.Length > 0) sb.Append('.'); sb.Append(seg); }
        }
        return sb.ToString();
    }
}

/// <summary>A profile that cannot be used. The message names the file, the key and the fix for
/// every problem found; nothing may run when one is thrown.</summary>
public sealed class ProfileException : Exception
{
    /// <summary>One problem.</summary>
    public ProfileException(string file, string path, string message) : this([new ProfileError(file, path, message)]) { }

    /// <summary>Several problems (at least one).</summary>
    public ProfileException(IReadOnlyList<ProfileError> errors)
        : base(errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} problems:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
    {
        if (errors.Count == 0) throw new ArgumentException("no errors", nameof(errors));
        Errors = errors;
    }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ProfileError> Errors { get; }

    /// <summary>The file of the first problem.</summary>
    public string File => Errors[0].File;

    /// <summary>The key path of the first problem (Configuration style, e.g. <c>Rules:0:Action</c>).</summary>
    public string KeyPath => Errors[0].Path;
}
