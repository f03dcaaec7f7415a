/* The C floor's parts (notifier.c: the filter and the loop; floor-read.c: reading an exec's
 * filename, argv and environment as agentshell's ExecReader does; floor-verify.c: --verify's check
 * of the committed exec): what one needs of another. */
#ifndef AGENTSHELL_FLOOR_H
#define AGENTSHELL_FLOOR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PAGE 4096
#define MAX_ARGS 4096
#define ARG_BYTES (2 * 1024 * 1024)

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die_with_error(const char *fmt, ...);

/* floor-read.c. What the last read_exec read: the filename, argc, the argv bytes one after another
 * (no NULs) and each string's length; read_env's environment, each string with its NUL. */
extern char path[PAGE];
extern char strings[ARG_BYTES];
extern size_t read_count, read_bytes, arg_len[MAX_ARGS + 1];
extern char env_strings[ARG_BYTES];
extern size_t env_count, env_bytes;
ssize_t peek(pid_t pid, uint64_t addr, void *dest, size_t len);
int read_exec(pid_t pid, uint64_t path_addr, uint64_t argv_addr);
int read_env(pid_t pid, uint64_t envp);

/* floor-verify.c */
int names(const char *s, size_t len, const char *name);
void verify_exec(pid_t pid);

#endif
