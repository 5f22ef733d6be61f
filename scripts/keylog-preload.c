/* keylog-preload.c: an LD_PRELOAD shim that makes any OpenSSL (1.1.1 or 3.x) program write
 * its TLS/DTLS secrets to $SSLKEYLOGFILE in the NSS key log format, the way browsers do, so
 * that Wireshark can decrypt what a test client sends (scripts/capture-turn-dtls.sh uses it
 * with coturn's turnutils_uclient, which has no key log option).
 *
 * Every SSL_CTX made by SSL_CTX_new gets a keylog callback (SSL_CTX_set_keylog_callback,
 * OpenSSL 1.1.1) that appends the line OpenSSL hands it. No OpenSSL headers or link: the two
 * functions are looked up at run time. Test tooling only; not part of the plugin.
 *
 *   cc -shared -fPIC -O2 -o keylog-preload.so scripts/keylog-preload.c -ldl
 *   SSLKEYLOGFILE=keys.log LD_PRELOAD=./keylog-preload.so some-openssl-client ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct ssl_method_st SSL_METHOD;
typedef void (*keylog_cb)(const SSL *ssl, const char *line);

static void append_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path || !line)
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    /* One write per line (O_APPEND): lines of concurrent sessions do not interleave. */
    size_t n = strlen(line);
    char buf[1024];
    if (n + 1 <= sizeof buf) {
        memcpy(buf, line, n);
        buf[n] = '\n';
        (void)!write(fd, buf, n + 1);
    }
    close(fd);
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method)
{
    static SSL_CTX *(*real_new)(const SSL_METHOD *);
    static void (*set_cb)(SSL_CTX *, keylog_cb);
    if (!real_new)
        real_new = (SSL_CTX * (*)(const SSL_METHOD *)) dlsym(RTLD_NEXT, "SSL_CTX_new");
    if (!set_cb)
        set_cb = (void (*)(SSL_CTX *, keylog_cb))dlsym(RTLD_NEXT, "SSL_CTX_set_keylog_callback");
    if (!real_new)
        return NULL;
    SSL_CTX *ctx = real_new(method);
    if (ctx && set_cb)
        set_cb(ctx, append_line);
    return ctx;
}
