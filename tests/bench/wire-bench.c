/* wire-bench: the cost of deciding HTTP(S) at the wire, per request, on loopback.
 *
 *   wire-bench server ADDR PORT [CERT KEY]      an HTTP/1.1 keep-alive server (TLS with CERT/KEY),
 *                                                "200 ok" to every request; runs until killed
 *   wire-bench keepalive ADDR PORT TLS SNI N [WARM_MS]
 *                                                one connection, N GETs one after another:
 *                                                prints µs per request (after 50 warm-up requests,
 *                                                and for at least WARM_MS ms of them)
 *   wire-bench handshake ADDR PORT PREFIX N      N connections, each TLS to a new server name
 *                                                (I.PREFIX) and one GET: prints µs per connection
 *   wire-bench relay ADDR PORT UPADDR UPPORT     the floor of any relay in user space: a plain TCP
 *                                                relay (a thread per direction, blocking reads and
 *                                                writes, TCP_NODELAY both legs, nothing parsed)
 *   wire-bench relay ADDR PORT UPADDR UPPORT SPIN_US
 *                                                the same relay with one thread per connection for
 *                                                both directions (poll), polling without blocking for
 *                                                SPIN_US µs after each transfer before it sleeps
 *   wire-bench tls-relay ADDR PORT UPADDR UPPORT CERT KEY SNI
 *                                                the TLS floor: TLS terminated on both legs (CERT/KEY
 *                                                toward the client, SNI verified upstream), one thread
 *                                                per connection, records moved as they come (poll)
 *   wire-bench pg ADDR PORT USER N               one PostgreSQL connection (trust authentication,
 *                                                no TLS), N simple-protocol "SELECT 1" round trips:
 *                                                prints µs per round trip (after 50 warm-up ones)
 *
 * TLS clients verify the server against OpenSSL's default paths (SSL_CERT_FILE), as clients in the
 * tree do. Every call is checked; a failure ends the program with the call's name. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire-bench.h"

void die(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wire-bench: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s\n", e ? strerror(e) : "failed");
    ERR_print_errors_fp(stderr);
    exit(1);
}

double now_us(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        die("clock_gettime");
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}


static int io_read(struct conn *c, char *buf, int len)
{
    if (c->ssl)
        return SSL_read(c->ssl, buf, len);
    ssize_t n;
    while ((n = read(c->fd, buf, len)) < 0 && errno == EINTR) {}
    return (int)n;
}

static void io_write(struct conn *c, const char *buf, int len)
{
    while (len > 0) {
        int n = c->ssl ? SSL_write(c->ssl, buf, len) : (int)write(c->fd, buf, len);
        if (n <= 0) {
            if (!c->ssl && errno == EINTR)
                continue;
            die("write");
        }
        buf += n;
        len -= n;
    }
}

/* Reads one message head ending in an empty line, and for a response its Content-Length body.
 * 0 at a clean end of the connection. */
static int read_message(struct conn *c, int response)
{
    static __thread char buf[65536];
    int have = 0;
    char *end;
    while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
        int n = io_read(c, buf + have, (int)sizeof(buf) - have);
        if (n <= 0)
            return 0;
        have += n;
    }
    if (!response)
        return 1;
    const char *cl = strcasestr(buf, "Content-Length:");
    int body = cl ? atoi(cl + 15) : 0;
    int got = have - (int)(end + 4 - buf);
    while (got < body) {
        int n = io_read(c, buf, (int)sizeof(buf));
        if (n <= 0)
            die("read body");
        got += n;
    }
    return 1;
}

SSL_CTX *server_ctx;
static double t0_pg;

static void *serve(void *arg)
{
    struct conn c = { .fd = (int)(long)arg, .ssl = NULL };
    if (server_ctx) {
        c.ssl = SSL_new(server_ctx);
        if (!c.ssl || SSL_set_fd(c.ssl, c.fd) != 1 || SSL_accept(c.ssl) != 1)
            goto out; /* a client that gave up (or refused our certificate) */
    }
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    while (read_message(&c, 0))
        io_write(&c, ok, sizeof(ok) - 1);
out:
    if (c.ssl)
        SSL_free(c.ssl);
    close(c.fd);
    return NULL;
}

