/* Stand-in glib-2.0-0.dll for scripts/wine-check.sh: the few GLib functions msstun.dll
 * calls on the checked paths, on the C heap. Written for this project. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define X __declspec(dllexport)
X void *g_malloc0(size_t n) { return calloc(1, n ? n : 1); }
X void *g_malloc0_n(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }
X void *g_realloc(void *p, size_t n) { return realloc(p, n ? n : 1); }
X void g_free(void *p) { free(p); }
X char *g_strdup(const char *s) { return s ? strdup(s) : NULL; }
X char *g_strndup(const char *s, size_t n)
{
    char *d;
    if (!s)
        return NULL;
    d = (char *)calloc(1, n + 1);
    memcpy(d, s, n);
    return d;
}
X size_t g_strlcpy(char *d, const char *s, size_t n)
{
    size_t l = strlen(s);
    if (n) {
        size_t c = l < n - 1 ? l : n - 1;
        memcpy(d, s, c);
        d[c] = 0;
    }
    return l;
}
X void g_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}
X void g_printerr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
