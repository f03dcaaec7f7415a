using System.Text;

namespace AgentShell.Core.Classification;

// The output of text filters an agent puts between an encoded command and a shell (echo X | rev | sh,
// … | tr 'A-Za-z' 'N-ZA-Mn-za-m' | sh, … | xxd -r -p | bash, … | openssl base64 -d | sh, … | sed 's/a/b/' | sh):
// computed from their known input, so the shell's script is read; any option or script not modelled
// here makes the output not known (null), and the shell then reads a pipe it cannot see (unknown).
public sealed partial class CommandClassifier
{
    private sealed partial class Run
    {
        /// <summary>The output of filter <paramref name="w"/> given <paramref name="input"/>, or null.</summary>
        private static string? FilterOutput(List<string> w, string input) => Basename(w[0]) switch
        {
            "rev" when w.Count == 1 => string.Join('\n', input.Split('\n').Select(l => new string(l.Reverse().ToArray()))),
            "tr" => Tr(w, input),
            "xxd" when w.Count == 3 && (w[1] is "-r" && w[2] is "-p" or "-ps" || w[1] is "-p" or "-ps" && w[2] == "-r") || w.Count == 2 && w[1] is "-rp" or "-pr" => Unhex(input),
            "sed" => Sed(w, input),
            _ => null,
        };

        // tr [-d|-s] SET1 [SET2]: ranges (a-z) and [:upper:]/[:lower:]/[:digit:]; SET2 padded with its last character.
        private static string? Tr(List<string> w, string input)
        {
            int i = 1;
            bool delete = false, squeeze = false;
            for (; i < w.Count && w[i].Length > 1 && w[i][0] == '-'; i++)
            {
                foreach (var c in w[i][1..])
                    if (c == 'd') delete = true; else if (c == 's') squeeze = true; else return null;
            }
            if (i >= w.Count || w.Count - i > 2) return null;
            var s1 = TrSet(w[i]);
            var s2 = i + 1 < w.Count ? TrSet(w[i + 1]) : null;
            if (s1 == null || i + 1 < w.Count && s2 == null || delete && s2 != null && !squeeze || !delete && !squeeze && s2 == null) return null;
            var sb = new StringBuilder(input.Length);
            foreach (var c in input)
            {
                int k = s1.IndexOf(c);
                if (delete && k >= 0) continue;
                sb.Append(!delete && s2 != null && k >= 0 ? s2[Math.Min(k, s2.Length - 1)] : c);
            }
            if (!squeeze) return sb.ToString();
            var last = s2 ?? s1;
            var outp = new StringBuilder(sb.Length);
            foreach (var c in sb.ToString())
                if (!(outp.Length > 0 && outp[^1] == c && last.Contains(c))) outp.Append(c);
            return outp.ToString();
        }

        private static string? TrSet(string spec)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < spec.Length; i++)
            {
                if (spec[i] == '[' && spec.IndexOf(":]", i, StringComparison.Ordinal) is int close && close > i + 2 && spec[i + 1] == ':')
                {
                    var cls = spec[(i + 2)..close];
                    sb.Append(cls switch { "upper" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "lower" => "abcdefghijklmnopqrstuvwxyz", "digit" => "0123456789", _ => null! });
                    if (cls is not ("upper" or "lower" or "digit")) return null;
                    i = close + 1;
                    continue;
                }
                if (spec[i] == '\\') return null; // escapes: not modelled
                if (i + 2 < spec.Length && spec[i + 1] == '-')
                {
                    if (spec[i + 2] < spec[i]) return null;
                    for (char c = spec[i]; c <= spec[i + 2]; c++) sb.Append(c);
                    i += 2;
                    continue;
                }
                sb.Append(spec[i]);
            }
            return sb.ToString();
        }

        private static string? Unhex(string input)
        {
            var hex = string.Concat(input.Where(c => !char.IsWhiteSpace(c)));
            try { return Encoding.UTF8.GetString(Convert.FromHexString(hex)); }
            catch (FormatException) { return null; }
        }

        // sed [-e] 's/X/Y/[g]'[; …]: X literal (a leading ^ or trailing $ anchors it), Y literal.
        private static string? Sed(List<string> w, string input)
        {
            var scripts = new List<string>();
            for (int i = 1; i < w.Count; i++)
            {
                if (w[i] == "-e" && i + 1 < w.Count) { scripts.Add(w[++i]); continue; }
                if (w[i].StartsWith('-') || scripts.Count > 0 && w[i - 1] != "-e") return null; // options, files: not modelled
                scripts.Add(w[i]);
            }
            if (scripts.Count == 0) return null;
            var lines = input.Split('\n');
            foreach (var script in scripts)
                foreach (var cmd in script.Split(';'))
                {
                    var c = cmd.Trim();
                    if (c.Length < 4 || c[0] != 's' || char.IsLetterOrDigit(c[1])) return null;
                    var parts = c[2..].Split(c[1]);
                    if (parts.Length != 3 || parts[2] is not ("" or "g")) return null;
                    string from = parts[0], to = parts[1];
                    bool head = from.StartsWith('^'), tail = from.EndsWith('$') && from.Length > 0;
                    if (head) from = from[1..];
                    if (tail) from = from[..^1];
                    if (from.IndexOfAny(['.', '*', '[', ']', '\\', '^', '$', '+', '?', '(', ')', '{', '}', '|']) >= 0 || to.IndexOfAny(['&', '\\']) >= 0) return null;
                    for (int k = 0; k < lines.Length; k++)
                    {
                        var l = lines[k];
                        if (head && tail) lines[k] = l == from ? to : l;
                        else if (head) lines[k] = l.StartsWith(from, StringComparison.Ordinal) ? to + l[from.Length..] : l;
                        else if (tail) lines[k] = l.EndsWith(from, StringComparison.Ordinal) ? l[..^from.Length] + to : l;
                        else if (from.Length == 0) return null;
                        else if (parts[2] == "g") lines[k] = l.Replace(from, to, StringComparison.Ordinal);
                        else { int at = l.IndexOf(from, StringComparison.Ordinal); lines[k] = at < 0 ? l : l[..at] + to + l[(at + from.Length)..]; }
                    }
                }
            return string.Join('\n', lines);
        }
    }
}
