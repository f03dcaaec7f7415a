/* The argv a supervisor checks is not the argv the kernel runs (kernel-notes 1 and 13): every way
 * another task can rewrite the arguments of a task blocked in execve, tried against
 * `curl -s -o /dev/null -X GET URL`, flipping GET to DELETE after the check.
 *
 *   flip-argv MODE N CURL URL
 *
 * N tries; each forks a child that execs CURL once while the attacker of MODE flips its method:
 *   thread    a sibling thread rewrites the method string
 *   shared    a forked process rewrites it in a MAP_SHARED page the argv points into
 *   vmwrite   the parent rewrites it with process_vm_writev while the child is in execve
 *   filemap   argv points into a private, never-written mapping of a file the attacker rewrites
 *   pointers  a sibling thread flips argv[4] between a "GET" and a "DELETE" string
 * Prints "tries N ran R refused F killed K": the exec ran (curl exited), failed (EPERM), or the
 * child died of a signal (killed at its commit). Whether a DELETE got through is for the server
 * the test runs to say. Every syscall is checked; a failure exits 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIE(what) do { fprintf(stderr, "flip-argv: %s: %s\n", (what), strerror(errno)); exit(2); } while (0)

static const char *curl, *url;
static char *volatile method;     /* the string argv[4] points to (thread, shared, vmwrite, filemap) */
static char *volatile *volatile slot; /* argv[4] itself (pointers) */
static char get_s[8] __attribute__((aligned(8))) = "GET", delete_s[8] __attribute__((aligned(8))) = "DELETE";
static const char *mode;

static void spin(int n)
{
    for (volatile int i = 0; i < n; i++) {
    }
}

/* Flips the bytes at method between "GET" and "DELETE" for ever: mostly GET (what the check
 * should see), with short DELETEs (what the kernel's copy should catch). */
/* One aligned 8-byte store: a reader sees GET or DELETE, never a mix of both. */
static void put(volatile char *m, const char *s)
{
    unsigned long long w = 0;
    memcpy(&w, s, 7);
    *(volatile unsigned long long *)m = w;
}

static void flip_bytes(volatile char *m)
{
    for (;;) {
        put(m, "DELETE");
        spin(200);
        put(m, "GET\0\0\0");
        spin(600);
    }
}

static void *thread_flip(void *arg)
{
    (void)arg;
    flip_bytes(method);
    return NULL;
}

static void *thread_flip_pointer(void *arg)
{
    (void)arg;
    for (;;) {
        *slot = delete_s;
        spin(200);
        *slot = get_s;
        spin(600);
    }
    return NULL;
}

static void exec_curl(char *m)
{
    char *av[] = {(char *)"curl", (char *)"-s", (char *)"-o", (char *)"/dev/null", (char *)"-X", m, (char *)url, NULL};
    char *ev[] = {(char *)"PATH=/usr/bin:/bin", NULL};
    slot = &av[5];
    if (method == NULL)
        method = m;
    pthread_t t;
    if (strcmp(mode, "thread") == 0 && pthread_create(&t, NULL, thread_flip, NULL) != 0)
        DIE("pthread_create");
    if (strcmp(mode, "pointers") == 0 && pthread_create(&t, NULL, thread_flip_pointer, NULL) != 0)
        DIE("pthread_create");
    syscall(SYS_execve, curl, av, ev);
    _exit(errno == EPERM ? 100 : 101);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: flip-argv thread|shared|vmwrite|filemap|pointers N CURL URL\n");
        return 2;
    }
    mode = argv[1];
    int n = atoi(argv[2]);
    curl = argv[3];
    url = argv[4];
    setvbuf(stdout, NULL, _IONBF, 0);

    char *shared = NULL, *mapped = NULL;
    int file = -1;
    pid_t flipper = 0;
    if (strcmp(mode, "shared") == 0) {
        shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
            DIE("mmap(MAP_SHARED)");
        strcpy(shared, "GET");
        if ((flipper = fork()) < 0)
            DIE("fork");
        if (flipper == 0)
            flip_bytes(shared);
    } else if (strcmp(mode, "filemap") == 0) {
        char path[] = "/tmp/flip-argv-XXXXXX";
        if ((file = mkstemp(path)) < 0)
            DIE("mkstemp");
        unlink(path);
        if (ftruncate(file, 4096) < 0 || pwrite(file, "GET\0\0\0", 7, 0) != 7)
            DIE("write file");
        mapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, file, 0);
        if (mapped == MAP_FAILED)
            DIE("mmap(MAP_PRIVATE)");
        if ((flipper = fork()) < 0)
            DIE("fork");
        if (flipper == 0) {
            for (;;) {
                /* A page-cache write of 7 bytes at offset 0 lands whole for a reader of the page. */
                if (pwrite(file, "DELETE", 7, 0) != 7)
                    DIE("pwrite");
                spin(200);
                if (pwrite(file, "GET\0\0\0", 7, 0) != 7)
                    DIE("pwrite");
                spin(600);
            }
        }
    } else if (strcmp(mode, "thread") != 0 && strcmp(mode, "vmwrite") != 0 && strcmp(mode, "pointers") != 0) {
        fprintf(stderr, "flip-argv: unknown mode '%s'\n", mode);
        return 2;
    }

    int ran = 0, refused = 0, killed = 0;
    static char own[8] __attribute__((aligned(8))) = "GET";
    for (int i = 0; i < n; i++) {
        memcpy(own, "GET\0\0\0", 7);
        pid_t c = fork();
        if (c < 0)
            DIE("fork");
        if (c == 0) {
            if (shared)
                method = shared;
            else if (mapped)
                method = mapped;
            exec_curl(shared ? shared : mapped ? mapped : strcmp(mode, "pointers") == 0 ? get_s : own);
        }
        if (strcmp(mode, "vmwrite") == 0) {
            /* Rewrite the child's method while it sits in execve, until it is gone from there. */
            struct iovec l1 = {.iov_base = (void *)"DELETE", .iov_len = 7}, l2 = {.iov_base = (void *)"GET\0\0\0", .iov_len = 7};
            struct iovec r = {.iov_base = own, .iov_len = 7};
            for (int k = 0; k < 20000; k++) {
                if (process_vm_writev(c, k & 1 ? &l2 : &l1, 1, &r, 1, 0) < 0)
                    break; /* exec'd (the address is gone) or exited */
            }
        }
        int st;
        if (waitpid(c, &st, 0) < 0)
            DIE("waitpid");
        if (WIFSIGNALED(st))
            killed++;
        else if (WEXITSTATUS(st) == 100)
            refused++;
        else
            ran++;
    }
    if (flipper > 0) {
        kill(flipper, SIGKILL);
        waitpid(flipper, NULL, 0);
    }
    printf("tries %d ran %d refused %d killed %d\n", n, ran, refused, killed);
    return 0;
}
