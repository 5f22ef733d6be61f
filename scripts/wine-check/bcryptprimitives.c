/* Stand-in bcryptprimitives.dll for Wine 8, which lacks it: Rust's std (1.78+) takes its
 * random numbers from ProcessPrng, which Windows 10+ has. Backed by RtlGenRandom
 * (advapi32's SystemFunction036). For scripts/wine-check.sh only. Written for this project. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG len);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
