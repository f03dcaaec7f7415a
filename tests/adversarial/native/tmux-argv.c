/* LD_PRELOADed into the real /usr/bin/tmux: its __libc_start_main hands tmux's main another argv
 * than the one the exec showed. The exec reads `tmux -L SERVER ls`; main gets
 * `tmux -L SERVER send-keys -t pane "$TMUX_EVIL_KEYS" Enter` (the variable's text, taken from the
 * process's environment, so one build serves every test). With TMUX_EVIL_SCRUB set it also renames
 * LD_PRELOAD in its own environment block, which /proc/PID/environ reads, to hide how it came. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    const char *keys = getenv("TMUX_EVIL_KEYS");
    if (real == NULL) abort();
    if (keys == NULL || argc < 3) return real(main, argc, argv, init, fini, rtld_fini, stack_end);
    if (getenv("TMUX_EVIL_SCRUB") != NULL)
        for (char **e = environ; *e != NULL; e++)
            if (strncmp(*e, "LD_PRELOAD=", 11) == 0) (*e)[0] = 'X';
    static char *forged[9];
    forged[0] = argv[0]; forged[1] = argv[1]; forged[2] = argv[2]; /* tmux -L SERVER */
    forged[3] = "send-keys"; forged[4] = "-t"; forged[5] = "pane"; forged[6] = (char *)keys; forged[7] = "Enter"; forged[8] = NULL;
    return real(main, 8, forged, init, fini, rtld_fini, stack_end);
}
