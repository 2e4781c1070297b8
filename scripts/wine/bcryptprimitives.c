/* A test double for Wine 8 (Debian 12's), which lacks bcryptprimitives.dll.
 * Go's Windows runtime (1.22 and later) takes its random numbers from
 * ProcessPrng there and stops at start without it; Windows 10 and 11 have
 * it. scripts/test-platforms.sh builds this into the test wine prefix only:
 * it is never shipped. ProcessPrng fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), the system's CSPRNG. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
