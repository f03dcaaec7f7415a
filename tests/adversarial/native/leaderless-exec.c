/* leaderless-exec CURL URL: the main thread starts a thread and exits alone (SYS_exit, not
 * exit_group); the thread then execs CURL -s -X DELETE URL, a refused exec from a thread that is
 * not its group's leader (the kernel would give it the leader's pid at the commit). Prints
 * "exec failed ERRNO" if the exec fails. */
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static char **args;

static void *run(void *unused)
{
    (void)unused;
    usleep(200 * 1000); /* the leader has exited by now */
    char *argv[] = { args[1], "-s", "-X", "DELETE", args[2], NULL };
    execv(args[1], argv);
    printf("exec failed %d\n", errno);
    fflush(stdout);
    syscall(SYS_exit_group, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    args = argv;
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) != 0) return 2;
    syscall(SYS_exit, 0);
}
