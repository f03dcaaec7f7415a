namespace AgentShell.Core.Tools;

/// <summary>git's config files as entries, parsed as git's config.c does: <c>[section "sub"]</c>
/// (subsection escapes), the old <c>[section.sub]</c> (subsection lower-cased, as git does), section
/// and key names lower-cased, values with quotes, <c>\"</c> <c>\\</c> <c>\n</c> <c>\t</c> <c>\b</c>
/// escapes, <c>\</c>-newline continuations, inner runs of blanks kept, <c>#</c>/<c>;</c> comments; and
/// <c>-c section.sub.key=value</c>. A file git would refuse yields a <see cref="Unknown"/> entry:
/// what it says cannot be accounted for, so a caller must not decide from the rest.</summary>
internal static class GitConfig
{
    /// <summary>One entry; <see cref="Section"/> as <c>remote "origin"</c>, or <c>core</c>; <see cref="Key"/> lower-case.</summary>
    internal readonly record struct Entry(string Section, string Key, string Value);

    /// <summary>The section of an entry that stands for config that was not accounted for (a file
    /// git would reject, an unreadable include, a condition not evaluated); its value says why.</summary>
    internal const string Unknown = "\0unknown";

    internal static Entry Unaccounted(string why) => new(Unknown, "", why);

    internal static List<Entry> Parse(string? text)
    {
        var list = new List<Entry>();
        if (text == null) return list;
        string section = "";
        int i = 0, n = text.Length;
        while (i < n)
        {
            char c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n') { i++; continue; }
            if (c is '#' or ';') { while (i < n && text[i] != '\n') i++; continue; }
            if (c == '[')
            {
                if (Header(text, ref i) is not string s) { list.Add(Unaccounted("a section header git rejects")); return list; }
                section = s;
                continue;
            }
            int start = i;
            while (i < n && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '-')) i++;
            if (i == start || section.Length == 0) { list.Add(Unaccounted("a line git rejects")); return list; }
            var key = text[start..i].ToLowerInvariant();
            while (i < n && text[i] is ' ' or '\t') i++;
            if (i < n && text[i] == '=')
            {
                i++;
                if (Value(text, ref i) is not string v) { list.Add(Unaccounted("a value git rejects")); return list; }
                list.Add(new Entry(section, key, v));
            }
            else if (i >= n || text[i] is '\n' or '\r' or '#' or ';') list.Add(new Entry(section, key, "true"));
            else { list.Add(Unaccounted("a line git rejects")); return list; }
        }
        return list;
    }

    // After '[': `name "sub"` or `name.sub` (old form, lower-cased whole) up to ']'; null when malformed.
    private static string? Header(string t, ref int i)
    {
        int n = t.Length, start = ++i;
        while (i < n && (char.IsAsciiLetterOrDigit(t[i]) || t[i] is '-' or '.')) i++;
        if (i >= n) return null;
        var name = t[start..i].ToLowerInvariant();
        if (name.Length == 0) return null;
        if (t[i] == ']')
        {
            i++;
            int dot = name.IndexOf('.');
            return dot < 0 ? name : dot == 0 || dot == name.Length - 1 ? null : $"{name[..dot]} \"{name[(dot + 1)..]}\"";
        }
        if (t[i] is not (' ' or '\t') || name.Contains('.')) return null;
        while (i < n && t[i] is ' ' or '\t') i++;
        if (i >= n || t[i] != '"') return null;
        var sub = new System.Text.StringBuilder();
        for (i++; i < n && t[i] != '"'; i++)
        {
            if (t[i] == '\n') return null;
            if (t[i] == '\\') { if (++i >= n || t[i] == '\n') return null; }
            sub.Append(t[i]);
        }
        if (i + 1 >= n || t[i + 1] != ']') return null;
        i += 2;
        return $"{name} \"{sub}\"";
    }

    // After '=': git's parse_value. Blanks outside quotes collapse to their count of spaces, trailing ones drop.
    private static string? Value(string t, ref int i)
    {
        var sb = new System.Text.StringBuilder();
        bool quote = false, comment = false;
        int space = 0, n = t.Length;
        while (i < n && t[i] is ' ' or '\t') i++;
        for (; i < n; i++)
        {
            char c = t[i];
            if (c == '\n') { if (quote) return null; i++; return sb.ToString(); }
            if (comment) continue;
            if (!quote && c is ' ' or '\t' or '\r') { if (sb.Length > 0) space++; continue; }
            if (!quote && c is ';' or '#') { comment = true; continue; }
            for (; space > 0; space--) sb.Append(' ');
            if (c == '\\')
            {
                if (++i >= n) return null;
                c = t[i];
                if (c == '\r' && i + 1 < n && t[i + 1] == '\n') i++;
                if (c is '\n' or '\r') continue;
                sb.Append(c switch { 't' => '\t', 'b' => '\b', 'n' => '\n', '\\' => '\\', '"' => '"', _ => '\0' });
                if (sb[^1] == '\0') return null;
                continue;
            }
            if (c == '"') { quote = !quote; continue; }
            sb.Append(c);
        }
        return quote ? null : sb.ToString();
    }

    /// <summary>A <c>-c name=value</c>: the section and subsection are all but the last dot-part;
    /// the section and key are lower-cased, the subsection kept (as git does).</summary>
    internal static Entry? FromOption(string option)
    {
        int eq = option.IndexOf('=');
        var name = eq < 0 ? option : option[..eq];
        int first = name.IndexOf('.'), last = name.LastIndexOf('.');
        if (first <= 0 || last == name.Length - 1) return null;
        var head = name[..first].ToLowerInvariant();
        string section = first == last ? head : $"{head} \"{name[(first + 1)..last]}\"";
        return new Entry(section, name[(last + 1)..].ToLowerInvariant(), eq < 0 ? "true" : option[(eq + 1)..]);
    }

    /// <summary>The last value of <paramref name="key"/> in <paramref name="section"/>.</summary>
    internal static string? Last(List<Entry> entries, string section, string key)
    {
        string? found = null;
        foreach (var e in entries)
            if (e.Section == section && e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) found = e.Value;
        return found;
    }

    /// <summary>Every value of <paramref name="key"/> in <paramref name="section"/>, in order (git
    /// pushes to every <c>pushurl</c>, else every <c>url</c>, of a remote); empty values skipped.</summary>
    internal static List<string> All(List<Entry> entries, string section, string key)
    {
        var found = new List<string>();
        foreach (var e in entries)
            if (e.Section == section && e.Value.Length > 0 && e.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) found.Add(e.Value);
        return found;
    }
}
