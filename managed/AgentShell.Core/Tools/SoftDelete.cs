using System.Text.Json;
using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>A JSON request body that deletes without the DELETE method: a record marked deleted
/// (<c>{"deleted": true}</c>, <c>{"is_deleted": true}</c>, <c>{"deleted_at": "…"}</c>,
/// <c>{"status": "deleted"}</c>), or an action field naming a destructive verb
/// (<c>{"action": "delete", "ids": […]}</c>, <c>{"op": "purge"}</c>). Read at the top level and
/// inside the wrappers APIs put a record's fields in (<c>data</c>, <c>attributes</c>, <c>input</c>,
/// <c>$set</c>, …), not inside filters, so a search for deleted records stays a read or a write.</summary>
public static class SoftDelete
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "deleted", "isdeleted", "softdeleted", "removed", "isremoved", "purged", "destroyed", "trashed", "istrashed",
        "markedfordeletion", "pendingdeletion", "todelete",
        // Archiving takes the record (a project, a repository, a service) out of use, as the archive verb does.
        "archived", "isarchived",
    };

    private static readonly HashSet<string> Stamps = new(StringComparer.Ordinal)
    {
        "deletedat", "deletedon", "deletiondate", "deletedtime", "removedat", "purgedat", "destroyedat", "trashedat", "archivedat",
    };

    private static readonly HashSet<string> States = new(StringComparer.Ordinal) { "status", "state", "lifecycle", "lifecyclestate" };

    private static readonly HashSet<string> StateValues = new(StringComparer.Ordinal)
    {
        "deleted", "removed", "purged", "destroyed", "trashed", "pendingdeletion", "markedfordeletion", "archived",
    };

    // A record (a service, an account, a site) put out of use without deleting it: terminate.
    private static readonly HashSet<string> SuspendFlags = new(StringComparer.Ordinal)
    {
        "suspended", "issuspended", "maintenancemode", "inmaintenance", "ismaintenancemode", "maintenance", "readonlymode",
    };

    private static readonly HashSet<string> SuspendStates = new(StringComparer.Ordinal)
    {
        "suspended", "deactivated", "disabled", "maintenance", "decommissioned",
    };

    private static readonly HashSet<string> Actions = new(StringComparer.Ordinal) { "action", "op", "operation", "command", "cmd", "verb" };

    private static readonly HashSet<string> Wrappers = new(StringComparer.Ordinal)
    {
        "data", "attributes", "input", "fields", "properties", "record", "item", "patch", "update", "changes", "set", "$set", "values",
        "user", "account", "resource", "object", "doc", "document", "body", "payload", "params",
    };

    /// <summary>The destructive effect the body <paramref name="e"/> asks for, or null. With
    /// <paramref name="anyDepth"/> every nested object counts (GraphQL variables, which only
    /// carry a mutation's input).</summary>
    public static Effect? Of(JsonElement e, string token, List<Evidence> evidence, bool anyDepth = false) =>
        Scan(e, token, evidence, anyDepth, 0);

    private static Effect? Scan(JsonElement e, string token, List<Evidence> evidence, bool anyDepth, int depth)
    {
        if (depth > 4) return null;
        if (e.ValueKind == JsonValueKind.Array)
        {
            Effect? worst = null;
            foreach (var x in e.EnumerateArray())
                if (Scan(x, token, evidence, anyDepth, depth + 1) is Effect xe) worst = worst is Effect w ? ToolHelp.Max(w, xe) : xe;
            return worst;
        }
        if (e.ValueKind != JsonValueKind.Object) return null;
        Effect? result = null;
        // A JSON Patch operation ({"op": "remove", "path": "/labels/x"}) edits one field of the resource.
        bool jsonPatch = e.TryGetProperty("path", out _);
        foreach (var p in e.EnumerateObject())
        {
            var key = Normalize(p.Name);
            Effect? found = null;
            string? why = null;
            var v = p.Value;
            if (Flags.Contains(key) && v.ValueKind == JsonValueKind.True) (found, why) = (Effect.Delete, "marks the record deleted");
            else if (Stamps.Contains(key) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number && !(v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0))
                (found, why) = (Effect.Delete, "sets the record's deletion time");
            else if (States.Contains(key) && v.ValueKind == JsonValueKind.String && StateValues.Contains(Normalize(v.GetString()!)))
                (found, why) = (Effect.Delete, $"sets {p.Name} to {v.GetString()}");
            else if (SuspendFlags.Contains(key) && v.ValueKind == JsonValueKind.True) (found, why) = (Effect.Terminate, "puts the record out of use");
            else if (States.Contains(key) && v.ValueKind == JsonValueKind.String && SuspendStates.Contains(Normalize(v.GetString()!)))
                (found, why) = (Effect.Terminate, $"sets {p.Name} to {v.GetString()}");
            else if (Actions.Contains(key) && !(jsonPatch && key == "op") && v.ValueKind == JsonValueKind.String && CliVerbs.Of(v.GetString()!) is Effect a && a >= Effect.Delete && a != Effect.ForcePush)
                (found, why) = (a, $"asks for {v.GetString()}");
            else if (v.ValueKind is JsonValueKind.Object or JsonValueKind.Array && (anyDepth || Wrappers.Contains(key)))
                found = Scan(v, token, evidence, anyDepth, depth + 1);
            if (why != null) evidence.Add(new($"\"{p.Name}\"", $"body {why}: {found!.Value.Name()}"));
            if (found is Effect f) result = result is Effect r ? ToolHelp.Max(r, f) : f;
        }
        return result;
    }

    /// <summary>True when a GraphQL argument or input field <paramref name="key"/> with the literal
    /// <paramref name="value"/> (<paramref name="isString"/>: a string; else a name such as
    /// <c>true</c> or an enum value, or a number) marks a record deleted.</summary>
    public static bool Marks(string key, string value, bool isString, bool isNumber)
    {
        var k = Normalize(key);
        if (Flags.Contains(k)) return !isString && value == "true";
        if (Stamps.Contains(k)) return isString || isNumber; // the GraphQL lexer keeps no string's text: any string is a time
        if (States.Contains(k)) return StateValues.Contains(Normalize(value));
        return false;
    }

    /// <summary>True when a GraphQL argument or input field <paramref name="key"/> with the literal
    /// <paramref name="value"/> puts a record out of use (<c>suspended: true</c>, <c>status: SUSPENDED</c>).</summary>
    public static bool Suspends(string key, string value, bool isString)
    {
        var k = Normalize(key);
        if (SuspendFlags.Contains(k)) return !isString && value == "true";
        return States.Contains(k) && SuspendStates.Contains(Normalize(value));
    }

    // Lower case without '_', '-' and blanks: is_deleted, isDeleted and "Is-Deleted" are one key.
    internal static string Normalize(ReadOnlySpan<char> s)
    {
        Span<char> buf = stackalloc char[Math.Min(s.Length, 64)];
        int n = 0;
        foreach (var ch in s)
        {
            if (ch is '_' or '-' or ' ') continue;
            if (n == buf.Length) return s.ToString().ToLowerInvariant();
            buf[n++] = char.ToLowerInvariant(ch);
        }
        return new string(buf[..n]);
    }
}