static void address(const char *addr, int port, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
        die("inet_pton(%s)", addr);
}

static int server(const char *addr, int port, const char *cert, const char *key, void *(*handler)(void *))
{
    if (cert) {
        if (!(server_ctx = SSL_CTX_new(TLS_server_method())))
            die("SSL_CTX_new");
        if (SSL_CTX_use_certificate_chain_file(server_ctx, cert) != 1 || SSL_CTX_use_PrivateKey_file(server_ctx, key, SSL_FILETYPE_PEM) != 1)
            die("loading %s", cert);
    }
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (s < 0)
        die("socket");
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        die("setsockopt(SO_REUSEADDR)");
    struct sockaddr_in sa;
    address(addr, port, &sa);
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("bind(%s:%d)", addr, port);
    if (listen(s, 128) != 0)
        die("listen");
    for (;;) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
            die("setsockopt(TCP_NODELAY)");
        pthread_t t;
        if ((errno = pthread_create(&t, NULL, handler, (void *)(long)c)) != 0)
            die("pthread_create");
        if ((errno = pthread_detach(t)) != 0)
            die("pthread_detach");
    }
}

SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        die("SSL_CTX_new");
    if (SSL_CTX_set_default_verify_paths(ctx) != 1)
        die("SSL_CTX_set_default_verify_paths");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    static const unsigned char alpn[] = "\x08http/1.1";
    if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0)
        die("SSL_CTX_set_alpn_protos");
    return ctx;
}

