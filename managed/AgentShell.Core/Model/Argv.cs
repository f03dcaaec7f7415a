using System.Text;

namespace AgentShell.Core.Model;

/// <summary>An argv as the kernel holds it: byte strings, no decoding. The supervisor fills one
/// from a pooled buffer, so reading it allocates nothing.</summary>
public readonly struct Argv
{
    private readonly byte[] _buffer;
    private readonly int[] _spans; // start, length pairs

    /// <summary>Wraps <paramref name="count"/> args laid out in <paramref name="buffer"/>.</summary>
    public Argv(byte[] buffer, int[] spans, int count)
    {
        _buffer = buffer;
        _spans = spans;
        Count = count;
    }

    /// <summary>Number of arguments.</summary>
    public int Count { get; }

    /// <summary>Argument <paramref name="i"/> as bytes.</summary>
    public ReadOnlySpan<byte> this[int i] => _buffer.AsSpan(_spans[2 * i], _spans[2 * i + 1]);

    /// <summary>Argument <paramref name="i"/> decoded (UTF-8, invalid bytes replaced). Allocates.</summary>
    public string GetString(int i)
    {
        var b = this[i];
        // PERF: argv is almost always ASCII, which Latin-1 decodes to the same characters by widening
        // alone (no UTF-8 validation pass before the transcoding one).
        return Ascii.IsValid(b) ? Encoding.Latin1.GetString(b) : Encoding.UTF8.GetString(b);
    }

    /// <summary>All arguments decoded. Allocates.</summary>
    public string[] ToStrings() => ToStrings(null);

    /// <summary>All arguments decoded; <paramref name="first"/>, when given, is argv[0]'s text
    /// already at hand (the caller checked it is those bytes). Allocates the array and the words
    /// that are not shared: one-letter options (<c>-X</c>, <c>-h</c>) are one string each for the
    /// life of the process.</summary>
    internal string[] ToStrings(string? first)
    {
        var r = new string[Count];
        int i = 0;
        if (first != null && Count > 0) r[i++] = first;
        for (; i < Count; i++)
        {
            var b = this[i];
            // PERF: "-X", "-h", "-c" are most of the option words of a command line: no string made per word.
            r[i] = b.Length == 2 && b[0] == '-' && b[1] < 0x80 ? ShortOptions[b[1]] : GetString(i);
        }
        return r;
    }

    private static readonly string[] ShortOptions = [.. Enumerable.Range(0, 0x80).Select(c => string.Concat("-", ((char)c).ToString()))];

    /// <summary>Builds an argv from strings (tests, <c>check</c>).</summary>
    public static Argv FromStrings(IReadOnlyList<string> args)
    {
        int total = 0;
        foreach (var a in args) total += Encoding.UTF8.GetByteCount(a);
        var buf = new byte[total];
        var spans = new int[args.Count * 2];
        int pos = 0;
        for (int i = 0; i < args.Count; i++)
        {
            int n = Encoding.UTF8.GetBytes(args[i], buf.AsSpan(pos));
            spans[2 * i] = pos;
            spans[2 * i + 1] = n;
            pos += n;
        }
        return new Argv(buf, spans, args.Count);
    }
}
