/* The sockaddr TOCTOU (kernel-notes pitfall 2): one thread flips sin_addr between an allowed
 * address (argv[1]) and a forbidden one (argv[2]) while another connects N times to whatever the
 * struct holds, at least N times and until both outcomes were seen (on a loaded machine the flipper
 * can go unscheduled for a whole burst of connects), at most 50 N. Prints how many succeeded. */
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in sa;
static in_addr_t a, b;
static volatile int stop;

static void *flipper(void *arg)
{
    (void)arg;
    while (!stop) {
        /* Each value holds for a moment, so connects see both (the test wants some of each). */
        *(volatile in_addr_t *)&sa.sin_addr.s_addr = a;
        for (volatile int i = 0; i < 100; i++) {}
        *(volatile in_addr_t *)&sa.sin_addr.s_addr = b;
        for (volatile int i = 0; i < 100; i++) {}
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    a = inet_addr(argv[1]);
    b = inet_addr(argv[2]);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[3]));
    sa.sin_addr.s_addr = a;
    int n = atoi(argv[4]), ok = 0, failed = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, flipper, NULL) != 0)
        return 2;
    for (int i = 0; i < 50 * n && (i < n || ok == 0 || failed == 0); i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return 2;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            ok++;
        else
            failed++;
        close(fd);
        if (i >= n)
            sched_yield(); /* past N: let the flipper run */
    }
    stop = 1;
    pthread_join(t, NULL);
    printf("%d\n", ok);
    return 0;
}
