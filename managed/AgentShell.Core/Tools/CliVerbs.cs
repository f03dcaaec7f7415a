using AgentShell.Core.Model;

namespace AgentShell.Core.Tools;

/// <summary>Effects of the verbs cloud and platform CLIs share ("delete", "list", "create", ...).</summary>
public static class CliVerbs
{
    /// <summary>Effect of one subcommand word, or null when the word is not a known verb. Prefix
    /// forms (<c>delete-db-instance</c>, <c>describe-instances</c>) count.</summary>
    public static Effect? Of(string word)
    {
        var w = word.ToLowerInvariant();
        // PERF: the head is a slice, matched as a span: no array and no string per part (Split made both).
        int cut = w.AsSpan().IndexOfAny('-', ':');
        ReadOnlySpan<char> head = cut < 0 ? w : w.AsSpan(0, cut);
        // batch-delete-image, bulk-delete, force-delete-…: the verb after the qualifier decides;
        // schedule-key-deletion deletes when its waiting period ends.
        if (head is "batch" or "bulk" or "force" && w.Length > head.Length + 1) return Of(w[(head.Length + 1)..]);
        if (head is "schedule" && w.Contains("delet", StringComparison.Ordinal)) return Effect.Delete;
        return head switch
        {
            "delete" or "remove" or "rm" or "destroy" or "deregister" or "purge" or "del" or "uninstall" or "unregister" or "revoke" or "disassociate" or "detach" or "release" => Effect.Delete,
            "drop" => Effect.Drop,
            "truncate" => Effect.Truncate,
            "terminate" or "stop" or "kill" or "shutdown" or "deallocate" or "reboot" or "restart" or "suspend" or "cancel" or "drain" or "halt" or "poweroff" => Effect.Terminate,
            "wipe" or "reset" or "erase" or "flush" or "nuke" => Effect.Wipe,
            "describe" or "list" or "ls" or "get" or "show" or "view" or "status" or "logs" or "log" or "info" or "whoami" or "version"
                or "help" or "head" or "wait" or "check" or "lookup" or "search" or "filter" or "query" or "validate" or "estimate"
                or "simulate" or "test" or "explain" or "diff" or "print" or "export" or "download" or "tail" or "inspect" or "top"
                or "preview" or "plan" or "output" or "outputs" or "read" or "find" or "scan" or "select" => Effect.Read,
            "create" or "put" or "update" or "modify" or "set" or "add" or "start" or "run" or "deploy" or "apply" or "attach"
                or "associate" or "register" or "enable" or "disable" or "tag" or "untag" or "copy" or "cp" or "mv" or "move"
                or "sync" or "upload" or "import" or "restore" or "promote" or "scale" or "resize" or "rollback" or "replace"
                or "patch" or "edit" or "label" or "annotate" or "expose" or "rollout" or "upgrade" or "install" or "init"
                or "link" or "unlink" or "up" or "push" or "publish" or "send" or "invoke" or "execute" or "authorize" or "allocate"
                or "accept" or "reject" or "change" or "configure" or "login" or "logout" or "open" or "clone" or "fork" or "merge"
                or "close" or "reopen" or "rename" or "connect" or "resume" or "enable-" or "generate" or "refresh" or "import-"
                or "swap" or "failover" or "switch" or "use" or "new" or "save" or "issue" or "request" or "renew" or "recover" => Effect.Write,
            _ => null,
        };
    }

    /// <summary>A target pointing at a platform's API host (what the CLI talks to).</summary>
    public static Target Api(string url)
    {
        UrlParser.TryParse(url, "https", out var t);
        return t;
    }
}
