using System.Text;
using System.Text.Json;

namespace AgentShell.Core.Profiles;

/// <summary>Typed reads over a <see cref="Utf8JsonReader"/> positioned on a value, for one profile
/// file. Every mistake is added to the error list with the key path, the line and column of the
/// token and the fix, the offending value is skipped, and reading carries on, so one run reports
/// all problems of a file. Keys are matched case-insensitively (as Configuration does); a key
/// given twice is an error.</summary>
internal sealed class ProfileJson
{
    private readonly byte[] _text;
    private readonly int _start;
    private readonly List<int> _lineStarts = [0];
    private readonly List<ProfileError> _errors;

    internal ProfileJson(string file, byte[] text, int start, List<ProfileError> errors)
    {
        File = file;
        _text = text;
        _start = start;
        _errors = errors;
        // PERF: line starts found once per file (a vectorised scan), so a position costs a binary search.
        for (int at = start; ;)
        {
            int n = text.AsSpan(at).IndexOf((byte)'\n');
            if (n < 0) break;
            at += n + 1;
            _lineStarts.Add(at - start);
        }
    }

    internal string File { get; }

    /// <summary>The rules' <c>Tests</c> are skipped unread: a cache vouched that these very bytes,
    /// read by this build, were valid and passed them (<see cref="IRuleTestCache"/>).</summary>
    internal bool SkipTests { get; init; }

    internal int ErrorCount => _errors.Count;

    /// <summary>Line and column (1-based, column in characters) of a reader offset.</summary>
    internal JsonPosition PositionOf(long offset)
    {
        int o = (int)offset;
        int line = _lineStarts.BinarySearch(o);
        if (line < 0) line = ~line - 1;
        int column = 1;
        for (int i = _start + _lineStarts[line]; i < _start + o && i < _text.Length; i++)
        {
            if ((_text[i] & 0xC0) != 0x80) column++; // count UTF-8 lead bytes, not continuation bytes
        }
        return new JsonPosition(line + 1, column);
    }

    /// <summary>Position of a 0-based line and byte in that line (as <see cref="JsonException"/> reports them).</summary>
    internal JsonPosition PositionAt(long line, long byteInLine) =>
        line < _lineStarts.Count ? PositionOf(_lineStarts[(int)line] + byteInLine) : new JsonPosition((int)line + 1, (int)byteInLine + 1);

    internal void Error(string path, JsonPosition at, string message) =>
        _errors.Add(new ProfileError(File, path, message) { Line = at.Line, Column = at.Column });

    internal void Error(string path, long offset, string message) => Error(path, PositionOf(offset), message);

    internal static string Child(string path, string key) => path.Length == 0 ? key : path + ":" + key;

    internal static string Child(string path, int index) => path + ":" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"a string", "an array", ...: what a value is, for messages.</summary>
    internal static string KindName(JsonTokenType t) => t switch
    {
        JsonTokenType.String => "a string", JsonTokenType.Number => "a number", JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartArray => "an array", JsonTokenType.StartObject => "an object", _ => "null",
    };

