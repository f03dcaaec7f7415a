/* agentshell-launch's diagnostics: one line on stderr, prefixed with its name, then exit 125
 * (the launcher's own failure, told apart from the command's status). */
#ifndef AGENTSHELL_DIE_H
#define AGENTSHELL_DIE_H

extern const char *prog;

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* As die, with strerror(errno) and, for the errors installing the filter gives, what they mean. */
__attribute__((noreturn, format(printf, 1, 2))) void die_with_error(const char *fmt, ...);

#endif
