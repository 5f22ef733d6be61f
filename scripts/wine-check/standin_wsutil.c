/* Stand-in libwsutil.dll for scripts/wine-check.sh (wmem on the C heap). Written for this
 * project. */
#include <stdlib.h>
#include <string.h>
__declspec(dllexport) void *wmem_alloc(void *allocator, size_t size)
{
    (void)allocator;
    return calloc(1, size ? size : 1);
}
__declspec(dllexport) char *wmem_strndup(void *allocator, const char *src, size_t len)
{
    char *d = (char *)calloc(1, len + 1);
    (void)allocator;
    memcpy(d, src, len);
    return d;
}
