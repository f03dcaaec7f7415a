/* wire-bench's parts (wire-bench.c: the servers, the clients and main; wire-relay.c: the relay
 * floors): what one needs of the other. */
#ifndef AGENTSHELL_WIRE_BENCH_H
#define AGENTSHELL_WIRE_BENCH_H
#include <openssl/ssl.h>

/* One connection, plain or TLS. */
struct conn { int fd; SSL *ssl; };

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
double now_us(void);
struct conn dial(const char *addr, int port, SSL_CTX *ctx, const char *sni);
void hang_up(struct conn *c);
SSL_CTX *client_ctx(void);
extern SSL_CTX *server_ctx; /* the server's certificate, also the TLS relay's toward its client */

/* wire-relay.c: set before serving with one of the connection handlers. */
extern const char *relay_up_addr, *relay_sni;
extern int relay_up_port, relay_spin_us;
extern SSL_CTX *relay_client_ctx;
void *relay_connection(void *arg);
void *relay_one_thread(void *arg);
void *tls_relay_connection(void *arg);

#endif
