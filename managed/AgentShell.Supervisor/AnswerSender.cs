namespace AgentShell.Supervisor;

/// <summary>Sends the answer to a seccomp notification (<see cref="Interop.Seccomp.Send"/>): a seam,
/// so that a failed or throwing send can be injected where answers to held notifications are made
/// (<see cref="HeldNotifications"/>) and the fail-closed paths after it proved.</summary>
internal delegate Errno AnswerSender(int listener, ulong id, int error, uint flags, long val);
