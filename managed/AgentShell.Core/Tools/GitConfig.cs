namespace AgentShell.Core.Tools;

/// <summary>git's config files as entries: <c>[section "sub"]</c> (or the old <c>[section.sub]</c>)
/// headers, <c>key = value</c> lines (a quoted value unquoted), comments dropped; and <c>-c
/// section.sub.key=value</c>. Only what decides a push's remote is asked of it.</summary>
internal static class GitConfig
{
    /// <summary>One entry; <see cref="Section"/> as <c>remote "origin"</c>, or <c>core</c>.</summary>
    internal readonly record struct Entry(string Section, string Key, string Value);

    internal static List<Entry> Parse(string? text)
    {
        var list = new List<Entry>();
        if (text == null) return list;
        string section = "";
        foreach (var raw in text.Split('\n'))
        {
            var l = raw.Trim();
            if (l.Length == 0 || l[0] is '#' or ';') continue;
            if (l[0] == '[')
            {
                int close = l.IndexOf(']');
                section = close < 0 ? "" : Section(l[1..close]);
                l = close < 0 ? "" : l[(close + 1)..].Trim(); // [section] key = value on one line
                if (l.Length == 0) continue;
            }
            int eq = l.IndexOf('=');
            string key = (eq < 0 ? l : l[..eq]).Trim(), value = eq < 0 ? "true" : Unquote(l[(eq + 1)..].Trim());
            list.Add(new Entry(section, key, value));
        }
        return list;
    }

    /// <summary>A <c>-c name=value</c>: the section and subsection are all but the last dot-part.</summary>
    internal static Entry? FromOption(string option)
    {
        int eq = option.IndexOf('=');
        var name = eq < 0 ? option : option[..eq];
        int first = name.IndexOf('.'), last = name.LastIndexOf('.');
        if (first <= 0 || last == name.Length - 1) return null;
        string section = first == last ? name[..first] : $"{name[..first]} \"{name[(first + 1)..last]}\"";
        return new Entry(section, name[(last + 1)..], eq < 0 ? "true" : option[(eq + 1)..]);
    }

    /// <summary>The last value of <paramref name="key"/> in <paramref name="section"/> (keys are not case-sensitive).</summary>
    internal static string? Last(List<Entry> entries, string section, string key)
    {
        string? found = null;
        foreach (var e in entries)
            if (e.Section == section && e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) found = e.Value;
        return found;
    }

    // `remote "origin"` stays; `remote.origin` (the old form) becomes `remote "origin"`; the section name is not case-sensitive.
    private static string Section(string header)
    {
        header = header.Trim();
        int q = header.IndexOf('"');
        if (q > 0) return header[..q].Trim().ToLowerInvariant() + " " + header[q..].Trim();
        int dot = header.IndexOf('.');
        return dot > 0 ? $"{header[..dot].ToLowerInvariant()} \"{header[(dot + 1)..]}\"" : header.ToLowerInvariant();
    }

    private static string Unquote(string v)
    {
        int hash = v.StartsWith('"') ? -1 : v.IndexOfAny(['#', ';']);
        if (hash >= 0) v = v[..hash].TrimEnd();
        return v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1] : v;
    }
}
