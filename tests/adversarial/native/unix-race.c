/* The check-then-CONTINUE race of a Unix connect (issue 11): the supervisor reads the sockaddr and
 * resolves its path, then the kernel copies the sockaddr and resolves the path again. A tree process
 * makes the two differ and counts how often its connect lands on the command server outside the tree.
 *
 *   unix-race flip HARMLESS OUTSIDE TRIES   a sibling thread flips sun_path between HARMLESS (a
 *                                           socket this program listens on) and OUTSIDE while the main
 *                                           thread connects in a loop
 *   unix-race link HARMLESS OUTSIDE TRIES   a sibling thread swaps the symlink HARMLESS.link between
 *                                           HARMLESS and OUTSIDE (rename over it) while the main thread
 *                                           connects to the link
 *
 * A connect that succeeds is told apart by the listener's SO_PEERCRED (set at its listen()): our own
 * pid is the harmless socket, any other is the outside server. Prints
 * "tries N harmless H outside O refused R failed F", and "connected to outside server" when O > 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DIE(what) do { fprintf(stderr, "unix-race: %s: %s\n", (what), strerror(errno)); exit(2); } while (0)

static struct sockaddr_un shared; /* what the main thread connects with, rewritten by the flipper */
static char harmless[108], outside[108], link_path[108], tmp_link[108];
static atomic_int stop;

/* Holds each value a few microseconds: the check and the kernel's copy are that far apart. */
static void hold(void)
{
    __asm__ volatile("" ::: "memory"); /* the store before it is not dead: the kernel reads it */
    for (volatile int i = 0; i < 2000; i++)
        ;
}

static void *flip_path(void *unused)
{
    (void)unused;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        memcpy(shared.sun_path, outside, sizeof outside);
        hold();
        memcpy(shared.sun_path, harmless, sizeof harmless);
        hold();
    }
    return NULL;
}

static void *swap_link(void *unused)
{
    (void)unused;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        const char *to[2] = { outside, harmless };
        for (int i = 0; i < 2; i++) {
            unlink(tmp_link);
            if (symlink(to[i], tmp_link) < 0 || rename(tmp_link, link_path) < 0)
                DIE("symlink/rename");
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "flip") && strcmp(argv[1], "link"))) {
        fprintf(stderr, "usage: unix-race flip|link HARMLESS OUTSIDE TRIES\n");
        return 2;
    }
    if (strlen(argv[2]) + 6 >= sizeof harmless || strlen(argv[3]) >= sizeof outside)
        return fprintf(stderr, "unix-race: path too long\n"), 2;
    strcpy(harmless, argv[2]);
    strcpy(outside, argv[3]);
    int tries = atoi(argv[4]);
    bool flip = strcmp(argv[1], "flip") == 0;

    int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv < 0)
        DIE("socket");
    struct sockaddr_un at = { .sun_family = AF_UNIX };
    strcpy(at.sun_path, harmless);
    unlink(harmless);
    if (bind(srv, (struct sockaddr *)&at, sizeof at) < 0 || listen(srv, 64) < 0)
        DIE("bind/listen harmless");

    shared.sun_family = AF_UNIX;
    if (flip) {
        strcpy(shared.sun_path, harmless);
    } else {
        snprintf(link_path, sizeof link_path, "%s.link", harmless);
        snprintf(tmp_link, sizeof tmp_link, "%s.tmp", harmless);
        unlink(link_path);
        if (symlink(harmless, link_path) < 0)
            DIE("symlink");
        strcpy(shared.sun_path, link_path);
    }
    pthread_t t;
    if (pthread_create(&t, NULL, flip ? flip_path : swap_link, NULL) != 0)
        DIE("pthread_create");

    int won_harmless = 0, won_outside = 0, refused = 0, failed = 0, torn = 0;
    for (int i = 0; i < tries; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0)
            DIE("socket");
        if (connect(c, (struct sockaddr *)&shared, sizeof shared) < 0) {
            if (errno == EPERM)
                refused++;
            else if (errno == ENOENT && flip)
                torn++; /* read mid-flip: a mix of the two paths names no file (the kernel says the same) */
            else if (failed++ == 0)
                fprintf(stderr, "unix-race: connect: %s\n", strerror(errno));
        } else {
            struct ucred cred;
            socklen_t len = sizeof cred;
            if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                DIE("getsockopt(SO_PEERCRED)");
            if (cred.pid == getpid()) {
                won_harmless++;
                int a = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
                if (a >= 0)
                    close(a);
            } else {
                won_outside++;
            }
        }
        close(c);
    }
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    unlink(harmless);
    if (!flip) {
        unlink(link_path);
        unlink(tmp_link);
    }
    printf("tries %d harmless %d outside %d refused %d failed %d torn %d\n", tries, won_harmless, won_outside, refused, failed, torn);
    if (won_outside > 0)
        printf("connected to outside server\n");
    return 0;
}
