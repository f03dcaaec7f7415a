namespace AgentShell.Supervisor.Approval;

/// <summary>The supervised tree a paused request belongs to (a run, or one session of a daemon) and
/// what answers its held notifications. Trees share a registry, never an item: a request joins only
/// a waiting item of its own tree, and "approve for the rest of the run" covers only that tree.</summary>
/// <param name="Session">Id of the run or session (shown as "run" by pending and watch).</param>
/// <param name="Responder">Answers the tree's held notifications on its own listener.</param>
public sealed record PendingScope(string Session, INotificationResponder Responder);