struct conn dial(const char *addr, int port, SSL_CTX *ctx, const char *sni)
{
    struct conn c = { .fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), .ssl = NULL };
    int one = 1;
    if (c.fd < 0)
        die("socket");
    struct sockaddr_in sa;
    address(addr, port, &sa);
    if (connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("connect(%s:%d)", addr, port);
    if (setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        die("setsockopt(TCP_NODELAY)");
    if (ctx) {
        if (!(c.ssl = SSL_new(ctx)) || SSL_set_fd(c.ssl, c.fd) != 1)
            die("SSL_new");
        if (SSL_set_tlsext_host_name(c.ssl, sni) != 1 || SSL_set1_host(c.ssl, sni) != 1)
            die("SSL_set_tlsext_host_name(%s)", sni);
        if (SSL_connect(c.ssl) != 1)
            die("SSL_connect(%s)", sni);
    }
    return c;
}

void hang_up(struct conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    if (close(c->fd) != 0)
        die("close");
}

static void get(struct conn *c, const char *host)
{
    char req[512];
    int n = snprintf(req, sizeof(req), "GET /bench HTTP/1.1\r\nHost: %s\r\n\r\n", host);
    io_write(c, req, n);
    if (!read_message(c, 1))
        die("the server closed the connection");
}

/* PostgreSQL: reads one backend message (type, then its body into buf); returns its type. */
static char pg_message(int fd, char *buf, size_t cap)
{
    unsigned char head[5];
    size_t have = 0;
    while (have < sizeof(head)) {
        ssize_t n = read(fd, head + have, sizeof(head) - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("read (PostgreSQL message head)");
        have += (size_t)n;
    }
    size_t len = ((size_t)head[1] << 24 | (size_t)head[2] << 16 | (size_t)head[3] << 8 | head[4]) - 4;
    if (len > cap)
        die("a PostgreSQL message of %zu bytes", len);
    for (have = 0; have < len;) {
        ssize_t n = read(fd, buf + have, len - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            die("read (PostgreSQL message body)");
        have += (size_t)n;
    }
    if (head[0] == 'E')
        die("the server answered with an error");
    if (head[0] == 'R' && (buf[0] | buf[1] | buf[2] | buf[3]) != 0)
        die("the server asks for a password (the bench needs trust authentication)");
    return (char)head[0];
}

static void pg_until_ready(int fd)
{
    static __thread char buf[65536];
    while (pg_message(fd, buf, sizeof(buf)) != 'Z') {}
}

static void pg_write(int fd, const char *buf, size_t len)
{
    struct conn c = { .fd = fd, .ssl = NULL };
    io_write(&c, buf, (int)len);
}

/* The relay floor: copies one direction until it ends, then half-closes the other side. */
static int pg_bench(const char *addr, int port, const char *user, int n)
{
    struct conn c = dial(addr, port, NULL, NULL);
    char start[256];
    int len = 8;
    len += snprintf(start + len, sizeof(start) - (size_t)len, "user%c%s%cdatabase%cpostgres%c", 0, user, 0, 0, 0) + 1;
    start[len - 1] = 0;
    uint32_t be = htonl((uint32_t)len), version = htonl(196608);
    memcpy(start, &be, 4);
    memcpy(start + 4, &version, 4);
    pg_write(c.fd, start, (size_t)len);
    pg_until_ready(c.fd);
    static const char query[] = "Q\0\0\0\x0dSELECT 1";
    for (int i = 0; i < 50 + n; i++) {
        if (i == 50)
            t0_pg = now_us();
        pg_write(c.fd, query, sizeof(query)); /* the terminating NUL is the string's */
        pg_until_ready(c.fd);
    }
    printf("%.1f\n", (now_us() - t0_pg) / n);
    static const char bye[] = "X\0\0\0\x04";
    pg_write(c.fd, bye, sizeof(bye) - 1);
    hang_up(&c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "server") == 0)
        return server(argv[2], atoi(argv[3]), argc > 5 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL, serve);
    if ((argc == 7 || argc == 8) && strcmp(argv[1], "keepalive") == 0) {
        int n = atoi(argv[6]);
        double warm_us = argc == 8 ? atof(argv[7]) * 1000 : 0;
        struct conn c = dial(argv[2], atoi(argv[3]), atoi(argv[4]) ? client_ctx() : NULL, argv[5]);
        double w0 = now_us();
        for (int i = 0; i < 50 || now_us() - w0 < warm_us; i++)
            get(&c, argv[5]);
        double t0 = now_us();
        for (int i = 0; i < n; i++)
            get(&c, argv[5]);
        printf("%.1f\n", (now_us() - t0) / n);
        hang_up(&c);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "handshake") == 0) {
        int n = atoi(argv[5]);
        SSL_CTX *ctx = client_ctx();
        char name[256];
        /* The first connection (the wire layer starting up) is not counted. */
        snprintf(name, sizeof(name), "warm-%d.%s", getpid(), argv[4]);
        struct conn w = dial(argv[2], atoi(argv[3]), ctx, name);
        get(&w, name);
        hang_up(&w);
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof(name), "h%d-%d.%s", i, getpid(), argv[4]);
            struct conn c = dial(argv[2], atoi(argv[3]), ctx, name);
            get(&c, name);
            hang_up(&c);
        }
        printf("%.1f\n", (now_us() - t0) / n);
        return 0;
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "relay") == 0) {
        relay_up_addr = argv[4];
        relay_up_port = atoi(argv[5]);
        if (argc == 7)
            relay_spin_us = atoi(argv[6]);
        return server(argv[2], atoi(argv[3]), NULL, NULL, argc == 7 ? relay_one_thread : relay_connection);
    }
    if (argc == 9 && strcmp(argv[1], "tls-relay") == 0) {
        relay_up_addr = argv[4];
        relay_up_port = atoi(argv[5]);
        relay_sni = argv[8];
        relay_client_ctx = client_ctx();
        return server(argv[2], atoi(argv[3]), argv[6], argv[7], tls_relay_connection);
    }
    if (argc == 6 && strcmp(argv[1], "pg") == 0)
        return pg_bench(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]));
    fprintf(stderr, "usage: wire-bench server ADDR PORT [CERT KEY] | keepalive ADDR PORT TLS SNI N [WARM_MS] | handshake ADDR PORT PREFIX N | relay ADDR PORT UPADDR UPPORT [SPIN_US] | tls-relay ADDR PORT UPADDR UPPORT CERT KEY SNI | pg ADDR PORT USER N\n");
    return 2;
}
