/* wire-bench's relays (`relay`, `relay ... SPIN_US`, `tls-relay`): the floors of any relay in user
 * space, plain and TLS, that the wire layer is measured beside. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire-bench.h"

struct pipe_ends { int from, to; };

static void *copy_one_way(void *arg)
{
    struct pipe_ends *p = arg;
    char buf[16384];
    for (;;) {
        ssize_t n = read(p->from, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(p->to, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                goto done;
            off += w;
        }
    }
done:
    shutdown(p->to, SHUT_WR); /* the peer may be gone already: nothing more to send either way */
    return NULL;
}

const char *relay_up_addr;
int relay_up_port;

void *relay_connection(void *arg)
{
    int c = (int)(long)arg;
    struct conn up = dial(relay_up_addr, relay_up_port, NULL, NULL);
    struct pipe_ends back = { up.fd, c }, forth = { c, up.fd };
    pthread_t t;
    if ((errno = pthread_create(&t, NULL, copy_one_way, &back)) != 0)
        die("pthread_create");
    copy_one_way(&forth);
    if ((errno = pthread_join(t, NULL)) != 0)
        die("pthread_join");
    close(c);
    hang_up(&up);
    return NULL;
}

/* A second relay floor: one thread per connection for both directions (a request
 * and its response are served in turn, as the wire layer's HTTP path does), and before blocking in
 * poll it polls both sockets without blocking for up to relay_spin_us µs after the last bytes it
 * moved: a peer that answers within the window is read without this thread sleeping and being woken. */
int relay_spin_us;

/* Moves what is waiting on from to to; 1 if bytes moved, 0 if none waited, -1 at the end of either. */
static int relay_move(int from, int to, int flags)
{
    char buf[16384];
    ssize_t n;
    while ((n = recv(from, buf, sizeof(buf), flags)) < 0 && errno == EINTR) {}
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (n <= 0)
        return -1;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += w;
    }
    return 1;
}

void *relay_one_thread(void *arg)
{
    int c = (int)(long)arg;
    struct conn up = dial(relay_up_addr, relay_up_port, NULL, NULL);
    int end = 0;
    while (!end) {
        double until = now_us() + relay_spin_us;
        int moved = 0;
        while (!end && relay_spin_us > 0 && !moved && now_us() < until) {
            int a = relay_move(c, up.fd, MSG_DONTWAIT), b = a < 0 ? 0 : relay_move(up.fd, c, MSG_DONTWAIT);
            end = a < 0 || b < 0;
            moved = a > 0 || b > 0;
        }
        if (end || moved)
            continue;
        struct pollfd p[2] = { { .fd = c, .events = POLLIN }, { .fd = up.fd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (p[0].revents && relay_move(c, up.fd, MSG_DONTWAIT) < 0)
            end = 1;
        if (!end && p[1].revents && relay_move(up.fd, c, MSG_DONTWAIT) < 0)
            end = 1;
    }
    close(c);
    hang_up(&up);
    return NULL;
}

/* The TLS relay floor: TLS terminated on both legs as the wire layer does (the client gets the
 * server's certificate, the upstream is verified against OpenSSL's default paths), one thread per
 * connection moving records both ways (poll, then SSL_read and SSL_write, draining SSL_pending). */
SSL_CTX *relay_client_ctx;
const char *relay_sni;

static int tls_move(SSL *from, SSL *to)
{
    char buf[16384];
    do {
        int n = SSL_read(from, buf, (int)sizeof(buf));
        if (n <= 0)
            return -1;
        for (int off = 0; off < n;) {
            int w = SSL_write(to, buf + off, n - off);
            if (w <= 0)
                return -1;
            off += w;
        }
    } while (SSL_pending(from) > 0);
    return 0;
}

void *tls_relay_connection(void *arg)
{
    int fd = (int)(long)arg;
    SSL *c = SSL_new(server_ctx);
    if (!c || SSL_set_fd(c, fd) != 1 || SSL_accept(c) != 1) {
        if (c)
            SSL_free(c);
        close(fd);
        return NULL;
    }
    struct conn up = dial(relay_up_addr, relay_up_port, relay_client_ctx, relay_sni);
    for (;;) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = up.fd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (p[0].revents && tls_move(c, up.ssl) < 0)
            break;
        if (p[1].revents && tls_move(up.ssl, c) < 0)
            break;
    }
    SSL_free(c);
    close(fd);
    hang_up(&up);
    return NULL;
}
