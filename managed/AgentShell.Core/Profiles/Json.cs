using Microsoft.Extensions.Configuration;

namespace AgentShell.Core.Profiles;

/// <summary>Typed reads over Configuration sections for one profile file: every mistake is added
/// to the error list (with the key path and the fix) and reading carries on, so one run reports
/// all problems of a file. Configuration turns every scalar into a string (and <c>[]</c> into
/// <c>""</c>), so a scalar's JSON type is checked only where a number or a boolean is expected.</summary>
internal sealed class Json(string file, List<ProfileError> errors)
{
    internal enum Kind : byte { Empty, Scalar, Array, Object }

    internal string File => file;

    internal int ErrorCount => errors.Count;

    internal void Error(string path, string message) => errors.Add(new ProfileError(file, path, message));

    internal static Kind KindOf(IConfigurationSection s)
    {
        var children = s.GetChildren().ToList();
        if (children.Count == 0) return s.Value is { Length: > 0 } ? Kind.Scalar : Kind.Empty;
        for (int i = 0; i < children.Count; i++)
        {
            if (children[i].Key != i.ToString(System.Globalization.CultureInfo.InvariantCulture)) return Kind.Object;
        }
        return Kind.Array;
    }

    private static string Name(Kind k) => k switch
    {
        Kind.Scalar => "a value", Kind.Array => "an array", Kind.Object => "an object", _ => "nothing",
    };

    /// <summary>Reports keys of <paramref name="s"/> not in <paramref name="valid"/>, with the closest valid key.</summary>
    internal void CheckKeys(IConfigurationSection s, IReadOnlyList<string> valid)
    {
        foreach (var c in s.GetChildren())
        {
            if (valid.Contains(c.Key, StringComparer.OrdinalIgnoreCase)) continue;
            Error(c.Path, $"unknown key '{c.Key}'{Suggest.Hint(c.Key, valid)}");
        }
    }

    /// <summary>True when <paramref name="s"/> is an object (or absent/empty); reports otherwise.</summary>
    internal bool IsObject(IConfigurationSection s, string what)
    {
        var k = KindOf(s);
        if (k is Kind.Object or Kind.Empty) return true;
        Error(s.Path, $"{what} must be an object {{ ... }}, found {Name(k)}");
        return false;
    }

    /// <summary>A string value; null (and an error when <paramref name="required"/>) when absent.</summary>
    internal string? String(IConfiguration parent, string key, bool required, string fix = "")
    {
        var s = parent.GetSection(key);
        var k = KindOf(s);
        if (k == Kind.Scalar) return s.Value;
        if (k == Kind.Empty)
        {
            if (s.Value != null && !required) return s.Value; // ""
            if (required) Error(s.Path, $"'{key}' is required{(fix.Length > 0 ? ": " + fix : "")}");
            return null;
        }
        Error(s.Path, $"'{key}' must be a string, found {Name(k)}");
        return null;
    }

    /// <summary>An array of non-empty strings; <c>[]</c> or absent gives an empty list.</summary>
    internal List<(string Value, string Path)> Strings(IConfiguration parent, string key)
    {
        var s = parent.GetSection(key);
        var result = new List<(string, string)>();
        switch (KindOf(s))
        {
            case Kind.Empty: return result;
            case Kind.Scalar:
                Error(s.Path, $"'{key}' must be an array of strings: write [\"{s.Value}\"]");
                return result;
            case Kind.Object:
                Error(s.Path, $"'{key}' must be an array of strings, found an object");
                return result;
        }
        foreach (var c in s.GetChildren())
        {
            if (KindOf(c) == Kind.Scalar) result.Add((c.Value!, c.Path));
            else Error(c.Path, $"each entry of '{key}' must be a non-empty string, found {Name(KindOf(c))}");
        }
        return result;
    }

    /// <summary>An object of string values (<c>EnvVars</c>, <c>TargetFlags</c>, a test's <c>Env</c>).</summary>
    internal List<(string Key, string Value, string Path)> StringMap(IConfiguration parent, string key)
    {
        var s = parent.GetSection(key);
        var result = new List<(string, string, string)>();
        if (!IsObject(s, $"'{key}'")) return result;
        foreach (var c in s.GetChildren())
        {
            if (KindOf(c) == Kind.Scalar || (KindOf(c) == Kind.Empty && c.Value != null)) result.Add((c.Key, c.Value!, c.Path));
            else Error(c.Path, $"'{key}:{c.Key}' must be a string, found {Name(KindOf(c))}");
        }
        return result;
    }

    /// <summary>An integer in [min, max], or null (with an error when present but invalid).</summary>
    internal int? Int(IConfiguration parent, string key, int min, int max)
    {
        var s = parent.GetSection(key);
        var k = KindOf(s);
        if (k == Kind.Empty && s.Value == null) return null;
        if (k == Kind.Scalar && int.TryParse(s.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= min && v <= max)
            return v;
        Error(s.Path, $"'{key}' must be a whole number from {min} to {max}, found {(k == Kind.Scalar ? $"'{s.Value}'" : Name(k))}");
        return null;
    }
}