    /// <summary>The raw text of a scalar token, for "found '...'" in messages.</summary>
    internal static string Raw(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetString()! : Encoding.UTF8.GetString(r.ValueSpan);

    /// <summary>True when the reader is on an object; otherwise reports "{what} must be an object"
    /// and skips the value. <c>null</c> counts as absent (false, no error).</summary>
    internal bool IsObject(ref Utf8JsonReader r, string path, string what)
    {
        if (r.TokenType == JsonTokenType.StartObject) return true;
        if (r.TokenType != JsonTokenType.Null) Error(path, r.TokenStartIndex, $"{what} must be an object {{ ... }}, found {KindName(r.TokenType)}");
        r.Skip();
        return false;
    }

    /// <summary>Moves to the next property of the object the reader is in and onto its value;
    /// false at the end of the object. Reports (and skips) a key given twice.</summary>
    internal bool NextProperty(ref Utf8JsonReader r, string path, ref Keys seen, out string key, out JsonPosition at)
    {
        while (true)
        {
            r.Read();
            if (r.TokenType == JsonTokenType.EndObject) { key = ""; at = default; return false; }
            key = r.GetString()!;
            at = PositionOf(r.TokenStartIndex);
            r.Read();
            if (seen.Add(key, at) is JsonPosition first)
            {
                Error(Child(path, key), at, $"duplicate key '{key}' (keys are not case-sensitive; it is already at line {first.Line}, column {first.Column})");
                r.Skip();
                continue;
            }
            return true;
        }
    }

    /// <summary>Reports an unknown key with the closest valid one, and skips its value.</summary>
    internal void UnknownKey(ref Utf8JsonReader r, string path, string key, JsonPosition at, IReadOnlyList<string> valid)
    {
        Error(Child(path, key), at, $"unknown key '{key}'{Suggest.Hint(key, valid)}");
        r.Skip();
    }

    /// <summary>A string value, or null (with an error) when the value is of another type.
    /// <c>null</c> counts as absent.</summary>
    internal string? String(ref Utf8JsonReader r, string path, string key)
    {
        if (r.TokenType == JsonTokenType.String) return r.GetString();
        if (r.TokenType != JsonTokenType.Null) Error(path, r.TokenStartIndex, $"'{key}' must be a string, found {KindName(r.TokenType)}");
        r.Skip();
        return null;
    }

    /// <summary>An array of non-empty strings with the path and position of each.</summary>
    internal List<Located> Strings(ref Utf8JsonReader r, string path, string key)
    {
        var result = new List<Located>();
        switch (r.TokenType)
        {
            case JsonTokenType.StartArray: break;
            case JsonTokenType.Null: return result;
            case JsonTokenType.String:
                Error(path, r.TokenStartIndex, $"'{key}' must be an array of strings: write [\"{r.GetString()}\"]");
                return result;
            default:
                Error(path, r.TokenStartIndex, $"'{key}' must be an array of strings, found {KindName(r.TokenType)}");
                r.Skip();
                return result;
        }
        for (int i = 0; r.Read() && r.TokenType != JsonTokenType.EndArray; i++)
        {
            var at = PositionOf(r.TokenStartIndex);
            if (r.TokenType == JsonTokenType.String && r.GetString() is { Length: > 0 } s) result.Add(new Located(s, Child(path, i), at));
            else
            {
                Error(Child(path, i), at, $"each entry of '{key}' must be a non-empty string, found {(r.TokenType == JsonTokenType.String ? "an empty string" : KindName(r.TokenType))}");
                r.Skip();
            }
        }
        return result;
    }

    /// <summary>An object of string values (<c>EnvVars</c>, <c>TargetFlags</c>, a test's <c>Env</c>).</summary>
    internal List<(string Key, Located Value)> StringMap(ref Utf8JsonReader r, string path, string key)
    {
        var result = new List<(string, Located)>();
        if (!IsObject(ref r, path, $"'{key}'")) return result;
        var seen = new Keys();
        while (NextProperty(ref r, path, ref seen, out string k, out var at))
        {
            if (r.TokenType == JsonTokenType.String) result.Add((k, new Located(r.GetString()!, Child(path, k), at)));
            else
            {
                Error(Child(path, k), at, $"'{key}:{k}' must be a string, found {KindName(r.TokenType)}");
                r.Skip();
            }
        }
        return result;
    }

    /// <summary>An integer in [min, max], or null (with an error when present but not one).</summary>
    internal int? Int(ref Utf8JsonReader r, string path, string key, int min, int max)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out int v) && v >= min && v <= max) return v;
        if (r.TokenType == JsonTokenType.Null) return null;
        string found = r.TokenType switch
        {
            JsonTokenType.Number => $"'{Raw(ref r)}'",
            JsonTokenType.String => $"'{Raw(ref r)}' (a string: write the number without quotes)",
            _ => KindName(r.TokenType),
        };
        Error(path, r.TokenStartIndex, $"'{key}' must be a whole number from {min} to {max}, found {found}");
        r.Skip();
        return null;
    }

    /// <summary>true or false, or null (with an error when present but not a boolean).</summary>
    internal bool? Bool(ref Utf8JsonReader r, string path, string key)
    {
        if (r.TokenType is JsonTokenType.True or JsonTokenType.False) return r.GetBoolean();
        if (r.TokenType == JsonTokenType.Null) return null;
        string found = r.TokenType is JsonTokenType.String or JsonTokenType.Number ? $"'{Raw(ref r)}'" : KindName(r.TokenType);
        Error(path, r.TokenStartIndex, $"'{key}' must be true or false, found {found}");
        r.Skip();
        return null;
    }

    /// <summary>Keys seen in one object (case-insensitive), to report a key given twice.</summary>
    internal struct Keys
    {
        private List<(string Key, JsonPosition At)>? _seen;

        /// <summary>Records <paramref name="key"/>; returns where it was first seen if it is a repeat.</summary>
        internal JsonPosition? Add(string key, JsonPosition at)
        {
            _seen ??= [];
            foreach (var (k, first) in _seen) if (k.Equals(key, StringComparison.OrdinalIgnoreCase)) return first;
            _seen.Add((key, at));
            return null;
        }
    }
}

/// <summary>1-based line and column (in characters) of a token in a profile file.</summary>
internal readonly record struct JsonPosition(int Line, int Column);

/// <summary>A string read from a profile with its key path and position.</summary>
internal readonly record struct Located(string Value, string Path, JsonPosition At);
